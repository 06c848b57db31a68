"""Run the configured sources: read what changed, ingest each unit whole, record health.

A run lists a source's units (cheap), skips every unit whose fingerprint is the one stored
with its last ingest, and ingests the others one unit at a time, each atomically. A failing
source is retried with backoff inside its run and never changes stored data; its failure is
recorded, and the ops channel hears once after `alert_after` failures in a row (and once when
it recovers). One failing source never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from bot.domain.schedules import Schedule
from bot.domain.source_health import HealthEvent, RunOutcome, SourceHealth, after_run
from bot.services.ingest import IngestError, IngestService
from bot.services.job_ports import NamedLocks
from bot.services.snapshot_ports import CallCounter, SnapshotSource, SnapshotUnit, SourceError
from bot.services.snapshot_state import OutboxItem, SnapshotStateStore

logger = logging.getLogger("costbot.snapshots")
T = TypeVar("T")


@dataclass(frozen=True)
class ConfiguredSource:
    """A source from the config, built and ready to run."""

    name: str
    type: str
    schedule: Schedule
    source: SnapshotSource
    calls: CallCounter
    paid_calls: bool = False


@dataclass(frozen=True)
class SourceRunResult:
    """What one run of one source did (the JSON of `costbot snapshot --json`, and more)."""

    name: str
    type: str
    status: str  # "ok", "unchanged" or "failed"
    files: int = 0  # files read, or API calls made by a source that calls an API
    rows_read: int = 0
    days_replaced: int = 0
    seconds: float = 0.0
    error: str | None = None
    units_read: int = 0
    units_unchanged: int = 0
    rows_rejected: int = 0
    api_calls: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "files": self.files,
            "rows_read": self.rows_read,
            "days_replaced": self.days_replaced,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass(frozen=True)
class RetryPolicy:
    """Tries per step, and the waits between them (doubling, capped)."""

    attempts: int = 3
    first_wait: float = 2.0
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def waits(self) -> Iterable[float]:
        wait = self.first_wait
        for _ in range(self.attempts - 1):
            yield wait
            wait = min(wait * 2, self.max_wait)


ONE_TRY = RetryPolicy(attempts=1)
# Failures that may pass by themselves when a source lets them through unwrapped.
_PASSING = (ConnectionError, TimeoutError)


@dataclass
class _Progress:
    """What a run has done so far: kept when a later unit fails (each unit is atomic)."""

    result: SourceRunResult


class RunTakenOver(RuntimeError):
    """A scheduled run lost its lease to another replica; it stopped between units."""


def _check_held(still_held: Callable[[], bool]) -> None:
    if not still_held():
        raise RunTakenOver("another replica took this run over")


class UnknownSourceError(ValueError):
    """A source name that is not in the config; the message lists the configured ones."""


class SnapshotService:
    def __init__(
        self,
        sources: Sequence[ConfiguredSource],
        ingest: IngestService,
        state: SnapshotStateStore,
        locks: NamedLocks,
        *,
        alert_after: int = 3,
        ops_channel: str | None = None,
        describe_event: Callable[[HealthEvent], tuple[str, list[dict[str, Any]]]] | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sources = {source.name: source for source in sources}
        self._ingest = ingest
        self._state = state
        self._alert_after = alert_after
        self._ops_channel = ops_channel
        self._describe = describe_event
        self._retry = retry or RetryPolicy()
        self._locks = locks
        self._clock = clock

    @property
    def sources(self) -> list[ConfiguredSource]:
        return list(self._sources.values())

    def run(self, names: Sequence[str] | None = None) -> list[SourceRunResult]:
        """Run each named source (all by default), one after another; failures are results."""
        chosen = [self._source(name) for name in names] if names else self.sources
        return [self.run_source(source.name) for source in chosen]

    def run_source(
        self,
        name: str,
        *,
        slot: str | None = None,
        still_held: Callable[[], bool] = lambda: True,
    ) -> SourceRunResult:
        """Run one source now (for a scheduled `slot`, when given) and record how it went.

        Runs of one source never overlap, in any process: a scheduled run and a manual
        `costbot snapshot` of it take turns (a named lock in the store).
        """
        configured = self._source(name)
        with self._locks.hold(f"snapshot-source:{name}"):
            return self._run_locked(configured, slot, still_held)

    def _run_locked(
        self, configured: ConfiguredSource, slot: str | None, still_held: Callable[[], bool]
    ) -> SourceRunResult:
        name = configured.name
        started, calls_before = time.perf_counter(), configured.calls.count
        at = self._clock()
        progress = _Progress(SourceRunResult(name, configured.type, "unchanged"))
        try:
            # A pass that fails in a way that may pass is run again whole: the units it
            # already ingested are unchanged by then (their fingerprints are stored).
            # A paid API is not asked again here: its client already retries each call.
            policy = ONE_TRY if configured.paid_calls else self._retry
            self._retrying(
                policy, lambda: self._read_changed_units(configured, progress, still_held)
            )
        except RunTakenOver:
            # The replica that took the slot over runs and records it; this one only stops.
            logger.warning("source %s: slot %s was taken over; stopped", name, slot)
            raise
        except Exception as exc:  # recorded as the source's failure: the others still run
            if not isinstance(exc, (SourceError, IngestError, *_PASSING)):
                logger.exception("source %s failed unexpectedly", name)
            progress.result = replace(progress.result, status="failed", error=_error_text(exc))
        result = progress.result
        calls = configured.calls.count - calls_before
        if configured.paid_calls:
            result = replace(result, files=calls)
        result = replace(result, seconds=time.perf_counter() - started, api_calls=calls)
        self._record(configured, result, at)
        log = logger.warning if result.status == "failed" else logger.info
        log(
            "source %s: %s%s",
            name,
            result.status,
            f" ({result.error})" if result.error else "",
            extra={"source": name, "slot": slot, "status": result.status},
        )
        return result

    def _source(self, name: str) -> ConfiguredSource:
        if name not in self._sources:
            known = ", ".join(self._sources) or "none: add sources: to the config file"
            raise UnknownSourceError(f"no source named {name!r}; configured sources: {known}")
        return self._sources[name]

    def _read_changed_units(
        self, configured: ConfiguredSource, progress: _Progress, still_held: Callable[[], bool]
    ) -> None:
        _check_held(still_held)
        units = configured.source.units()
        stored = self._state.fingerprints(configured.name)
        changed = [u for u in units if u.fingerprint is None or stored.get(u.key) != u.fingerprint]
        progress.result = replace(
            progress.result,
            status="ok" if changed or progress.result.units_read else "unchanged",
            units_unchanged=len(units) - len(changed),
        )
        for unit in changed:
            _check_held(still_held)
            progress.result = self._ingest_unit(configured, unit, progress.result)

    def _ingest_unit(
        self, configured: ConfiguredSource, unit: SnapshotUnit, so_far: SourceRunResult
    ) -> SourceRunResult:
        files = unit.open()
        record = self._ingest.ingest_files(
            files,
            source=configured.name,
            skip_bad_rows=True,
            units={unit.key: unit.fingerprint},
        ).record
        totals = dict(so_far.totals)
        for currency, amount in record.totals.items():
            totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
        return replace(
            so_far,
            status="ok",
            files=so_far.files + len(files),
            rows_read=so_far.rows_read + record.rows_read,
            rows_rejected=so_far.rows_rejected + record.rows_rejected,
            days_replaced=so_far.days_replaced + record.days_covered,
            units_read=so_far.units_read + 1,
            totals=totals,
        )

    def _retrying(self, policy: RetryPolicy, step: Callable[[], T]) -> T:
        """Run `step`, again after a wait while it fails in a way that may pass."""
        for wait in policy.waits():
            try:
                return step()
            except (SourceError, *_PASSING) as exc:
                if isinstance(exc, SourceError) and not exc.retryable:
                    raise
                logger.info("retrying in %.1f s: %s", wait, _error_text(exc))
                policy.sleep(wait)
        return step()

    def _record(self, configured: ConfiguredSource, result: SourceRunResult, at: datetime) -> None:
        outcome = RunOutcome(
            at=at,
            ok=result.status != "failed",
            error=result.error,
            rows_rejected=result.rows_rejected if result.units_read else None,
            calls=result.api_calls,
        )

        def change(health: SourceHealth) -> tuple[SourceHealth, list[OutboxItem]]:
            after, event = after_run(health, outcome, alert_after=self._alert_after)
            told = self._tell(event)
            if event is not None and event.kind == "failing" and not told:
                # Nobody was told: an ops_channel configured later still hears of this streak.
                after = replace(after, alerted_since=None)
            return after, told

        self._state.change_health(configured.name, configured.type, change)

    def _tell(self, event: HealthEvent | None) -> list[OutboxItem]:
        if event is None:
            return []
        if not self._ops_channel or self._describe is None:
            logger.warning(
                "source %s is %s; no ops_channel is configured", event.source, event.kind
            )
            return []
        text, blocks = self._describe(event)
        return [OutboxItem(event.key, self._ops_channel, text, blocks)]


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, SourceError | IngestError) else f"{type(exc).__name__}: {text}"
