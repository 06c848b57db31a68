"""Split one piece of shared cost among its receivers, exactly: the shares add up to the
piece to the stored precision (a nano-unit), so totals never move when cost is shared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bot.domain.cost_rows import STORED_PLACES
from bot.domain.shared.rules import SharedRule, SplitMethod

QUANTUM = Decimal(1).scaleb(-STORED_PLACES)
ZERO = Decimal(0)


class Role(StrEnum):
    OUT = "out"  # the piece leaving where it was billed (negative amounts)
    IN = "in"  # a receiver's share
    KEPT = "kept"  # no receiver qualified: the cost stays where it was (not added to sums)


@dataclass(frozen=True)
class SharedPiece:
    """Cost one rule matched on one day, in one currency, billed to one value of the
    receiving dimension (`origin`, None when unallocated), of one service."""

    day: date
    currency: str
    origin: str | None
    service: str | None
    billed: Decimal
    effective: Decimal


@dataclass(frozen=True)
class SharedEntry:
    """One stored line of a split (see Role). `value` is the receiver for IN and the origin
    for OUT and KEPT; `method` says how this day's share was found, for people."""

    rule: str
    dimension: str
    day: date
    currency: str
    value: str | None
    origin: str | None
    service: str | None
    billed: Decimal
    effective: Decimal
    role: Role
    method: str


@dataclass(frozen=True)
class DayWeights:
    """Who receives a day's pieces of one rule and currency, in what proportion, and why."""

    weights: Mapping[str, Decimal]  # receiver -> weight > 0; empty: nobody qualifies
    method: str

    def integer(self) -> _IntegerWeights:
        cached = self.__dict__.get("_integer")
        if cached is None:
            cached = _integer_weights(self.weights)
            object.__setattr__(self, "_integer", cached)
        return cached


def day_weights(
    rule: SharedRule,
    direct: Mapping[str | None, Decimal],
    usage: Mapping[str, Decimal] | None,
) -> DayWeights:
    """The weights of one day and currency.

    `direct`: each value's own (not shared) cost that day in that currency, on the cost basis;
    `usage`: each receiver's measured quantity that day, None when the day has no usage data.
    """
    if rule.method is SplitMethod.USAGE:
        measured = _positive(rule, usage or {})
        if measured:
            return DayWeights(measured, rule.describe_method())
        fallback = _weights(rule, rule.fallback, direct)
        return DayWeights(
            fallback, f"{rule.describe_method(rule.fallback)}: no usage data that day"
        )
    return DayWeights(_weights(rule, rule.method, direct), rule.describe_method())


def _weights(
    rule: SharedRule, method: SplitMethod, direct: Mapping[str | None, Decimal]
) -> dict[str, Decimal]:
    if method is SplitMethod.FIXED:
        return _positive(rule, rule.weights)
    having = _positive(rule, {k: v for k, v in direct.items() if k is not None})
    if method is SplitMethod.EVEN:
        return {receiver: Decimal(1) for receiver in having}
    return having


def _positive(rule: SharedRule, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return {
        receiver: weight
        for receiver, weight in sorted(weights.items())
        if weight > 0 and rule.allows(receiver)
    }


def split_amount(amount: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """`amount` in shares proportional to `weights`, each at the stored precision; the
    rounding remainder goes to the largest receiver (the first by name among equals), so the
    shares add up to the amount exactly."""
    if not weights:
        raise ValueError("nobody to split among")
    return _split_nanos(_nanos(amount), _integer_weights(weights))


def _nanos(amount: Decimal) -> int:
    return int(amount.quantize(QUANTUM).scaleb(STORED_PLACES))


def _integer_weights(weights: Mapping[str, Decimal]) -> _IntegerWeights:
    """The weights as integers of one scale, their sum, and the largest receiver: computed
    once per day and rule, then used for every piece of it."""
    places = max(max(-weight.as_tuple().exponent, 0) for weight in weights.values())  # type: ignore[operator]
    scaled = {name: int(weight.scaleb(places)) for name, weight in weights.items()}
    largest = min(weights, key=lambda name: (-weights[name], name))
    return _IntegerWeights(scaled, sum(scaled.values()), largest)


@dataclass(frozen=True)
class _IntegerWeights:
    scaled: Mapping[str, int]
    whole: int
    largest: str


def _split_nanos(amount: int, weights: _IntegerWeights) -> dict[str, Decimal]:
    """Integer shares of `amount` nano-units, each rounded half to even, the remainder to the
    largest receiver; exact, and the same as Decimal arithmetic at this precision."""
    shares: dict[str, int] = {}
    whole = weights.whole
    for name, weight in weights.scaled.items():
        quotient, rest = divmod(amount * weight, whole)  # floors, so rest >= 0
        if 2 * rest > whole or (2 * rest == whole and quotient % 2):
            quotient += 1
        shares[name] = quotient
    shares[weights.largest] += amount - sum(shares.values())
    return {name: Decimal(share).scaleb(-STORED_PLACES) for name, share in shares.items()}


def split_piece(rule: SharedRule, piece: SharedPiece, weights: DayWeights) -> list[SharedEntry]:
    """The entries of one piece: out of its origin and into each receiver, or kept."""

    def entry(value: str | None, billed: Decimal, effective: Decimal, role: Role) -> SharedEntry:
        return _entry(rule, piece, weights, value, billed, effective, role)

    if not weights.weights:
        kept = replace(weights, method=f"kept: no {rule.among} qualified that day")
        return [_entry(rule, piece, kept, piece.origin, piece.billed, piece.effective, Role.KEPT)]
    integer = weights.integer()
    billed = _split_nanos(_nanos(piece.billed), integer)
    effective = _split_nanos(_nanos(piece.effective), integer)
    entries = [entry(piece.origin, -piece.billed, -piece.effective, Role.OUT)]
    entries += [
        entry(receiver, billed[receiver], effective[receiver], Role.IN)
        for receiver in weights.weights
        if billed[receiver] or effective[receiver]
    ]
    return entries


def _entry(
    rule: SharedRule,
    piece: SharedPiece,
    weights: DayWeights,
    value: str | None,
    billed: Decimal,
    effective: Decimal,
    role: Role,
) -> SharedEntry:
    return SharedEntry(
        rule=rule.name,
        dimension=rule.among,
        day=piece.day,
        currency=piece.currency,
        value=value,
        origin=piece.origin,
        service=piece.service,
        billed=billed,
        effective=effective,
        role=role,
        method=weights.method,
    )
