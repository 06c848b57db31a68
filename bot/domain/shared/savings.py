"""A stopped machine's saving, credited where its cost is counted: when a shared-cost rule
gives its own value's cost (its project, say) to others, each receiver is credited its part
of the saving in the proportion it received of that value's cost, and the value keeps the
rest. The parts add up to the saving exactly, to the saving's own unit (cents)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from bot.domain.cost_rows import STORED_PLACES

_KEPT = ""  # the key of what the origin kept: first by name, so it wins a tie for the remainder


@dataclass(frozen=True)
class ReceivedCost:
    """What `value` received of one origin's cost under one rule, over some days."""

    value: str
    rule: str
    cost: Decimal


@dataclass(frozen=True)
class SavingPart:
    """The part of a saving credited to `value`: received under `rule`, or kept (rule None)
    by the machine's own value."""

    value: str
    rule: str | None
    saved: Decimal

    @property
    def kept(self) -> bool:
        return self.rule is None


def split_saving(
    saved: Decimal, origin: str, direct: Decimal, received: Sequence[ReceivedCost]
) -> tuple[SavingPart, ...]:
    """`saved` in parts like the origin's cost was split: each receiver's, per rule, in the
    proportion `cost / direct` (the origin's own cost over the same days and currency), and
    the rest kept by `origin`; largest first, the kept part first among equals.

    Empty when nothing was given (no receiver, or no direct cost to measure against): the
    saving stays whole with its origin. Every part is floored to the saving's unit and the
    units short go to the parts with the largest remainders, so no part is ever negative
    (rounding each to the nearest cent and giving the difference to the largest can be).
    """
    given: dict[tuple[str, str], Decimal] = {}
    for part in received:
        if part.cost > 0:
            key = (part.value, part.rule)
            given[key] = given.get(key, Decimal(0)) + part.cost
    if direct <= 0 or not given:
        return ()
    # Cost received beyond the direct cost (credits in the direct cost, say) leaves nothing
    # kept: the receivers then share the whole saving in their proportions.
    kept = max(direct - sum(given.values()), Decimal(0))
    keys = {f"{value}\x1f{rule}": (value, rule) for value, rule in given}
    weights = {name: given[key] for name, key in keys.items()}
    if kept > 0:
        weights[_KEPT] = kept
    shares = _largest_remainders(saved, weights, _places(saved))
    parts = [
        SavingPart(origin, None, share) if name == _KEPT else SavingPart(*keys[name], share)
        for name, share in shares.items()
    ]
    return tuple(sorted(parts, key=lambda p: (-p.saved, not p.kept, p.value, p.rule or "")))


def _places(saved: Decimal) -> int:
    """The saving's own decimal places (2 for the ledger's cents), at most the stored ones."""
    exponent = saved.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) else 0
    return min(max(places, 0), STORED_PLACES)


def _largest_remainders(
    amount: Decimal, weights: dict[str, Decimal], places: int
) -> dict[str, Decimal]:
    """`amount` (>= 0) in shares proportional to `weights` (> 0), to `places` decimal places:
    each share floored, the units short handed out one each by largest remainder (then by
    name), so the shares add up to `amount` exactly and none is negative."""
    unit = Decimal(1).scaleb(-places)
    whole = sum(weights.values())
    exact = {name: amount * weight / whole for name, weight in weights.items()}
    shares = {name: value.quantize(unit, rounding=ROUND_FLOOR) for name, value in exact.items()}
    short = int((amount.quantize(unit) - sum(shares.values())) / unit)
    by_remainder = sorted(weights, key=lambda name: (shares[name] - exact[name], name))
    for name in by_remainder[:short]:
        shares[name] += unit
    return shares
