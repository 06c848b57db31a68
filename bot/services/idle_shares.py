"""A stopped machine's saving credited like its cost: when a shared-cost rule gives the
machine's own project (or team, or whichever dimension the rules split among) to others,
each receiver is credited its part of the saving, in the proportion it received of that
value's cost, and the value keeps the rest (bot.domain.shared.savings).

The proportions are read over the days the machine stayed stopped within the span asked:
the days whose cost the saving stands for. Billing data lags a day or two, so when those
days have no cost of the value yet, the 30 days before them are read instead. Each value,
currency and span is read once per ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.domain.shared.savings import split_saving
from bot.services.idle_ports import Proposal
from bot.services.idle_views import SavingAllocation
from bot.services.shared_ports import SharedSplitReader, ValueSplit

FALLBACK_DAYS = 30
_INSTANT = timedelta(microseconds=1)


class SavingShares:
    """Which dimensions the rules split among, the store's split, and the cost basis."""

    def __init__(
        self, reader: SharedSplitReader, dimensions: Sequence[str], basis: str = "effective"
    ) -> None:
        self._reader = reader
        self._dimensions = tuple(dict.fromkeys(dimensions))
        self._basis = basis

    def ledger(self) -> SavingLedgerShares:
        """What one savings ledger uses: the split of each value and span, read once."""
        return SavingLedgerShares(self._reader, self._dimensions, self._basis)


class SavingLedgerShares:
    def __init__(self, reader: SharedSplitReader, dimensions: tuple[str, ...], basis: str):
        self._reader = reader
        self._dimensions = dimensions
        self._basis = basis
        self._read: dict[tuple[str, str, str, date, date], ValueSplit] = {}

    def allocations(
        self, proposal: Proposal, saved: Decimal, since: datetime, until: datetime
    ) -> tuple[SavingAllocation, ...]:
        """How `saved` (the stop's saving over [since, until)) is credited, per dimension
        whose rules give the machine's own value away; empty when none does."""
        days = _stopped_days(proposal, since, until)
        if days is None or saved <= 0:
            return ()
        currency = proposal.currency or "USD"
        found = []
        for dimension in self._dimensions:
            origin = proposal.instance.get(dimension)
            if not origin:  # no value of its own there: nothing to split
                continue
            allocation = self._allocation(dimension, str(origin), currency, saved, days)
            if allocation is not None:
                found.append(allocation)
        return tuple(found)

    def _allocation(
        self,
        dimension: str,
        origin: str,
        currency: str,
        saved: Decimal,
        days: tuple[date, date],
    ) -> SavingAllocation | None:
        first, last = days
        fallback = False
        split = self._split(dimension, origin, currency, first, last)
        if split.direct <= 0:  # no billing data for those days yet
            fallback = True
            first, last = first - timedelta(days=FALLBACK_DAYS), first - timedelta(days=1)
            split = self._split(dimension, origin, currency, first, last)
        parts = split_saving(saved, origin, split.direct, split.received)
        if not parts:
            return None
        return SavingAllocation(dimension, origin, parts, first, last, fallback)

    def _split(
        self, dimension: str, value: str, currency: str, first: date, last: date
    ) -> ValueSplit:
        key = (dimension, value, currency, first, last)
        if key not in self._read:
            self._read[key] = self._reader.value_split(
                dimension, value, currency, first, last, self._basis
            )
        return self._read[key]


def _stopped_days(proposal: Proposal, since: datetime, until: datetime) -> tuple[date, date] | None:
    """The first and last day (UTC) the machine stayed stopped within [since, until)."""
    if proposal.stopped_at is None:
        return None
    start = max(proposal.stopped_at, since)
    end = min(proposal.started_at or until, until)
    if end <= start:
        return None
    return start.date(), (end - _INSTANT).date()
