"""Block Kit for cost answers: report data in, slack_sdk block objects out. No I/O."""

from __future__ import annotations

from handlers.blocks.buttons import (
    MAX_SUGGESTIONS,
    SUGGESTION_ACTION_PATTERN,
    SUGGESTION_ACTIONS,
    ActionId,
    build_share_actions,
    command_from_share_value,
    share_value,
    suggestion_command,
)
from handlers.blocks.cost import build_cost_report_blocks, cost_report_text
from handlers.blocks.coverage import (
    build_home_blocks,
    build_shared_by_context,
    build_trend_blocks,
)
from handlers.blocks.elements import _cap_blocks as _cap_blocks  # private, but tests use it
from handlers.blocks.elements import _context as _context  # private, but tests use it
from handlers.blocks.elements import to_payload
from handlers.blocks.limits import (
    DETAILED_CURRENCIES,
    FALLBACK_NAME_CHARS,
    MAX_ACTION_ID,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CONTEXT_ELEMENTS,
    MAX_CONTEXT_TEXT,
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    NAME_CHARS,
    OTHER_CURRENCY_LINES,
    SHORT_CHARS,
    TAG_KEYS_SHOWN,
    TOP_RESOURCES_SHOWN,
    TOP_ROWS_SHOWN,
    TOP_SERVICES_SHOWN,
)
from handlers.blocks.messages import (
    COMMAND,
    HELP_COMMANDS,
    HELP_EXAMPLES,
    build_error_blocks,
    build_help_blocks,
    build_unknown_name_blocks,
    error_text,
    help_text,
    unknown_name_text,
)
from handlers.blocks.top import build_top_report_blocks, top_report_text
from handlers.blocks.untagged import build_untagged_blocks, untagged_text

__all__ = [
    "COMMAND",
    "DETAILED_CURRENCIES",
    "FALLBACK_NAME_CHARS",
    "HELP_COMMANDS",
    "HELP_EXAMPLES",
    "MAX_ACTION_ID",
    "MAX_BLOCKS",
    "MAX_BUTTON_TEXT",
    "MAX_BUTTON_VALUE",
    "MAX_CONTEXT_ELEMENTS",
    "MAX_CONTEXT_TEXT",
    "MAX_FALLBACK_TEXT",
    "MAX_HEADER_TEXT",
    "MAX_SECTION_TEXT",
    "MAX_SUGGESTIONS",
    "NAME_CHARS",
    "OTHER_CURRENCY_LINES",
    "SHORT_CHARS",
    "SUGGESTION_ACTIONS",
    "SUGGESTION_ACTION_PATTERN",
    "TAG_KEYS_SHOWN",
    "TOP_RESOURCES_SHOWN",
    "TOP_ROWS_SHOWN",
    "TOP_SERVICES_SHOWN",
    "ActionId",
    "build_cost_report_blocks",
    "build_error_blocks",
    "build_help_blocks",
    "build_home_blocks",
    "build_share_actions",
    "build_shared_by_context",
    "build_top_report_blocks",
    "build_trend_blocks",
    "build_unknown_name_blocks",
    "build_untagged_blocks",
    "command_from_share_value",
    "cost_report_text",
    "error_text",
    "help_text",
    "share_value",
    "suggestion_command",
    "to_payload",
    "top_report_text",
    "unknown_name_text",
    "untagged_text",
]
