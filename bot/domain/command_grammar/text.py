"""Names and periods written back as `/cost` text, in Slack's escaped form."""

from __future__ import annotations

import re

from bot.domain.command_grammar.tokens import _OPENERS, _REFERENCE_DAY, _try_period
from bot.domain.periods import Period, parse_period


def _name_text(name: str) -> str:
    """A name as command text: quoted when needed, in Slack's escaped form."""
    escaped = _slack_escape(name)
    needs_quotes = (
        not name
        or any(char.isspace() for char in name)
        or name[0] in _OPENERS
        or _try_period(name, _REFERENCE_DAY) is not None
    )
    return f'"{escaped}"' if needs_quotes else escaped


def _period_text(period: Period) -> str:
    """A period as command text: its label when that names it, else its dates."""
    try:
        parsed = parse_period(period.label, period.end)
    except (ValueError, TypeError, OverflowError):
        parsed = None
    if parsed is not None:
        relative = not re.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2}\.\.[0-9-]+)?", parsed.label)
        if relative or (parsed.start, parsed.end) == (period.start, period.end):
            return parsed.label
    return f"{period.start.isoformat()}..{period.end.isoformat()}"


def _slack_escape(text: str) -> str:
    """Text with &, < and > escaped as Slack expects, so it can never mention anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
