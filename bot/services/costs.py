"""Cost questions: how much did X cost, and who cost the most. Returns data, never renders."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from bot.domain.allocation import DIMENSIONS, UNALLOCATED, AllocationRules
from bot.domain.cost_rows import dimension_field
from bot.domain.money import ZERO
from bot.domain.periods import Period
from bot.domain.reports import (
    CostReport,
    CurrencyCost,
    CurrencyRanking,
    DailyCost,
    NamedCost,
    OtherCost,
    ResourceCost,
    SharedGiven,
    TopReport,
)
from bot.domain.shared.split import Role
from bot.services.cache import DEFAULT_MAX_BYTES, AnswerCache
from bot.services.freshness import Freshness
from bot.services.ports import CostFilter, CostStore
from bot.services.shared_ports import SharedPart
from bot.services.shared_views import shares_of

T = TypeVar("T")
TOP_RESOURCES = 10
TOP_SERVICES = 10
SUGGESTIONS = 3


class _NoCache:
    def get(self, _key: object, compute: Callable[[], T]) -> T:
        return compute()


_NO_CACHE = _NoCache()


class UnknownDimensionError(ValueError):
    def __init__(self, dimension: str) -> None:
        self.dimension = dimension
        super().__init__(f'Unknown dimension "{dimension}". Use one of: {", ".join(DIMENSIONS)}.')


class UnknownNameError(LookupError):
    """No cost was ever recorded under this name; `suggestions` holds the closest names."""

    def __init__(self, dimension: str, name: str, suggestions: list[str]) -> None:
        self.dimension = dimension
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f'No {dimension} named "{name}" has any cost.{hint}')


class CostService:
    def __init__(
        self,
        store: CostStore,
        *,
        rules: AllocationRules,
        cost_basis: str = "effective",
        default_currency: str = "USD",
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        cache: bool = True,
        cache_bytes: int = DEFAULT_MAX_BYTES,
        freshness: Freshness | None = None,
    ) -> None:
        self._store = store
        self._freshness = freshness or Freshness(store)
        self._rules = rules
        self._basis = cost_basis
        self._default_currency = default_currency
        self.today = today
        self._cache = AnswerCache(store.data_version, max_bytes=cache_bytes) if cache else _NO_CACHE

    def cost(self, dimension: str, name: str, period: Period, *, shared: bool = True) -> CostReport:
        """Total, trend and breakdown of one dimension value over a period; with `shared`
        (default) its allocated cost, saying what of it is shared; else its direct cost."""
        key = ("cost", dimension, name.strip(), period, self.today(), shared)
        return self._cache.get(key, lambda: self._cost(dimension, name, period, shared))

    def top(
        self, dimension: str, period: Period, limit: int = 10, *, shared: bool = True
    ) -> TopReport:
        """The largest values of a dimension over a period; unallocated cost always shown.
        Shared cost is counted under its receivers (`shared=False`: direct cost)."""
        key = ("top", dimension, period, limit, self.today(), shared)
        return self._cache.get(key, lambda: self._top(dimension, period, limit, shared))

    def _cost(self, dimension: str, name: str, period: Period, shared: bool) -> CostReport:
        _check_dimension(dimension)
        value = self._resolve(dimension, name)
        where = CostFilter(dimension, value)
        data_through = self._data_through()
        previous = _compared_span(period, data_through).previous()
        current = self._store.sum_cost(
            period.start,
            period.end,
            self._basis,
            where=where,
            group_by=("day", "service_name"),
            shared=shared,
        )
        # Resources are facts: their cost is always direct.
        resources = self._store.sum_cost(
            period.start,
            period.end,
            self._basis,
            where=where,
            group_by=("resource_id", "resource_name"),
            limit=TOP_RESOURCES,
        )
        before = self._store.sum_cost(
            previous.start, previous.end, self._basis, where=where, shared=shared
        )
        currencies = self._cost_by_currency(current, resources, before, period, data_through)
        if shared:
            currencies = self._with_shared(currencies, dimension, value, period)
        return CostReport(
            dimension=dimension,
            name=value if value is not None else UNALLOCATED,
            period=period,
            previous_period=previous,
            cost_basis=self._basis,
            tag_keys=self._rules.keys_for(dimension),
            currencies=currencies,
            data_through=data_through,
            asked_on=self.today(),
            provisional_days=self._freshness.provisional(period),
            shared=shared,
        )

    def _with_shared(
        self,
        currencies: tuple[CurrencyCost, ...],
        dimension: str,
        value: str | None,
        period: Period,
    ) -> tuple[CurrencyCost, ...]:
        """Each currency's answer with what it received, gave away and kept under the rules."""
        parts = self._store.shared_parts(period.start, period.end, self._basis, dimension, value)
        if not parts:
            return currencies
        gave = sorted({(p.rule, p.currency) for p in parts if p.role is Role.OUT})
        receivers = {}
        if gave:
            receivers = self._store.shared_receivers(
                period.start, period.end, dimension, value, gave
            )
        answers = []
        for currency in currencies:
            given = _given(parts, currency.currency, receivers)
            # A service whose cost was all shared away is not one of its services any more.
            services = tuple(s for s in currency.by_service if s.cost or not given)
            answers.append(
                replace(
                    currency,
                    by_service=services,
                    shared_in=shares_of(parts, currency.currency, Role.IN),
                    shared_out=given,
                    kept=shares_of(parts, currency.currency, Role.KEPT),
                )
            )
        return tuple(answers)

    def _top(self, dimension: str, period: Period, limit: int, shared: bool) -> TopReport:
        _check_dimension(dimension)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        field = dimension_field(dimension)
        # Direct cost per value, then the split added from its parts: one read of the split
        # (the parts are needed anyway), where sum_cost(shared=True) would read it again.
        rows = self._store.sum_cost(
            period.start, period.end, self._basis, group_by=(field,), shared=False
        )
        parts = (
            self._store.shared_parts(period.start, period.end, self._basis, dimension)
            if shared
            else []
        )
        costs: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
        for value, currency, cost in rows:
            costs[(value, currency)] += cost
        for part in parts:
            if part.role is not Role.KEPT:
                costs[(part.value, part.currency)] += part.cost
        # A value whose cost was all shared away is no row of its own: its cost is under its
        # receivers. (Cost kept because nobody could receive it stays where it was, named.)
        gave_all = {p.value for p in parts if p.role is Role.OUT}
        by_currency: dict[str, list[NamedCost]] = defaultdict(list)
        for (value, currency), cost in costs.items():
            if cost == 0 and value in gave_all:
                continue
            by_currency[currency].append(
                NamedCost(value if value is not None else UNALLOCATED, cost)
            )
        rankings = [
            replace(_ranking(currency, named, limit), shared=shares_of(parts, currency, Role.IN))
            for currency, named in by_currency.items()
        ]
        rankings.sort(key=lambda r: (-r.total, r.currency))
        return TopReport(
            dimension=dimension,
            period=period,
            cost_basis=self._basis,
            tag_keys=self._rules.keys_for(dimension),
            currencies=tuple(rankings) or (_empty_ranking(self._default_currency),),
            data_through=self._data_through(),
            asked_on=self.today(),
            provisional_days=self._freshness.provisional(period),
            shared=shared,
        )

    def _data_through(self) -> date | None:
        return self._freshness.data_through(self.today())

    def _resolve(self, dimension: str, name: str) -> str | None:
        if name.strip().lower() == UNALLOCATED:
            return None
        stored = self._store.resolve_name(dimension, name)
        if stored is not None:
            return stored
        known = self._store.known_names(dimension)
        folded = {n.lower(): n for n in known}
        close = difflib.get_close_matches(
            name.strip().lower(), list(folded), n=SUGGESTIONS, cutoff=0.5
        )
        # Also offer names that contain what was typed: "fraud" -> "fraud-detection".
        contains = [f for f in folded if name.strip().lower() in f and f not in close]
        suggestions = [folded[f] for f in [*close, *contains][:SUGGESTIONS]]
        raise UnknownNameError(dimension, name, suggestions)

    def _cost_by_currency(
        self,
        current: list[tuple],
        resources: list[tuple],
        before: list[tuple],
        period: Period,
        data_through: date | None,
    ) -> tuple[CurrencyCost, ...]:
        daily: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        services: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for day, service, currency, cost in current:
            daily[currency][day] += cost
            services[currency][service or "(no service name)"] += cost
        previous = {currency: cost for currency, cost in before}
        currencies = set(daily) | set(previous)
        parts = [
            CurrencyCost(
                currency=currency,
                total=sum(daily[currency].values(), ZERO),
                previous_total=previous.get(currency, ZERO),
                by_service=_largest(services[currency], TOP_SERVICES),
                top_resources=tuple(
                    ResourceCost(rid, rname, cost)
                    for rid, rname, cur, cost in resources
                    if cur == currency
                )[:TOP_RESOURCES],
                daily=_daily_series(daily[currency], period, data_through),
            )
            for currency in currencies
        ]
        parts.sort(key=lambda p: (-p.total, -p.previous_total, p.currency))
        return tuple(parts) or (_empty_cost(self._default_currency, period, data_through),)


def _compared_span(period: Period, data_through: date | None) -> Period:
    """The part of the period that has data, so the change compares like with like.

    Billing data lags: with data through the 8th, "mtd" on the 10th holds 8 days, and comparing
    it with the 10 days before would show a drop that is not there.
    """
    if data_through is None or not period.start <= data_through < period.end:
        return period
    return period.clipped(data_through)


def _check_dimension(dimension: str) -> None:
    if dimension not in DIMENSIONS:
        raise UnknownDimensionError(dimension)


def _largest(costs: dict[str, Decimal], limit: int) -> tuple[NamedCost, ...]:
    ordered = sorted(costs.items(), key=lambda item: (-item[1], item[0]))
    return tuple(NamedCost(name, cost) for name, cost in ordered[:limit])


def _daily_series(
    costs: dict[date, Decimal], period: Period, data_through: date | None
) -> tuple[DailyCost, ...]:
    """Every day of the period up to the last day with data; a quiet day is a zero, not a gap.

    The last day with data is the later of `data_through` (usage) and the last day with any
    cost here (a fee spread past the usage), so the days always add up to the total.
    """
    through = max((day for day in (data_through, max(costs, default=None)) if day), default=None)
    last = min(period.end, through) if through else period.start - timedelta(days=1)
    days = (last - period.start).days + 1
    return tuple(
        DailyCost(day, costs.get(day, ZERO))
        for day in (period.start + timedelta(days=i) for i in range(max(days, 0)))
    )


def _given(
    parts: list[SharedPart], currency: str, receivers: dict[tuple[str, str], int]
) -> tuple[SharedGiven, ...]:
    """What the value gave away in one currency, per rule and method (as positive cost)."""
    summed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for part in parts:
        if part.role is Role.OUT and part.currency == currency:
            summed[(part.rule, part.method)] -= part.cost
    given = [
        SharedGiven(rule, method, cost, receivers.get((rule, currency), 0))
        for (rule, method), cost in summed.items()
        if cost
    ]
    return tuple(sorted(given, key=lambda g: (-g.cost, g.rule)))


def _ranking(currency: str, named: list[NamedCost], limit: int) -> CurrencyRanking:
    named.sort(key=lambda n: (-n.cost, n.name))
    shown = named[:limit]
    unallocated = [n for n in named[limit:] if n.name == UNALLOCATED]
    rest = [n for n in named[limit:] if n.name != UNALLOCATED]
    rows = sorted(shown + unallocated, key=lambda n: (-n.cost, n.name))
    return CurrencyRanking(
        currency=currency,
        rows=tuple(rows),
        other=OtherCost(len(rest), sum((n.cost for n in rest), ZERO)),
        total=sum((n.cost for n in named), ZERO),
    )


def _empty_ranking(currency: str) -> CurrencyRanking:
    return CurrencyRanking(currency, (), OtherCost(0, ZERO), ZERO)


def _empty_cost(currency: str, period: Period, data_through: date | None) -> CurrencyCost:
    return CurrencyCost(currency, ZERO, ZERO, (), (), _daily_series({}, period, data_through))
