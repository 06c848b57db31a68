"""The Cost Explorer snapshot source: one window of recent days, read whole every run.

AWS restates recent days (late usage, credits, the Estimated flag clearing), so each run asks
for the last `lookback_days` UTC days up to today and replaces exactly those days. Cost Explorer
cannot say what changed without being asked, so the unit has no fingerprint.

The rows carry no BillingPeriodStart and no BillingAccountId on purpose: rows without a billing
period replace only the days they cover, so a 14-day window never wipes the rest of its month.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from bot.services.snapshot_ports import SnapshotUnit, SourceContext
from bot.sources.aws_cost_explorer.client import CostExplorerClient
from bot.sources.aws_cost_explorer.config import CostExplorerConfig
from bot.sources.aws_cost_explorer.conversion import Window, page_rows
from bot.sources.focus.tables import FocusTablesFile

UNIT_KEY = "window"


def utc_today(now: datetime) -> date:
    """Today's UTC date; a naive time is taken as UTC already."""
    return now.astimezone(UTC).date() if now.tzinfo is not None else now.date()


def window_ending(today: date, lookback_days: int) -> Window:
    """The last `lookback_days` days up to and including today (today is still growing)."""
    return Window(first=today - timedelta(days=lookback_days - 1), last=today)


class CostExplorerSource:
    """GetCostAndUsage, DAILY, grouped by one tag key and SERVICE."""

    def __init__(
        self, config: CostExplorerConfig, context: SourceContext, *, attempts: int = 3
    ) -> None:
        self.name = config.name
        self._config = config
        self._context = context
        self._client = CostExplorerClient(config.region, context.calls, attempts=attempts)

    def units(self) -> Sequence[SnapshotUnit]:
        window = window_ending(utc_today(self._context.now()), self._config.lookback_days)
        label = f"GetCostAndUsage {window}"
        return [
            SnapshotUnit(
                key=UNIT_KEY,
                label=label,
                fingerprint=None,
                open=lambda: [self._input(window, label)],
                inputs=1,
            )
        ]

    def _input(self, window: Window, label: str) -> FocusTablesFile:
        estimated: set[date] = set()

        def tables() -> Iterator[pa.Table]:
            # The calls happen here, as the ingest streams: one table per page.
            for page in self._client.pages(window, self._config.tag_key):
                rows = page_rows(page, tag_key=self._config.tag_key, window=window)
                estimated.update(rows.estimated_days)
                if rows.table.num_rows:
                    yield rows.table

        return FocusTablesFile(
            label=label,
            tables=tables,
            rules=self._context.rules,
            provisional_days=lambda: frozenset(estimated),
        )
