"""The truth about every source: configured ones with their health, and hand-loaded ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from bot.domain.schedules import Schedule
from bot.domain.source_health import SourceHealth
from bot.domain.source_status import MANUAL_TYPE, SourcesReport, SourceStatus, lag_days
from bot.services.freshness import Freshness
from bot.services.ports import CostStore
from bot.services.snapshot_state import SnapshotStateStore
from bot.services.snapshots import ConfiguredSource

NextRun = Callable[[Schedule, datetime], datetime | None]


class SourceStatusService:
    def __init__(
        self,
        configured: list[ConfiguredSource],
        state: SnapshotStateStore,
        costs: CostStore,
        next_run: NextRun,
        freshness: Freshness,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        today: Callable[[], date] | None = None,
    ) -> None:
        self._configured = configured
        self._state = state
        self._costs = costs
        self._next_run = next_run
        self._freshness = freshness
        self._clock = clock
        self._today = today or (lambda: self._clock().date())

    def report(self) -> SourcesReport:
        """Every source's status, and how current the answers are (`/cost status`)."""
        statuses = tuple(self.statuses())
        return SourcesReport(statuses, self._freshness.data_through(self._today()), self._clock())

    def statuses(self) -> list[SourceStatus]:
        """Configured sources in config order, then those only loaded by hand, by name."""
        now, today = self._clock(), self._today()
        health = self._state.health()
        through = self._freshness.by_source()
        rows = [self._configured_status(c, health, through, now, today) for c in self._configured]
        names = {c.name for c in self._configured}
        for fresh in self._costs.source_status():
            if fresh.source in names:
                continue
            data_through = through.get(fresh.source)
            rows.append(
                SourceStatus(
                    name=fresh.source,
                    type=MANUAL_TYPE,
                    last_success=fresh.last_ingest_at,
                    last_attempt=fresh.last_ingest_at,
                    last_error=None,
                    consecutive_failures=0,
                    data_through=data_through,
                    lag_days=lag_days(data_through, today),
                    rows_rejected=fresh.rows_rejected,
                    next_run=None,
                    api_calls=0,
                )
            )
        return rows

    def _configured_status(
        self,
        configured: ConfiguredSource,
        health: dict[str, SourceHealth],
        through: dict[str, date | None],
        now: datetime,
        today: date,
    ) -> SourceStatus:
        state = health.get(configured.name) or SourceHealth(configured.name, configured.type)
        data_through = through.get(configured.name)
        month = now.strftime("%Y-%m")
        return SourceStatus(
            name=configured.name,
            type=configured.type,
            last_success=state.last_success,
            last_attempt=state.last_attempt,
            last_error=state.last_error,
            consecutive_failures=state.consecutive_failures,
            data_through=data_through,
            lag_days=lag_days(data_through, today),
            rows_rejected=state.rows_rejected,
            next_run=self._next_run(configured.schedule, now),
            api_calls=state.api_calls if state.calls_month == month else 0,
            schedule=configured.schedule.text,
        )
