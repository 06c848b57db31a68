"""Queries written back as canonical `/cost` text, in Slack's escaped form."""

from __future__ import annotations

import re

from bot.domain.command_grammar.queries import (
    CostQuery,
    HelpQuery,
    Query,
    StatusQuery,
    TopQuery,
    TrendQuery,
    UntaggedQuery,
)
from bot.domain.command_grammar.tokens import _OPENERS, _REFERENCE_DAY, _try_period
from bot.domain.periods import Period, parse_period


def command_text(query: Query) -> str:
    """Canonical text for `query` that `parse_command` turns back into an equal query.

    Used for "Share" and "did you mean" buttons, e.g. ``project fraud-detection 2024-09`` or
    ``project "Amazon EC2" mtd``. The period is always written; relative periods (mtd, 7d, ...)
    stay relative. The text is in Slack's escaped form (``&`` as ``&amp;``, ...), which is
    what Slack sends and what `parse_command` expects; it renders as typed in mrkdwn.

    The round trip is exact for every query `parse_command` returns (and any query whose name
    is already clean: no control characters, single spaces, trimmed, 1..MAX_NAME_CHARS long).
    Other names are written as they are and come back cleaned, or rejected if empty.
    """
    if isinstance(query, CostQuery):
        return f"{query.dimension} {_name_text(query.name)} {_period_text(query.period)}"
    if isinstance(query, TopQuery):
        return f"top {query.dimension} {_period_text(query.period)}"
    if isinstance(query, UntaggedQuery):
        return f"untagged {_period_text(query.period)}"
    if isinstance(query, TrendQuery):
        name = _name_text(query.name)
        return f"trend {query.dimension} {name} {_period_text(query.period)}"
    if isinstance(query, StatusQuery):
        return "status"
    if isinstance(query, HelpQuery):
        return "help"
    raise TypeError(f"not a query: {type(query).__name__}")


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
