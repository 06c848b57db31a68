"""Untrusted text made safe for Slack messages: names, money, periods, fallback text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.domain.periods import Period
from handlers.blocks.limits import FALLBACK_NAME_CHARS, MAX_FALLBACK_TEXT, NAME_CHARS, SHORT_CHARS
from handlers.formatting import (
    escape_mrkdwn,
    escape_truncate,
    format_money,
    one_line,
    truncate,
    truncate_mrkdwn,
)

# Every string that comes from a report, a user or a config file is treated as untrusted:
# in mrkdwn it is escaped (`&`, `<`, `>`), put on one line and cut to a fixed length, so a name
# like `<!channel>` can never ping anyone and a 5,000-character name can never break Slack's
# limits. mrkdwn text objects are `verbatim` so Slack does not auto-link names either.
# Plain-text objects (header, button labels) are not parsed by Slack; they are only cut to size.

_BASIS_TEXT = {
    "effective": "effective cost (amortised, after discounts)",
    "billed": "billed cost",
}


def _plain(text: str) -> str:
    """Untrusted text for a plain_text object: one line (plain text is not parsed by Slack)."""
    return one_line(text).strip()


def _name(text: str, limit: int = NAME_CHARS) -> str:
    """Untrusted text for mrkdwn: one line, escaped, at most `limit` characters."""
    return escape_truncate(one_line(text).strip(), limit) or "(blank)"


def _code(text: str, limit: int = NAME_CHARS) -> str:
    return _code_escaped(_name(text, limit))


def _code_escaped(escaped: str) -> str:
    """Escaped text in a code span; a backtick inside would end it, so quote such text."""
    return f"“{escaped}”" if "`" in escaped else f"`{escaped}`"


def _money(amount: Decimal, currency: str) -> str:
    """Escaped money as `format_money` shows it, e.g. `$12.00` or `1,234.50 CHF`."""
    return escape_truncate(format_money(amount, one_line(currency).strip()), 2 * SHORT_CHARS)


def _total(amount: Decimal, currency: str) -> str:
    """An escaped bold total with its currency code, e.g. `*$12.00 USD*` or `*1,234.50 CHF*`."""
    return f"*{escape_truncate(_money_code(amount, currency), 2 * SHORT_CHARS)}*"


def _money_code(amount: Decimal, currency: str) -> str:
    """Money with its currency code even when a symbol is shown: `$12.00 USD`, `1.00 CHF`."""
    code = one_line(currency).strip()
    text = format_money(amount, code)
    return text if not code or text.endswith(code) else f"{text} {code.upper()}"


def _period_text(period: Period) -> str:
    label = one_line(period.label).strip()
    if ".." in label:
        return f"{period.start} – {period.end}"
    return f"{label}, {period.start} – {period.end}"


def _basis_text(basis: str) -> str:
    return _BASIS_TEXT.get(basis, f"{one_line(basis)[:SHORT_CHARS]} cost")


def _freshness(data_through: date | None) -> str:
    return f"data through {data_through}" if data_through else "no billing data yet"


def _fallback_name(text: str, limit: int = FALLBACK_NAME_CHARS) -> str:
    return truncate(one_line(text).strip(), limit)


def _fallback(text: str) -> str:
    """Fallback text: escaped (Slack parses `text` as mrkdwn too) and cut to a sane length."""
    return truncate_mrkdwn(escape_mrkdwn(text), MAX_FALLBACK_TEXT)
