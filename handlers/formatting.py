"""Text for Slack: money, changes, escaping and truncation. Pure functions, no Slack objects."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from bot.domain.money import percent_change, to_cents

ELLIPSIS = "…"

# Symbol placed before the amount; any other currency gets its code after the amount.
_PREFIX_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
# Currencies shown without decimals (only the yen, as asked; others keep cents).
_WHOLE_UNIT_CURRENCIES = frozenset({"JPY"})

_ONE = Decimal(1)

# Characters Slack's mrkdwn treats as control characters, with their entities.
_MRKDWN_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MRKDWN_SPECIAL = re.compile("[&<>]")
# Line breaks, tabs and other control characters: they would break a one-line list item.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def _round(amount: Decimal, places: int) -> Decimal:
    """Round half-up (away from zero) with enough precision that huge amounts never raise."""
    with localcontext() as context:
        context.prec = max(context.prec, amount.adjusted() + places + 10)
        if places == 2:
            return to_cents(amount)
        return amount.quantize(_ONE.scaleb(-places), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """`$12,345.67`, `€1,234.50`, `£3.00`, `¥1,235`, otherwise `1,234.50 CHF`; `-$3.20` if negative.

    Amounts are rounded half-up to cents with `to_cents`; the yen is rounded once, straight to
    whole yen (rounding to cents first would turn 0.495 into 0.50 and then into 1).
    A negative amount that rounds to zero is shown without a sign.
    """
    code = currency.strip().upper()
    if code in _WHOLE_UNIT_CURRENCIES:
        rounded = _round(amount, 0)
        digits = f"{abs(rounded):,.0f}"
    else:
        rounded = _round(amount, 2)
        digits = f"{abs(rounded):,.2f}"
    sign = "-" if rounded < 0 else ""
    symbol = _PREFIX_SYMBOLS.get(code)
    if symbol is not None:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits} {currency.strip()}".rstrip()


def format_change(current: Decimal, previous: Decimal, previous_label: str | None = None) -> str:
    """`↑ 12.3% vs previous 30 days`, `↓ 4.0%`, `→ 0.0%` or `no cost in the previous period`.

    The arrow follows the percentage as shown (rounded half-up to one decimal), so a change
    too small to show is `→ 0.0%`, never `↑ 0.0%`. `previous_label` is Period.previous().label.
    """
    change = percent_change(current, previous)
    if change is None:
        return "no cost in the previous period"
    shown = _round(abs(change), 1)
    arrow = "→" if shown == 0 else "↑" if change > 0 else "↓"
    text = f"{arrow} {shown:,.1f}%"
    return f"{text} vs {previous_label}" if previous_label else text


def format_share(part: Decimal, whole: Decimal) -> str | None:
    """`36%` of a positive whole, `<1%` for a small positive part; None when it makes no sense."""
    if whole <= 0 or part < 0:
        return None
    percent = _round(part / whole * 100, 0)
    if percent == 0 and part > 0:
        return "<1%"
    return f"{percent:,.0f}%"


def escape_mrkdwn(text: str) -> str:
    """Escape `&`, `<` and `>` as Slack requires, so user text never becomes a mention or link."""
    return _MRKDWN_SPECIAL.sub(lambda m: _MRKDWN_ESCAPES[m.group(0)], text)


def one_line(text: str) -> str:
    """Text with line breaks and control characters replaced by single spaces."""
    return _CONTROL.sub(" ", text)


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with `…` when it was cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Like `truncate`, for already escaped mrkdwn: never leaves half an entity like `&am…`."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def escape_truncate(text: str, limit: int) -> str:
    """`text` escaped for mrkdwn and cut so the ESCAPED result fits in `limit` characters."""
    return truncate_mrkdwn(escape_mrkdwn(text), limit)
