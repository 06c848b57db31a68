"""What an ingest replaced: per partition, the days and the amounts removed and added.

The amounts removed are read from cost_rollup_daily just before a partition's old rows are
deleted, in the ingest's own transaction: exactly what the store held, as readers saw it.
Every rollup dimension sums the same facts, so one dimension's sums are the whole store's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, Connection, func, select

from bot.domain.cost_rows import (
    STORED_PLACES,
    account_digest,
    account_suffix,
    billing_period_of,
)
from storage.bulk import sum_by
from storage.models import ROLLUP_DIMENSIONS, CostRollup

_AMOUNTS = ("billed_cost", "effective_cost")
_QUANTUM = Decimal(1).scaleb(-STORED_PLACES)
# (partition, day, currency) -> (billed, effective)
_Sums = dict[tuple[str, date, str], tuple[Decimal, Decimal]]


class ReplacementLedger:
    """Gathers, while an ingest streams, what each partition held and which account it is."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._removed: _Sums = {}
        self._accounts: dict[str, str] = {}  # digest -> billing account id

    def note_accounts(self, aggregates: pa.Table) -> None:
        """Remember the billing account ids behind the partitions' digests."""
        for account in pc.unique(aggregates.column("billing_account_id")).to_pylist():
            if account is not None:
                self._accounts.setdefault(account_digest(account), account)

    def record_removed(
        self,
        connection: Connection,
        partitions: Iterable[str],
        days: Callable[[type[CostRollup]], ColumnElement[bool]] | None = None,
    ) -> None:
        """Read what the store holds for `partitions` (on `days` only, if given)."""
        partitions = sorted(partitions)
        if not partitions:
            return
        conditions = [
            CostRollup.source == self._source,
            CostRollup.partition.in_(partitions),
            CostRollup.dimension == ROLLUP_DIMENSIONS[0],
        ]
        if days is not None:
            conditions.append(days(CostRollup))
        group = (CostRollup.partition, CostRollup.day, CostRollup.currency)
        query = (
            select(*group, *(func.sum(getattr(CostRollup, n)) for n in _AMOUNTS))
            .where(*conditions)
            .group_by(*group)
        )
        for partition, day, currency, billed, effective in connection.execute(query):
            key = (partition, day, currency)
            old = self._removed.get(key, (Decimal(0), Decimal(0)))
            self._removed[key] = (old[0] + billed, old[1] + effective)

    def summary(self, added_rollups: pa.Table, amount: str) -> dict[str, Any]:
        """The `replaced` record of the run: `amount` is billed_cost or effective_cost."""
        added = _added_sums(added_rollups)
        pick = _AMOUNTS.index(amount)
        partitions: dict[str, dict[str, Any]] = {}
        for direction, sums in (("removed", self._removed), ("added", added)):
            for (partition, day, currency), values in sums.items():
                empty: dict[str, Any] = {"days": set(), "removed": {}, "added": {}}
                entry = partitions.setdefault(partition, empty)
                entry["days"].add(day)
                amounts = entry[direction]
                amounts[currency] = amounts.get(currency, Decimal(0)) + values[pick]
        entries = [self._entry(p, e) for p, e in partitions.items()]
        entries.sort(key=lambda e: (e["billing_period"] or "", e["billing_account_id"] or ""))
        removed = _totals(e["removed"] for e in partitions.values())
        added_total = _totals(e["added"] for e in partitions.values())
        currencies = sorted({*removed, *added_total})
        return {
            "partitions": entries,
            "removed": _as_text({c: removed.get(c, Decimal(0)) for c in currencies}),
            "added": _as_text({c: added_total.get(c, Decimal(0)) for c in currencies}),
        }

    def _entry(self, partition: str, entry: dict[str, Any]) -> dict[str, Any]:
        currencies = sorted({*entry["removed"], *entry["added"]})
        return {
            "billing_period": billing_period_of(partition),
            "billing_account_id": self._accounts.get(account_suffix(partition)),
            "days": [[s.isoformat(), e.isoformat()] for s, e in _day_ranges(entry["days"])],
            "removed": _as_text({c: entry["removed"].get(c, Decimal(0)) for c in currencies}),
            "added": _as_text({c: entry["added"].get(c, Decimal(0)) for c in currencies}),
        }


def _added_sums(rollups: pa.Table) -> _Sums:
    if rollups.num_rows == 0:
        return {}
    one = rollups.filter(pc.equal(rollups.column("dimension"), ROLLUP_DIMENSIONS[0]))
    group = ("partition", "day", "currency")
    summed = sum_by(one, group, _AMOUNTS)
    rows = zip(*(summed.column(n).to_pylist() for n in group), strict=True)
    values = zip(*(summed.column(n).to_pylist() for n in _AMOUNTS), strict=True)
    return dict(zip(rows, values, strict=True))


def _totals(parts: Iterable[dict[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for part in parts:
        for currency, value in part.items():
            totals[currency] = totals.get(currency, Decimal(0)) + value
    return totals


def _as_text(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {c: f"{Decimal(v).quantize(_QUANTUM):f}" for c, v in sorted(amounts.items())}


def _day_ranges(days: set[date]) -> list[tuple[date, date]]:
    """Consecutive days joined into inclusive ranges."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges
