"""Per-dimension daily sums of an ingest, gathered in memory while its batches stream past.

Summing a batch's few thousand daily aggregates with Arrow is far cheaper than a GROUP BY per
dimension over the staged rows at publish time. The sums stay small: one row per (billing
period, day, dimension value, service, currency), compacted whenever they grow.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from bot.domain.cost_rows import PARTITION_FIELD
from storage.bulk import sum_by
from storage.models import DIMENSION_COLUMNS, ROLLUP_DIMENSIONS

ROLLUP_AMOUNTS: tuple[str, ...] = ("billed_cost", "effective_cost")
ROLLUP_GROUP: tuple[str, ...] = (
    PARTITION_FIELD,
    "day",
    "dimension",
    "value",
    "service_name",
    "currency",
)
# Past this many rows held, the parts are summed into one table again.
_COMPACT_ROWS = 200_000


class RollupSums:
    """Running sums for cost_rollup_daily."""

    def __init__(self) -> None:
        self._parts: list[pa.Table] = []
        self._rows = 0

    def add(self, aggregates: pa.Table) -> None:
        """Add daily aggregates (columns: day, partition, the key fields and the amounts)."""
        rows = aggregates.num_rows
        for dimension in ROLLUP_DIMENSIONS:
            projected = pa.table(
                {
                    PARTITION_FIELD: aggregates.column(PARTITION_FIELD),
                    "day": aggregates.column("day"),
                    "dimension": pa.array([dimension] * rows, pa.string()),
                    "value": aggregates.column(DIMENSION_COLUMNS[dimension]),
                    "service_name": aggregates.column("service_name"),
                    "currency": aggregates.column("currency"),
                    **{name: aggregates.column(name) for name in ROLLUP_AMOUNTS},
                }
            )
            summed = sum_by(projected, ROLLUP_GROUP, ROLLUP_AMOUNTS)
            self._parts.append(summed)
            self._rows += summed.num_rows
        if self._rows > _COMPACT_ROWS:
            self._compact()

    def table(self) -> pa.Table:
        """Every sum so far: one row per (partition, day, dimension, value, service, currency)."""
        self._compact()
        return self._parts[0] if self._parts else pa.table({})

    def totals(self, amount: str) -> dict[str, Decimal]:
        """Per currency, the sum of `amount` (billed_cost or effective_cost) over every row.

        Every rollup dimension sums the same rows (an unallocated value is a row too), so the
        first one's sums are the whole ingest's.
        """
        sums = self.table()
        if sums.num_rows == 0:
            return {}
        one = sums.filter(pc.equal(sums.column("dimension"), ROLLUP_DIMENSIONS[0]))
        per_currency = sum_by(one.select(["currency", amount]), ["currency"], [amount])
        return dict(
            zip(
                per_currency.column("currency").to_pylist(),
                per_currency.column(amount).to_pylist(),
                strict=True,
            )
        )

    def _compact(self) -> None:
        if len(self._parts) > 1:
            self._parts = [sum_by(pa.concat_tables(self._parts), ROLLUP_GROUP, ROLLUP_AMOUNTS)]
        self._rows = self._parts[0].num_rows if self._parts else 0
