"""Untagged cost and data freshness: what to tag first, and how current the numbers are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.domain.money import ZERO
from bot.domain.periods import Period
from bot.domain.reports import CurrencyCoverage, StatusReport, UntaggedReport
from bot.domain.untagged import (
    BilledLine,
    KnownOwners,
    account_owners,
    resources_to_tag,
    untaggable_costs,
    weekly_coverage,
)
from bot.services.freshness import Freshness
from bot.services.ports import CostFilter, CostStore
from bot.services.tag_ports import TagStore

UNTAGGED = (CostFilter("project", None), CostFilter("team", None))
TOP_ROWS = 10
OWNER_DIMENSIONS = ("project", "team")


class CoverageService:
    def __init__(
        self,
        store: CostStore,
        tags: TagStore,
        *,
        cost_basis: str = "effective",
        default_currency: str = "USD",
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        freshness: Freshness | None = None,
    ) -> None:
        self._store = store
        self._tags = tags
        self._freshness = freshness or Freshness(store)
        self._basis = cost_basis
        self._default_currency = default_currency
        self._today = today
        self._clock = clock

    def untagged(self, period: Period, *, limit: int = TOP_ROWS) -> UntaggedReport:
        """Cost with no project and no team: coverage now and by ISO week, the `limit`
        largest resources to tag first with owner hints, and the charges no tag can allocate."""
        span = (period.start, period.end, self._basis)
        totals = _by_currency_day(self._store.sum_cost(*span, group_by=("day",)))
        untagged = _by_currency_day(self._store.sum_cost(*span, where=UNTAGGED, group_by=("day",)))
        lines = self._tags.billed_lines(*span, untagged_only=True)
        known = KnownOwners(
            names={d: tuple(self._store.known_names(d)) for d in OWNER_DIMENSIONS},
            accounts=account_owners(self._tags.allocated_by_account(*span)) if lines else {},
        )
        parts = [
            _coverage(currency, period, days, untagged.get(currency, {}), lines, known, limit)
            for currency, days in totals.items()
        ]
        parts.sort(key=lambda p: (-p.untagged, -p.total, p.currency))
        empty = CurrencyCoverage(self._default_currency, ZERO, ZERO)
        return UntaggedReport(
            period,
            self._basis,
            tuple(parts) or (empty,),
            self._data_through(),
            asked_on=self._today(),
            provisional_days=self._freshness.provisional(period),
        )

    def untagged_totals(self, period: Period) -> UntaggedReport:
        """Only the totals and untagged cost per currency (a digest's line): two sums."""
        span = (period.start, period.end, self._basis)
        untagged = dict(self._store.sum_cost(*span, where=UNTAGGED))
        parts = [
            CurrencyCoverage(currency, total, untagged.get(currency, ZERO))
            for currency, total in self._store.sum_cost(*span)
        ]
        parts.sort(key=lambda p: (-p.untagged, -p.total, p.currency))
        return UntaggedReport(
            period,
            self._basis,
            tuple(parts) or (CurrencyCoverage(self._default_currency, ZERO, ZERO),),
            self._data_through(),
            asked_on=self._today(),
        )

    def status(self) -> StatusReport:
        """Freshness of each billing source: last ingest, days covered, rows rejected."""
        sources = tuple(self._store.source_status())
        return StatusReport(sources, self._data_through(), self._clock())

    def _data_through(self) -> date | None:
        return self._freshness.data_through(self._today())


def _by_currency_day(rows: list[tuple]) -> dict[str, dict[date, Decimal]]:
    sums: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for day, currency, cost in rows:
        sums[currency][day] = cost
    return sums


def _coverage(
    currency: str,
    period: Period,
    totals: dict[date, Decimal],
    untagged: dict[date, Decimal],
    lines: list[BilledLine],
    known: KnownOwners,
    limit: int,
) -> CurrencyCoverage:
    mine = [line for line in lines if line.currency == currency]
    resources, count = resources_to_tag(mine, known, limit)
    return CurrencyCoverage(
        currency=currency,
        total=sum(totals.values(), ZERO),
        untagged=sum(untagged.values(), ZERO),
        weekly=weekly_coverage(period, totals, untagged),
        tag_first=tuple(resources),
        untaggable=tuple(untaggable_costs(mine)),
        untagged_resources=count,
    )
