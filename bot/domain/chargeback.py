"""The monthly chargeback report: what each value of a dimension is charged for one month.

One row per value and currency: its direct cost, the shared cost it received (per rule), the
shared cost it gave away, the total, its share of the month and the change against the month
before. A check line per currency compares the rows' sum with the month's bill, which the
caller reads from the store apart from the rows: the report proves it adds up. Currencies are
never summed together. Pure and exact (Decimal); rounding is for the renderers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.allocation import DIMENSIONS, UNALLOCATED
from bot.domain.money import ZERO, percent_change
from bot.domain.shared.split import Role

PERCENT = Decimal("0.1")
_MONTH = re.compile(r"(\d{4})-(\d{2})")

ValueKey = tuple[str | None, str]  # (value of the dimension, None when unallocated; currency)


class ChargebackError(ValueError):
    """A month or dimension the report cannot be made for; the message says what to give."""


@dataclass(frozen=True)
class Month:
    """One UTC calendar month."""

    year: int
    month: int

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The last day (inclusive)."""
        return self.following().start - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def following(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)


def parse_month(text: str) -> Month:
    """`YYYY-MM` as a Month; anything else raises ChargebackError saying what to give."""
    shown = (text or "").strip()
    found = _MONTH.fullmatch(shown)
    if found is None:
        raise ChargebackError(f'"{shown}" is not a month; give one as YYYY-MM, e.g. 2026-11.')
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or not 1970 <= year <= 2199:
        raise ChargebackError(f'"{shown}" is not a month; give one as YYYY-MM, e.g. 2026-11.')
    return Month(year, month)


def check_dimension(text: str) -> str:
    """The dimension named (case-insensitive); an unknown one raises ChargebackError."""
    dimension = (text or "").strip().lower()
    if dimension not in DIMENSIONS:
        raise ChargebackError(f'Unknown dimension "{text}"; use one of: {", ".join(DIMENSIONS)}.')
    return dimension


@dataclass(frozen=True)
class SharedAmount:
    """Shared cost of one value under one rule over the month, as the store splits it: IN is
    what it received, OUT what it gave away (negative, as stored), KEPT stayed (not summed)."""

    value: str | None
    currency: str
    rule: str
    role: Role
    cost: Decimal


@dataclass(frozen=True)
class ChargebackRow:
    value: str | None
    currency: str
    direct: Decimal  # the value's own cost, before any sharing
    received: Mapping[str, Decimal]  # rule -> shared cost received under it
    given: Decimal  # shared cost given away to others (positive: what left)
    total: Decimal  # direct + received - given
    previous_total: Decimal | None  # the month before; None when it had no cost there
    share: Decimal | None  # percent of the currency's bill; None when the bill is not positive
    change: Decimal | None  # percent against previous_total; None without one to compare

    @property
    def name(self) -> str:
        return self.value if self.value is not None else UNALLOCATED

    @property
    def shared_received(self) -> Decimal:
        return sum(self.received.values(), ZERO)


@dataclass(frozen=True)
class CheckLine:
    """The rows of one currency against the month's bill read from the store on its own."""

    currency: str
    rows_total: Decimal
    bill: Decimal

    @property
    def difference(self) -> Decimal:
        return self.rows_total - self.bill

    @property
    def ok(self) -> bool:
        return self.difference == 0


@dataclass(frozen=True)
class CurrencySection:
    currency: str
    rows: tuple[ChargebackRow, ...]
    check: CheckLine
    previous_bill: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.previous_bill is None:
            return None
        return _percent(percent_change(self.check.bill, self.previous_bill))


@dataclass(frozen=True)
class ChargebackReport:
    month: Month
    dimension: str
    cost_basis: str
    rules: tuple[str, ...]  # the rules with shared cost in the month, config order first
    sections: tuple[CurrencySection, ...]  # the largest bill first
    data_through: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        """True when the store's data reaches the month's last day."""
        return self.data_through is not None and self.data_through >= self.month.end

    @property
    def ok(self) -> bool:
        return all(section.check.ok for section in self.sections)

    @property
    def rows(self) -> list[ChargebackRow]:
        return [row for section in self.sections for row in section.rows]


@dataclass(frozen=True)
class MonthCosts:
    """What the report is made of, as read from the store for one month and dimension."""

    direct: Mapping[ValueKey, Decimal]  # every value's own cost, before sharing
    shared: Sequence[SharedAmount]
    bill: Mapping[str, Decimal]  # currency -> the month's total, read without the rows
    previous_totals: Mapping[ValueKey, Decimal]  # the month before, shared cost included
    previous_bill: Mapping[str, Decimal] = field(default_factory=dict)


def build_report(
    month: Month,
    dimension: str,
    costs: MonthCosts,
    *,
    cost_basis: str,
    rule_order: Sequence[str] = (),
    data_through: date | None = None,
    notes: Sequence[str] = (),
) -> ChargebackReport:
    """Rows, shares, changes and the check lines of one month; `notes` are said with it."""
    received, given = _shared_by_value(costs.shared)
    keys = set(costs.direct) | set(received) | set(given)
    by_currency: dict[str, list[ValueKey]] = defaultdict(list)
    for key in keys:
        by_currency[key[1]].append(key)
    for currency in costs.bill:
        by_currency.setdefault(currency, [])
    sections = [
        _section(currency, value_keys, costs, received, given)
        for currency, value_keys in by_currency.items()
    ]
    sections.sort(key=lambda s: (-s.check.bill, s.currency))
    return ChargebackReport(
        month=month,
        dimension=dimension,
        cost_basis=cost_basis,
        rules=_rules(rule_order, received),
        sections=tuple(sections),
        data_through=data_through,
        notes=_notes(month, data_through, sections) + tuple(notes),
    )


def _shared_by_value(
    shared: Iterable[SharedAmount],
) -> tuple[dict[ValueKey, dict[str, Decimal]], dict[ValueKey, Decimal]]:
    received: dict[ValueKey, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    given: dict[ValueKey, Decimal] = defaultdict(Decimal)
    for part in shared:
        key = (part.value, part.currency)
        if part.role is Role.IN:
            received[key][part.rule] += part.cost
        elif part.role is Role.OUT:
            given[key] -= part.cost  # stored negative: what left the value
    return received, given


def _section(
    currency: str,
    keys: Sequence[ValueKey],
    costs: MonthCosts,
    received: Mapping[ValueKey, Mapping[str, Decimal]],
    given: Mapping[ValueKey, Decimal],
) -> CurrencySection:
    bill = costs.bill.get(currency, ZERO)
    rows = []
    for key in keys:
        row = _row(key, costs, received.get(key, {}), given.get(key, ZERO), bill)
        if row.direct or row.shared_received or row.given:
            rows.append(row)
    rows.sort(key=lambda r: (-r.total, r.value is None, r.name))
    rows_total = sum((row.total for row in rows), ZERO)
    return CurrencySection(
        currency,
        tuple(rows),
        CheckLine(currency, rows_total, bill),
        costs.previous_bill.get(currency),
    )


def _row(
    key: ValueKey,
    costs: MonthCosts,
    received: Mapping[str, Decimal],
    given: Decimal,
    bill: Decimal,
) -> ChargebackRow:
    direct = costs.direct.get(key, ZERO)
    total = direct + sum(received.values(), ZERO) - given
    previous = costs.previous_totals.get(key)
    return ChargebackRow(
        value=key[0],
        currency=key[1],
        direct=direct,
        received={rule: cost for rule, cost in received.items() if cost},
        given=given,
        total=total,
        previous_total=previous,
        share=_percent(total / bill * 100) if bill > 0 else None,
        change=_percent(percent_change(total, previous)) if previous is not None else None,
    )


def _rules(order: Sequence[str], received: Mapping[ValueKey, Mapping[str, Decimal]]) -> tuple:
    seen = {rule for parts in received.values() for rule, cost in parts.items() if cost}
    ordered = [rule for rule in order if rule in seen]
    return tuple(ordered + sorted(seen - set(ordered)))


def _notes(month: Month, data_through: date | None, sections: Sequence[CurrencySection]) -> tuple:
    notes = []
    if not sections:
        notes.append(f"No cost is stored for {month.label}.")
    elif data_through is None or data_through < month.end:
        through = data_through.isoformat() if data_through else "no day"
        notes.append(f"{month.label} is not complete: data through {through}.")
    return tuple(notes)


def _percent(value: Decimal | None) -> Decimal | None:
    """A percentage to one decimal, half away from zero (as the answers show them)."""
    if value is None:
        return None
    return value.quantize(PERCENT, rounding=ROUND_HALF_UP)
