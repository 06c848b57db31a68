"""Job claims, named locks and the unit of work on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.services.job_ports import ClaimStatus
from storage.db import make_session_factory
from storage.locks import SqlJobClaims, SqlNamedLocks, named_lock
from storage.models import JobClaim, SlackDelivery
from storage.uow import SqlUnitOfWork

SLOT = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sessions(store):
    return make_session_factory(store.services.engine)


@pytest.fixture
def clock() -> Clock:
    return Clock(SLOT + timedelta(seconds=1))


@pytest.fixture
def claims(sessions, clock) -> SqlJobClaims:
    return SqlJobClaims(sessions, clock)


def test_one_claimer_wins_a_slot_and_the_next_slot_is_free(claims):
    first = claims.claim("snapshot:aws", SLOT, "a:1:x", LEASE)
    second = claims.claim("snapshot:aws", SLOT, "b:2:y", LEASE)
    other_job = claims.claim("snapshot:gcp", SLOT, "b:2:y", LEASE)
    next_slot = claims.claim("snapshot:aws", SLOT + timedelta(hours=6), "b:2:y", LEASE)

    assert first is not None and (first.owner, first.attempt) == ("a:1:x", 1)
    assert first.lease_until == SLOT + timedelta(seconds=61)
    assert second is None
    assert other_job is not None and next_slot is not None


def test_a_lapsed_lease_is_taken_over_and_the_dead_holder_can_no_longer_write(claims, clock):
    dead = claims.claim("job", SLOT, "a:1:x", LEASE)
    clock.now += timedelta(seconds=59)
    assert claims.claim("job", SLOT, "b:2:y", LEASE) is None  # the lease still runs

    clock.now += timedelta(seconds=2)
    taker = claims.claim("job", SLOT, "b:2:y", LEASE)

    assert taker is not None and taker.attempt == 2
    assert claims.heartbeat(dead) is False
    assert claims.finish(dead, ClaimStatus.SUCCEEDED) is False
    assert claims.finish(taker, ClaimStatus.SUCCEEDED) is True
    run = claims.latest("job")
    assert (run.owner, run.status, run.attempts) == ("b:2:y", ClaimStatus.SUCCEEDED, 2)
    assert run.finished_at == clock.now


def test_a_heartbeat_extends_the_lease(claims, clock):
    held = claims.claim("job", SLOT, "a:1:x", LEASE)
    clock.now += timedelta(seconds=50)
    assert claims.heartbeat(held) is True

    clock.now += timedelta(seconds=40)  # 90 s after the claim, 40 s after the beat
    assert claims.claim("job", SLOT, "b:2:y", LEASE) is None
    assert claims.latest("job").heartbeat_at == SLOT + timedelta(seconds=51)

    clock.now += timedelta(seconds=21)
    assert claims.claim("job", SLOT, "b:2:y", LEASE) is not None


@pytest.mark.parametrize("status", [ClaimStatus.SUCCEEDED, ClaimStatus.FAILED])
def test_a_finished_slot_is_never_run_again(claims, clock, status):
    held = claims.claim("job", SLOT, "a:1:x", LEASE)
    assert claims.finish(held, status, "boom" if status == ClaimStatus.FAILED else None)

    clock.now += timedelta(days=2)
    assert claims.claim("job", SLOT, "b:2:y", LEASE) is None
    assert claims.latest("job").status == status


def test_a_failure_keeps_its_error_cut_to_the_column(claims):
    held = claims.claim("job", SLOT, "a:1:x", LEASE)
    claims.finish(held, ClaimStatus.FAILED, "x" * 5000)

    assert len(claims.latest("job").error) == 4000
    with pytest.raises(ValueError, match="succeeded or failed"):
        claims.finish(held, ClaimStatus.RUNNING)


def test_latest_is_the_newest_slot_with_that_status(claims):
    assert claims.latest("job") is None
    for hours, status in ((0, ClaimStatus.SUCCEEDED), (6, ClaimStatus.FAILED), (12, None)):
        held = claims.claim("job", SLOT + timedelta(hours=hours), "a:1:x", LEASE)
        if status:
            claims.finish(held, status, "boom")

    assert claims.latest("job").slot == SLOT + timedelta(hours=12)
    assert claims.latest("job").is_due(SLOT + timedelta(hours=13)) is True
    assert claims.latest("job", ClaimStatus.FAILED).error == "boom"
    assert claims.latest("job", ClaimStatus.SUCCEEDED).slot == SLOT
    assert claims.latest("other") is None


def _race(count: int, attempt) -> list[object]:
    """Run `attempt(i)` in `count` threads released at the same instant."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def one(i: int) -> None:
        start.wait()
        results[i] = attempt(i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_threads_racing_for_a_slot_give_it_to_exactly_one(sessions, clock):
    # Each thread its own claims object, as each replica has its own.
    replicas = [SqlJobClaims(sessions, clock) for _ in range(8)]
    for hour in range(5):
        slot = SLOT + timedelta(hours=hour)
        won = _race(8, lambda i, at=slot: replicas[i].claim("job", at, f"h:{i}", LEASE))
        assert sum(claim is not None for claim in won) == 1


def test_threads_racing_to_take_over_a_dead_slot_give_it_to_exactly_one(claims, sessions, clock):
    claims.claim("job", SLOT, "dead:1:x", LEASE)
    clock.now += LEASE * 2

    won = _race(8, lambda i: SqlJobClaims(sessions, clock).claim("job", SLOT, f"h:{i}", LEASE))

    assert [c.attempt for c in won if c is not None] == [2]


def _hold_in_turn(enter) -> list[tuple[str, float]]:
    """Two threads take the same lock; return (event, time) in the order they happened."""
    events: list[tuple[str, float]] = []
    first_in = threading.Event()

    def first() -> None:
        with enter():
            events.append(("first in", time.monotonic()))
            first_in.set()
            time.sleep(0.3)
            events.append(("first out", time.monotonic()))

    def second() -> None:
        first_in.wait()
        with enter():
            events.append(("second in", time.monotonic()))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return events


def test_a_named_lock_admits_one_holder_at_a_time(sessions):
    events = _hold_in_turn(lambda: named_lock(sessions, "budget-alerts"))

    assert [name for name, _ in events] == ["first in", "first out", "second in"]


def test_named_locks_held_over_a_block_admit_one_holder_at_a_time(sessions):
    locks = SqlNamedLocks(sessions)
    events = _hold_in_turn(lambda: locks.hold("digest"))

    assert [name for name, _ in events] == ["first in", "first out", "second in"]
    with locks.hold("digest"), locks.hold("other"):  # other names do not wait
        pass


def _write_both(uow: SqlUnitOfWork, key: str) -> None:
    at = SLOT
    uow.session.add(SlackDelivery(key=key, received_at=at))
    uow.session.add(
        JobClaim(
            job=key,
            slot=at,
            owner="o",
            status="running",
            claimed_at=at,
            lease_until=at,
            heartbeat_at=at,
            attempts=1,
        )
    )


def _counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        deliveries = session.scalar(select(func.count()).select_from(SlackDelivery))
        claims = session.scalar(select(func.count()).select_from(JobClaim))
    return deliveries, claims


def test_a_unit_of_work_commits_writes_to_two_tables_together_or_not_at_all(sessions):
    with SqlUnitOfWork(sessions) as uow:
        _write_both(uow, "left-uncommitted")
    assert _counts(sessions) == (0, 0)

    with pytest.raises(RuntimeError, match="half-way"), SqlUnitOfWork(sessions) as uow:
        _write_both(uow, "failed")
        uow.session.flush()
        raise RuntimeError("half-way")
    assert _counts(sessions) == (0, 0)

    with SqlUnitOfWork(sessions) as uow:
        _write_both(uow, "committed")
        uow.commit()
    assert _counts(sessions) == (1, 1)


def test_a_unit_of_work_is_used_inside_with_only(sessions):
    uow = SqlUnitOfWork(sessions)
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        uow.commit()
    with uow, pytest.raises(RuntimeError, match="already open"):
        uow.__enter__()
