"""The OpenCost snapshot source: one GET of daily allocations per run, as one ingest unit."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

import pyarrow as pa

from bot.services.snapshot_ports import SnapshotUnit, SourceContext, SourceError
from bot.sources.focus.tables import FocusTablesFile
from bot.sources.opencost.client import allocation_url, fetch_json
from bot.sources.opencost.config import OpenCostConfig, request_window
from bot.sources.opencost.response import Allocation, read_steps
from bot.sources.opencost.rows import DimensionMap, allocation_rows, focus_table

log = logging.getLogger(__name__)
UNIT_KEY = "window"
_TICK = timedelta(microseconds=1)


class OpenCostSource:
    """Reads `window` in daily steps. The unit has no fingerprint: only asking tells what
    changed, so each run reads the window again and replaces its days."""

    def __init__(self, config: OpenCostConfig, context: SourceContext) -> None:
        self.name = config.name
        self._config = config
        self._context = context
        try:
            self._dimensions = DimensionMap.build(
                config.dimensions, context.rules, config.aggregate_properties
            )
        except ValueError as exc:
            raise SourceError(f"source {config.name!r}: {exc}") from exc

    def units(self) -> Sequence[SnapshotUnit]:
        window = request_window(self._config.window, self._context.now())
        label = f"OpenCost window {window} by {self._config.aggregate}"
        return [SnapshotUnit(UNIT_KEY, label, None, self._open, inputs=1)]

    def request_params(self, now: datetime) -> dict[str, str]:
        return {
            "window": request_window(self._config.window, now),
            "aggregate": self._config.aggregate,
            "step": "1d",
            "accumulate": "false",
            # Idle capacity is its own allocation (`__idle__`), never spread into projects.
            "includeIdle": "true",
            "shareIdle": "false",
        }

    def _open(self) -> list[FocusTablesFile]:
        read = _WindowRead(
            self._config, self._dimensions, self._context, self.request_params(self._context.now())
        )
        return [
            FocusTablesFile(
                label=f"opencost:{self.name} {read.params['window']}",
                tables=read.tables,
                rules=self._context.rules,
                provisional_days=read.provisional_days,
            )
        ]


class _WindowRead:
    """One read of the window: the call happens when the tables are first read."""

    def __init__(
        self,
        config: OpenCostConfig,
        dimensions: DimensionMap,
        context: SourceContext,
        params: dict[str, str],
    ) -> None:
        self._config = config
        self._dimensions = dimensions
        self._context = context
        self.params = params
        self._incomplete: frozenset[date] = frozenset()

    def tables(self) -> Iterator[pa.Table]:
        config = self._config
        url = allocation_url(config.url, self.params)
        payload = fetch_json(url, timeout=config.timeout_seconds, calls=self._context.calls)
        asked_at = self._context.now()
        steps = read_steps(payload, url)
        allocations = [allocation for step in steps for allocation in step]
        if not allocations:
            log.warning(
                "source %s: OpenCost reported no allocations for window %s (%d step(s)): "
                "no cost stored, nothing replaced",
                config.name,
                self.params["window"],
                len(steps),
            )
            return
        _warn_unaligned(config.name, allocations)
        self._incomplete = _unfinished_days(allocations, asked_at)
        dimensions, currency, cluster = self._dimensions, config.currency, config.cluster
        rows = [
            row
            for allocation in allocations
            for row in allocation_rows(allocation, dimensions, currency, cluster)
        ]
        yield focus_table(rows)

    def provisional_days(self) -> frozenset[date]:
        return self._incomplete


def _unfinished_days(allocations: list[Allocation], asked_at: datetime) -> frozenset[date]:
    """Days whose step had not ended when OpenCost answered (today): more cost will come."""
    days: set[date] = set()
    for allocation in allocations:
        if allocation.end > asked_at:
            day, last = allocation.start.date(), (allocation.end - _TICK).date()
            while day <= last:
                days.add(day)
                day += timedelta(days=1)
    return frozenset(days)


def _warn_unaligned(source: str, allocations: list[Allocation]) -> None:
    unaligned = [a for a in allocations if not (_midnight(a.start) and _midnight(a.end))]
    if unaligned:
        log.warning(
            "source %s: %d allocation(s) do not cover whole UTC days (first: %s %s..%s); each "
            "is spread evenly over the days it touches. Use a window of whole days (7d, or an "
            "RFC 3339 range at midnight) for exact days.",
            source,
            len(unaligned),
            unaligned[0].name,
            unaligned[0].start.isoformat(),
            unaligned[0].end.isoformat(),
        )


def _midnight(moment: datetime) -> bool:
    return moment.hour == moment.minute == moment.second == moment.microsecond == 0
