"""Exact money arithmetic: Decimal only, rounded half-up to cents for people."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal(0)


def to_cents(amount: Decimal) -> Decimal:
    """Round an amount to cents, half away from zero, as invoices do."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_number(amount: Decimal) -> float:
    """A cent-rounded amount as a JSON number (the float prints exactly as the cents)."""
    return float(to_cents(amount))


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Sum amounts of ONE currency exactly."""
    return sum(amounts, ZERO)


def percent_change(current: Decimal, previous: Decimal) -> Decimal | None:
    """Change from `previous` to `current` in percent, or None when there is nothing to compare."""
    if previous == 0:
        return None
    return (current - previous) / abs(previous) * 100


def split_evenly(amount: Decimal, parts: int, *, places: int = 12) -> list[Decimal]:
    """Split an amount into `parts` shares that add up to it exactly.

    The last share takes the rounding remainder, so a monthly fee spread over 30 days still
    sums to the invoiced fee.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if parts == 1:
        return [amount]
    quantum = Decimal(1).scaleb(-places)
    # The default context keeps 28 digits: a large amount, or one with many decimals, would be
    # rounded (or refused by quantize). Work with enough digits that nothing is ever rounded.
    exponent = amount.as_tuple().exponent if amount.is_finite() else 0
    digits = max(amount.adjusted(), 0) + max(-int(exponent), places, 0) + len(str(parts)) + 5
    with localcontext() as context:
        context.prec = max(context.prec, digits)
        share = (amount / parts).quantize(quantum, rounding=ROUND_HALF_UP)
        return [share] * (parts - 1) + [amount - share * (parts - 1)]
