"""The words idle-machine messages share: a machine, its price, people, times, "dry run".

A proposal's `instance` and `verdict` are what the store kept (JSON), so every value is read
defensively: a missing key, a string for a number or a time, never an exception. Everything a
cloud tag or a person wrote is escaped; only ids that look like Slack's become mentions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.services.idle_ports import Proposal
from handlers.blocks.limits import NAME_CHARS, SHORT_CHARS
from handlers.blocks.text import _code, _money, _name
from handlers.formatting import one_line, truncate

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")

DRY_RUN_TITLE = "DRY RUN"
DRY_RUN_NOTE = (
    ":test_tube: *DRY RUN*: costbot makes no cloud call, so nothing is really stopped or "
    "started; the whole flow runs to show what would happen. An operator turns it off with "
    "`idle.dry_run: false`."
)


def mention(user: str | None, nobody: str = "someone") -> str:
    """`<@U…>` for a Slack user id; anything else escaped (never a mention)."""
    if not user:
        return nobody
    if _USER_ID.fullmatch(user):
        return f"<@{user}>"
    return _name(user, SHORT_CHARS)


def approver_mention(ref: str) -> str:
    """A configured approver: a user (`<@U…>`) or a user group (`<!subteam^S…>`)."""
    if _GROUP_ID.fullmatch(ref):
        return f"<!subteam^{ref}>"
    return mention(ref)


def who_may_approve(owner_user: str | None, approvers: tuple[str, ...]) -> str:
    """The owner and the approvers, as mentions, each once; or who to ask when there are none."""
    refs = list(dict.fromkeys([*([owner_user] if owner_user else []), *approvers]))
    if not refs:
        return "nobody is configured (ask whoever runs costbot to set `idle.approvers`)"
    return ", ".join(approver_mention(ref) for ref in refs)


def field(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    if value is None:
        return None
    text = one_line(str(value)).strip()
    return text or None


def machine_name(proposal: Proposal) -> str:
    """`name` (`i-0abc…`), or only the id when the machine has no other name."""
    name = field(proposal.instance, "name")
    ident = _code(proposal.instance_id, NAME_CHARS)
    if not name or name == proposal.instance_id:
        return ident
    return f"{_code(name, NAME_CHARS)} ({ident})"


def machine_plain(proposal: Proposal) -> str:
    """The machine for fallback text: `name (id)`, unescaped (the caller escapes the line)."""
    name = field(proposal.instance, "name")
    ident = truncate(one_line(proposal.instance_id), NAME_CHARS)
    if not name or name == proposal.instance_id:
        return ident
    return f"{truncate(name, NAME_CHARS)} ({ident})"


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def as_datetime(value: Any) -> datetime | None:
    """A datetime as stored: itself, or an ISO string; naive times are UTC."""
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, str):
        try:
            found = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def when(value: datetime | None) -> str:
    """`2026-12-02 07:10 UTC`."""
    if value is None:
        return "an unknown time"
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def duration(minutes: int) -> str:
    """`45 min`, `2 h 5 min`, `3 d 4 h`."""
    minutes = max(int(minutes), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def percent(value: Any) -> str | None:
    number = as_decimal(value)
    if number is None:
        return None
    shown = f"{number:.1f}".rstrip("0").rstrip(".")
    return f"{shown}%"


def utilisation(verdict: Mapping[str, Any]) -> str:
    """`CPU at most 1.2%, GPU at most 0%` (the GPU only when it was measured)."""
    parts = []
    cpu, gpu = percent(verdict.get("cpu_max")), percent(verdict.get("gpu_max"))
    if cpu is not None:
        parts.append(f"CPU at most {cpu}")
    if gpu is not None:
        parts.append(f"GPU at most {gpu}")
    return ", ".join(parts) or "no utilisation numbers kept"


def hourly_cost(proposal: Proposal) -> str:
    """`$32.77/h (price table)`, or that no price is known."""
    if proposal.hourly_cost is None or not proposal.currency:
        return "cost per hour unknown (no price for this machine type)"
    text = f"{_money(proposal.hourly_cost, proposal.currency)}/h"
    if proposal.price_source:
        text += f" ({_name(proposal.price_source, SHORT_CHARS)})"
    return text


def saving(amount: Decimal | None, currency: str | None) -> str | None:
    """`about $786.48/day`, or None when no price is known."""
    if amount is None or not currency:
        return None
    return f"about {_money(amount, currency)}/day"
