"""Untagged cost and data freshness: what to tag first, and how current the numbers are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.domain.money import ZERO
from bot.domain.periods import Period
from bot.domain.reports import (
    CurrencyCoverage,
    NamedCost,
    ResourceCost,
    StatusReport,
    UntaggedReport,
)
from bot.services.freshness import Freshness
from bot.services.ports import CostFilter, CostStore

UNTAGGED = (CostFilter("project", None), CostFilter("team", None))
TOP_ROWS = 10


class CoverageService:
    def __init__(
        self,
        store: CostStore,
        *,
        cost_basis: str = "effective",
        default_currency: str = "USD",
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        freshness: Freshness | None = None,
    ) -> None:
        self._store = store
        self._freshness = freshness or Freshness(store)
        self._basis = cost_basis
        self._default_currency = default_currency
        self._today = today
        self._clock = clock

    def untagged(self, period: Period) -> UntaggedReport:
        """Cost with no project and no team, by service and resource, and the tag coverage."""
        span = (period.start, period.end, self._basis)
        totals = {currency: cost for currency, cost in self._store.sum_cost(*span)}
        services = self._store.sum_cost(*span, where=UNTAGGED, group_by=("service_name",))
        resources = self._store.sum_cost(
            *span, where=UNTAGGED, group_by=("resource_id", "resource_name"), limit=TOP_ROWS
        )
        untagged: dict[str, Decimal] = defaultdict(Decimal)
        by_service: dict[str, list[NamedCost]] = defaultdict(list)
        for service, currency, cost in services:
            untagged[currency] += cost
            by_service[currency].append(NamedCost(service or "(no service name)", cost))
        parts = [
            CurrencyCoverage(
                currency=currency,
                total=total,
                untagged=untagged.get(currency, ZERO),
                by_service=tuple(by_service[currency][:TOP_ROWS]),
                top_resources=tuple(
                    ResourceCost(rid, name, cost)
                    for rid, name, cur, cost in resources
                    if cur == currency
                )[:TOP_ROWS],
            )
            for currency, total in totals.items()
        ]
        parts.sort(key=lambda p: (-p.untagged, -p.total, p.currency))
        empty = CurrencyCoverage(self._default_currency, ZERO, ZERO, (), ())
        return UntaggedReport(
            period,
            self._basis,
            tuple(parts) or (empty,),
            self._data_through(),
            asked_on=self._today(),
            provisional_days=self._freshness.provisional(period),
        )

    def status(self) -> StatusReport:
        """Freshness of each billing source: last ingest, days covered, rows rejected."""
        sources = tuple(self._store.source_status())
        return StatusReport(sources, self._data_through(), self._clock())

    def _data_through(self) -> date | None:
        return self._freshness.data_through(self._today())
