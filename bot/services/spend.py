"""Daily cost per scope and currency, read with one query per dimension for many scopes at once.

Budgets, alerts and digests ask about thousands of scopes; one grouped query per dimension
(answered from the daily rollups) and dictionary lookups after it keep the cost of a question
about 10,000 budgets close to that of a question about one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.domain.budgets import BudgetScope
from bot.domain.cost_rows import dimension_field
from bot.domain.money import ZERO
from bot.domain.shared.rules import RECEIVING_DIMENSIONS
from bot.services.ports import CostStore

Series = dict[date, Decimal]


@dataclass(frozen=True)
class ScopeSpend:
    """Daily cost from `start` to `end` of every value of the dimensions read, per currency.

    Values are matched case-insensitively (allocation stores tag values lower-cased, a person
    may type `Fraud-Detection`).
    """

    start: date
    end: date
    # (dimension or None for all cost, lower-cased value or None) -> currency -> day -> cost
    _series: Mapping[tuple[str | None, str | None], Mapping[str, Series]] = field(repr=False)
    # The same, of the shared cost each value received (included in `_series`).
    _received: Mapping[tuple[str | None, str | None], Mapping[str, Series]] = field(
        default_factory=dict, repr=False
    )

    def by_currency(self, scope: BudgetScope) -> Mapping[str, Series]:
        """Currency -> the scope's daily cost (days without cost are absent)."""
        return self._series.get(_key(scope), {})

    def series(self, scope: BudgetScope, currency: str) -> Series:
        return dict(self.by_currency(scope).get(currency, {}))

    def totals(self, scope: BudgetScope, first: date, last: date) -> dict[str, Decimal]:
        """The scope's cost from `first` to `last` (inclusive), per currency; zero ones left out."""
        totals = {}
        for currency, daily in self.by_currency(scope).items():
            total = sum((cost for day, cost in daily.items() if first <= day <= last), ZERO)
            if total != 0:
                totals[currency] = total
        return totals

    def received(self, scope: BudgetScope, first: date, last: date) -> dict[str, Decimal]:
        """The shared cost `totals` includes for the scope (what it received), per currency."""
        totals = {}
        for currency, daily in self._received.get(_key(scope), {}).items():
            total = sum((cost for day, cost in daily.items() if first <= day <= last), ZERO)
            if total != 0:
                totals[currency] = total
        return totals

    def values(self, dimension: str) -> list[str]:
        """Every (lower-cased) value of `dimension` with cost in the span."""
        return sorted(v for d, v in self._series if d == dimension and v is not None)


class SpendReader:
    def __init__(self, store: CostStore, basis: str) -> None:
        self._store = store
        self._basis = basis

    def read(self, dimensions: Iterable[str | None], start: date, end: date) -> ScopeSpend:
        """Daily cost of every value of each dimension (None: all cost) from `start` to `end`."""
        series: dict[tuple[str | None, str | None], dict[str, Series]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(Decimal))
        )
        received: dict[tuple[str | None, str | None], dict[str, Series]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(Decimal))
        )
        for dimension in dict.fromkeys(dimensions):
            if dimension is None:
                for day, currency, cost in self._store.sum_cost(
                    start, end, self._basis, group_by=("day",)
                ):
                    series[(None, None)][currency][day] += cost
                continue
            # Allocated cost (shared cost under its receivers), as `/cost` answers it.
            rows = self._store.sum_cost(
                start, end, self._basis, group_by=("day", dimension_field(dimension))
            )
            for day, value, currency, cost in rows:
                name = value.lower() if isinstance(value, str) else None
                series[(dimension, name)][currency][day] += cost
            if dimension in RECEIVING_DIMENSIONS:
                shared = self._store.shared_received_daily(start, end, self._basis, dimension)
                for day, value, currency, cost in shared:
                    name = value.lower() if isinstance(value, str) else None
                    received[(dimension, name)][currency][day] += cost
        return ScopeSpend(start, end, _frozen(series), _frozen(received))


def _frozen(series: Mapping[tuple[str | None, str | None], Mapping[str, Series]]):
    return {
        key: {currency: dict(daily) for currency, daily in by_currency.items()}
        for key, by_currency in series.items()
    }


def _key(scope: BudgetScope) -> tuple[str | None, str | None]:
    if scope.is_all:
        return (None, None)
    return (scope.dimension, scope.value.lower() if scope.value else None)
