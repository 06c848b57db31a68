"""The snapshot service on a real store: unchanged units skipped, failures retried and recorded,
one ops message per failure streak, posted once through the outbox."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.schedules import Schedule, parse_every
from bot.services.outbox import OutboxDelivery
from bot.services.snapshot_ports import CallCounter, SnapshotUnit, SourceError
from bot.services.snapshots import ConfiguredSource, RetryPolicy, RunTakenOver, SnapshotService
from bot.sources.focus.source import FocusSource
from handlers.blocks.source_health import describe_source_health
from storage.db import make_session_factory
from storage.locks import SqlNamedLocks
from storage.models import IngestRun, OutboxMessage
from storage.repositories.snapshots import SqlOutbox, SqlSnapshotState
from tests.conftest import FOCUS_FIXTURES, StoreUnderTest

NOON = datetime(2026, 12, 2, 12, tzinfo=UTC)


@dataclass
class FolderSource:
    """FOCUS files in a folder, one unit each; `failures` makes the next listings fail."""

    folder: Path
    rules: object
    name: str = "files"
    failures: list[SourceError] = field(default_factory=list)
    listings: int = 0

    def units(self) -> list[SnapshotUnit]:
        self.listings += 1
        if self.failures:
            raise self.failures.pop(0)
        reader = FocusSource(self.rules)
        return [
            SnapshotUnit(
                key=path.name,
                label=path.name,
                fingerprint=f"{path.name}:{path.stat().st_size}",
                open=lambda path=path: reader.open([path]),
                inputs=1,
            )
            for path in sorted(self.folder.glob("*.csv"))
        ]


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "billing"
    folder.mkdir()
    shutil.copy(FOCUS_FIXTURES / "focus_sample_1.0.csv", folder / "a.csv")
    return folder


def _service(store: StoreUnderTest, source: FolderSource, clock: Clock, waits: list[float]):
    configured = ConfiguredSource(
        "files", "focus_export", Schedule(every=parse_every("6h")), source, CallCounter()
    )
    sessions = make_session_factory(store.services.engine)
    service = SnapshotService(
        [configured],
        store.services.ingest,
        SqlSnapshotState(sessions),
        SqlNamedLocks(sessions),
        alert_after=3,
        ops_channel="costbot-ops",
        describe_event=describe_source_health,
        retry=RetryPolicy(attempts=3, first_wait=2, max_wait=30, sleep=waits.append),
        clock=clock,
    )
    return service, SqlOutbox(sessions), sessions


def _runs(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(IngestRun.id)))


def test_an_unchanged_unit_is_not_read_again_and_a_changed_one_is_read_whole(store, folder):
    source = FolderSource(folder, store.services.config.allocation.rules())
    service, _outbox, sessions = _service(store, source, Clock(), [])
    first = service.run_source("files")
    assert (first.status, first.files, first.rows_read) == ("ok", 1, 1000)
    again = service.run_source("files")
    assert (again.status, again.files, again.rows_read, again.units_unchanged) == (
        "unchanged",
        0,
        0,
        1,
    )
    assert _runs(sessions) == 1
    # A second file is a new unit; the first stays unchanged.
    shutil.copy(FOCUS_FIXTURES / "focus_1_3_cost_and_usage_aws.csv", folder / "b.csv")
    third = service.run_source("files")
    assert (third.status, third.units_read, third.units_unchanged) == ("ok", 1, 1)
    assert _runs(sessions) == 2


def test_a_passing_failure_is_retried_with_growing_waits(store, folder):
    source = FolderSource(folder, store.services.config.allocation.rules())
    source.failures = [SourceError("throttled", retryable=True)] * 2
    waits: list[float] = []
    service, _outbox, _sessions = _service(store, source, Clock(), waits)
    result = service.run_source("files")
    assert result.status == "ok" and waits == [2, 4] and source.listings == 3


def test_a_lasting_failure_changes_nothing_and_is_told_once_then_recovery_once(store, folder):
    source = FolderSource(folder, store.services.config.allocation.rules())
    clock = Clock()
    service, _outbox, sessions = _service(store, source, clock, [])
    assert service.run_source("files").status == "ok"
    before = store.services.cost_store.data_version()
    for attempt in range(5):
        clock.now += timedelta(hours=6)
        source.failures = [SourceError("AccessDenied: grant s3:GetObject", retryable=False)]
        result = service.run_source("files")
        assert result.status == "failed" and "s3:GetObject" in result.error
        assert source.failures == [], f"run {attempt}: a lasting failure is not retried"
    assert store.services.cost_store.data_version() == before
    health = SqlSnapshotState(sessions).health()["files"]
    assert health.consecutive_failures == 5 and "AccessDenied" in health.last_error
    assert _outbox_texts(sessions) == [("costbot-ops", "failed 3 runs in a row")]
    clock.now += timedelta(hours=6)
    assert service.run_source("files").status == "unchanged"
    assert [t for _c, t in _outbox_texts(sessions)][1:] == ["is back"]
    assert SqlSnapshotState(sessions).health()["files"].consecutive_failures == 0


def _outbox_texts(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    markers = ("failed 3 runs in a row", "is back")
    return [(r.channel, next(m for m in markers if m in r.text)) for r in rows]


class RecordingNotifier:
    def __init__(self, fail_first: int = 0) -> None:
        self.posted: list[tuple[str, str]] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def post(self, channel, text, blocks, file=None) -> None:
        with self.lock:
            if self.fail_first:
                self.fail_first -= 1
                raise ConnectionError("slack.com unreachable")
            self.posted.append((channel, text))


def test_outbox_messages_are_posted_once_by_racing_deliverers_and_kept_on_failure(store, folder):
    source = FolderSource(folder, store.services.config.allocation.rules())
    clock = Clock()
    service, outbox, _sessions = _service(store, source, clock, [])
    for _ in range(3):
        source.failures = [SourceError("boom", retryable=False)]
        service.run_source("files")
    flaky = RecordingNotifier(fail_first=1)
    assert OutboxDelivery(outbox, flaky, clock=clock).deliver_pending() == 0
    assert flaky.posted == []  # failed, kept for later
    notifier = RecordingNotifier()
    assert OutboxDelivery(outbox, notifier, clock=clock).deliver_pending() == 0  # waits first
    clock.now += timedelta(minutes=1)
    deliverers = [OutboxDelivery(outbox, notifier, clock=clock) for _ in range(4)]
    threads = [threading.Thread(target=d.deliver_pending) for d in deliverers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [channel for channel, _text in notifier.posted] == ["costbot-ops"]
    assert OutboxDelivery(outbox, notifier, clock=clock).deliver_pending() == 0


class BrokenUnitSource(FolderSource):
    """Opening the unit named `broken` raises a programming error, not a source error."""

    def units(self) -> list[SnapshotUnit]:
        units = super().units()
        return [replace(u, open=_raise) if u.key.startswith("broken") else u for u in units]


def _raise():
    raise RuntimeError("a bug, not bad data")


def test_an_unexpected_error_is_recorded_and_what_was_ingested_before_it_is_said(store, folder):
    shutil.copy(FOCUS_FIXTURES / "focus_1_3_cost_and_usage_aws.csv", folder / "broken.csv")
    source = BrokenUnitSource(folder, store.services.config.allocation.rules())
    service, _outbox, sessions = _service(store, source, Clock(), [])
    result = service.run_source("files")
    assert result.status == "failed" and "RuntimeError: a bug, not bad data" in result.error
    assert (result.files, result.units_read, result.rows_read) == (1, 1, 1000)
    health = SqlSnapshotState(sessions).health()["files"]
    assert health.consecutive_failures == 1 and "RuntimeError" in health.last_error


@dataclass
class SlowSource(FolderSource):
    def __post_init__(self) -> None:
        self.running = 0
        self.most = 0
        self.guard = threading.Lock()

    def units(self) -> list[SnapshotUnit]:
        with self.guard:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.3)
        with self.guard:
            self.running -= 1
        return super().units()


def test_runs_of_one_source_never_overlap(store, folder):
    source = SlowSource(folder, store.services.config.allocation.rules())
    service, _outbox, sessions = _service(store, source, Clock(), [])
    threads = [threading.Thread(target=service.run_source, args=("files",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert source.most == 1 and source.listings == 3
    assert _runs(sessions) == 1  # the first read it; the others found it unchanged


def test_a_run_whose_slot_was_taken_over_stops_between_units_and_records_nothing(store, folder):
    shutil.copy(FOCUS_FIXTURES / "focus_1_3_cost_and_usage_aws.csv", folder / "b.csv")
    source = FolderSource(folder, store.services.config.allocation.rules())
    service, _outbox, sessions = _service(store, source, Clock(), [])
    checks = iter([True, True, False])  # held while listing and for the first unit only
    with pytest.raises(RunTakenOver):
        service.run_source("files", slot="2026-12-02T12:00:00Z", still_held=lambda: next(checks))
    assert _runs(sessions) == 1  # the first unit, whole; the second left to the new holder
    assert "files" not in SqlSnapshotState(sessions).health()  # the new holder records the run
