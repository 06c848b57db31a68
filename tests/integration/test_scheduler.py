"""The real APScheduler on a real store: missed slots, coalescing, failures, held leases."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.schedules import Schedule
from bot.scheduler import JobSpec, build_scheduler, latest_slot, slot_text
from bot.services.job_ports import ClaimStatus
from storage.db import make_session_factory
from storage.locks import SqlJobClaims

HOURLY = Schedule(every=timedelta(hours=1))
EVERY_SECOND = Schedule(every=timedelta(seconds=1))  # shorter than config allows, for speed
FAST = {"lease": timedelta(seconds=1), "catch_up_every": timedelta(seconds=0.2)}


class Runs:
    """What a job did: each run's slot, and how many ran at once."""

    def __init__(self, work: Callable[[str], None] = lambda slot: None) -> None:
        self.slots: list[str] = []
        self.most_at_once = 0
        self._now_running = 0
        self._work = work
        self._lock = threading.Lock()

    def __call__(self, slot: str) -> None:
        with self._lock:
            self.slots.append(slot)
            self._now_running += 1
            self.most_at_once = max(self.most_at_once, self._now_running)
        try:
            self._work(slot)
        finally:
            with self._lock:
                self._now_running -= 1

    def wait_for(self, count: int, seconds: float = 10) -> None:
        _wait_until(lambda: len(self.slots) >= count, seconds)


def _wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


@pytest.fixture
def claims(store) -> SqlJobClaims:
    return SqlJobClaims(make_session_factory(store.services.engine))


@pytest.fixture
def started():
    """Start schedulers; every one is shut down (waiting for its runs) after the test."""
    running = []

    def start(*specs: JobSpec, claims: SqlJobClaims, **options):
        scheduler = build_scheduler(list(specs), claims, **{**FAST, **options})
        scheduler.start()
        running.append(scheduler)
        return scheduler

    yield start
    for scheduler in running:
        scheduler.shutdown(wait=True)


def test_slots_missed_while_down_run_once_at_start_and_only_the_latest(claims, started):
    now = datetime.now(UTC)
    slot = latest_slot(HOURLY, now)
    # It last ran three hours ago; the process was down for the slots since.
    old = claims.claim("hourly", slot - timedelta(hours=3), "gone:1:x", timedelta(minutes=1))
    claims.finish(old, ClaimStatus.SUCCEEDED)
    runs = Runs()

    started(JobSpec("hourly", HOURLY, runs), claims=claims)
    runs.wait_for(1)
    time.sleep(0.4)  # two more catch-ups: none runs it again
    started(JobSpec("hourly", HOURLY, runs), claims=claims)  # another replica, started late
    time.sleep(0.4)

    assert runs.slots == [slot_text(slot)]
    latest = claims.latest("hourly")
    assert (latest.slot, latest.status, latest.attempts) == (slot, ClaimStatus.SUCCEEDED, 1)


@pytest.mark.parametrize(
    "store", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_fires_missed_during_a_long_run_coalesce_into_one_run_of_the_latest_slot(claims, started):
    first = threading.Event()

    def slow_first(_slot: str) -> None:
        if not first.is_set():
            first.set()
            time.sleep(2.5)  # fires for the next two or three slots come and go meanwhile

    runs = Runs(slow_first)
    started(JobSpec("busy", EVERY_SECOND, runs), claims=claims)
    runs.wait_for(3, seconds=10)

    slots = [datetime.fromisoformat(s) for s in runs.slots]
    assert runs.most_at_once == 1
    assert len(set(slots)) == len(slots)
    assert slots[1] - slots[0] >= timedelta(seconds=2)  # skipped slots were not queued up
    assert slots == sorted(slots)


def test_a_job_that_raises_is_recorded_failed_and_the_next_slot_still_runs(claims, started, caplog):
    def fail_first(_slot: str) -> None:
        if len(runs.slots) == 1:
            raise RuntimeError("billing API said no")

    runs = Runs(fail_first)
    with caplog.at_level(logging.ERROR, logger="costbot.scheduler"):
        started(JobSpec("flaky", EVERY_SECOND, runs), claims=claims)
        runs.wait_for(3)
        _wait_until(lambda: claims.latest("flaky", ClaimStatus.SUCCEEDED) is not None)

    failed = claims.latest("flaky", ClaimStatus.FAILED)
    assert slot_text(failed.slot) == runs.slots[0]
    assert failed.error == "RuntimeError: billing API said no"
    assert slot_text(claims.latest("flaky", ClaimStatus.SUCCEEDED).slot) in runs.slots[1:]
    assert f"job flaky: slot {runs.slots[0]} failed: RuntimeError: billing API said no" in (
        caplog.text
    )


@pytest.mark.parametrize(
    "store", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_run_longer_than_its_lease_keeps_it_by_heartbeat(claims, started):
    runs = Runs(lambda _slot: time.sleep(3))  # two leases
    lease = timedelta(seconds=1.5)

    started(JobSpec("long", HOURLY, runs), claims=claims, lease=lease)
    runs.wait_for(1)
    started(JobSpec("long", HOURLY, runs), claims=claims, lease=lease)
    _wait_until(lambda: claims.latest("long").status != ClaimStatus.RUNNING)

    assert len(runs.slots) == 1
    latest = claims.latest("long")
    assert (latest.status, latest.attempts) == (ClaimStatus.SUCCEEDED, 1)
    assert latest.heartbeat_at > latest.claimed_at + lease
