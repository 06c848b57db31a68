"""The Cost Explorer snapshot source: one window of recent days, read whole every run.

AWS restates recent days (late usage, credits, the Estimated flag clearing), so each run asks
for the last `lookback_days` UTC days up to today and replaces exactly those days. Cost Explorer
cannot say what changed without being asked, so the unit has no fingerprint.

The rows carry no BillingPeriodStart and no BillingAccountId on purpose: rows without a billing
period replace only the days they cover, so a 14-day window never wipes the rest of its month.
The days covered are those Cost Explorer answered for, including a day it answered with no cost
(a restated day whose cost went away): the rows alone would not reach such a day.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePosixPath

import pyarrow as pa

from bot.services.ports import BatchResult
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

    def _input(self, window: Window, label: str) -> WindowInput:
        estimated: set[date] = set()
        answered: set[date] = set()

        def tables() -> Iterator[pa.Table]:
            # The calls happen here, as the ingest streams: one table per page.
            for page in self._client.pages(window, self._config.tag_key):
                rows = page_rows(page, tag_key=self._config.tag_key, window=window)
                estimated.update(rows.estimated_days)
                answered.update(rows.answered_days)
                if rows.table.num_rows:
                    yield rows.table

        tables_file = FocusTablesFile(
            label=label,
            tables=tables,
            rules=self._context.rules,
            provisional_days=lambda: frozenset(estimated),
        )
        return WindowInput(tables_file, answered)


@dataclass
class WindowInput:
    """The window's pages through the FOCUS normaliser, covering every day answered for."""

    tables_file: FocusTablesFile
    answered: set[date]  # filled while the pages are read

    @property
    def path(self) -> PurePosixPath:
        return self.tables_file.path

    def sha256(self) -> str:
        return self.tables_file.sha256()

    def batches(self) -> Iterator[BatchResult]:
        last: BatchResult | None = None
        for batch in self.tables_file.batches():
            if last is not None:
                yield last
            last = batch
        if last is not None:
            # Every page has been read once the last batch is out.
            last.covered = _widened(last.covered, self.answered)
            yield last


def _widened(covered: tuple[date, date] | None, days: set[date]) -> tuple[date, date] | None:
    if not days:
        return covered
    first, last = min(days), max(days)
    if covered is not None:
        first, last = min(first, covered[0]), max(last, covered[1])
    return first, last
