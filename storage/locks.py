"""Named locks and job claims: what lets several replicas share one schedule.

A claim is a row keyed by (job, slot): inserting it is the claim, so exactly one replica wins
a slot. The winner holds a lease it renews while it runs; a row still `running` after its lease
ran out belongs to a replica that died, and one conditional UPDATE hands it to the next claimer.
Each call is its own short transaction: nothing holds a lock or a connection across a run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.services.errors import StoreUnavailableError
from bot.services.job_ports import Claim, ClaimStatus, JobRun
from storage.bulk import dialect_insert, short_sqlite_wait
from storage.db import is_sqlite_busy, unit_of_work
from storage.models import JobClaim
from storage.uow import SqlUnitOfWork

ERROR_CHARS = 4000  # the width of job_claims.error
# A heartbeat must not sit behind an ingest holding SQLite's write lock for its whole run:
# it gives up after this and beats again later (SQLite is one process; nobody takes over).
SQLITE_HEARTBEAT_WAIT_MS = 1000


@contextmanager
def named_lock(sessions: sessionmaker[Session], name: str) -> Iterator[SqlUnitOfWork]:
    """A unit of work holding the named lock; do the guarded writes in it, then commit.

    The lock goes when the unit ends, committed or not (see `SqlUnitOfWork.lock`).
    """
    with SqlUnitOfWork(sessions) as uow:
        uow.lock(name)
        yield uow


class SqlNamedLocks:
    """The NamedLocks port: a lock held for a block whose work has its own transactions.

    PostgreSQL: a transaction kept open for the block holds the advisory lock. SQLite is one
    process, and holding its write lock would stall the block's own writes: a thread lock does.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._local: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        if self._sessions.kw["bind"].dialect.name == "postgresql":
            with named_lock(self._sessions, name):
                yield
            return
        with self._guard:
            lock = self._local.setdefault(name, threading.Lock())
        with lock:
            yield


class SqlJobClaims:
    """The JobClaims port on SQLite or PostgreSQL."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def claim(self, job: str, slot: datetime, owner: str, lease: timedelta) -> Claim | None:
        now = self._clock()
        until = now + lease
        with _busy_is_unavailable(), SqlUnitOfWork(self._sessions) as uow:
            insert = dialect_insert(uow.session.connection(), JobClaim).values(
                job=job,
                slot=slot,
                owner=owner,
                status=ClaimStatus.RUNNING,
                claimed_at=now,
                lease_until=until,
                heartbeat_at=now,
                attempts=1,
            )
            # RETURNING names the row only when this statement inserted it.
            inserted = insert.on_conflict_do_nothing(index_elements=["job", "slot"]).returning(
                JobClaim.attempts
            )
            attempt = uow.session.execute(inserted).scalar()
            if attempt is None:
                attempt = uow.session.execute(_take_over(job, slot, owner, now, until)).scalar()
            uow.commit()
        if attempt is None:
            return None
        return Claim(job, slot, owner, lease, until, attempt)

    def heartbeat(self, claim: Claim) -> bool:
        now = self._clock()
        beat = _held(claim).values(heartbeat_at=now, lease_until=now + claim.lease)
        # One statement, in a deferred transaction: its wait for SQLite's lock is the short one.
        with (
            _busy_is_unavailable(),
            unit_of_work(self._sessions) as session,
            short_sqlite_wait(session.connection(), SQLITE_HEARTBEAT_WAIT_MS),
        ):
            return session.execute(beat).rowcount == 1

    def finish(self, claim: Claim, status: ClaimStatus, error: str | None = None) -> bool:
        if status == ClaimStatus.RUNNING:
            raise ValueError("a claim finishes as succeeded or failed")
        error = error[:ERROR_CHARS] if error else None
        with _busy_is_unavailable(), SqlUnitOfWork(self._sessions) as uow:
            done = _held(claim).values(status=status, finished_at=self._clock(), error=error)
            finished = uow.session.execute(done).rowcount == 1
            uow.commit()
        return finished

    def latest(self, job: str, status: ClaimStatus | None = None) -> JobRun | None:
        query = select(JobClaim).where(JobClaim.job == job)
        if status is not None:
            query = query.where(JobClaim.status == status)
        with self._sessions() as session:
            row = session.scalars(query.order_by(JobClaim.slot.desc()).limit(1)).first()
        return _job_run(row) if row is not None else None


def _take_over(job: str, slot: datetime, owner: str, now: datetime, until: datetime):
    """Hand a dead replica's slot to this one: still running, its lease run out."""
    return (
        update(JobClaim)
        .where(
            JobClaim.job == job,
            JobClaim.slot == slot,
            JobClaim.status == ClaimStatus.RUNNING,
            JobClaim.lease_until < now,
        )
        .values(
            owner=owner,
            claimed_at=now,
            lease_until=until,
            heartbeat_at=now,
            attempts=JobClaim.attempts + 1,
        )
        .returning(JobClaim.attempts)
    )


def _held(claim: Claim):
    """An UPDATE that touches the claim only while this holder still has it."""
    return update(JobClaim).where(
        JobClaim.job == claim.job,
        JobClaim.slot == claim.slot,
        JobClaim.owner == claim.owner,
        JobClaim.attempts == claim.attempt,
        JobClaim.status == ClaimStatus.RUNNING,
    )


def _job_run(row: JobClaim) -> JobRun:
    return JobRun(
        job=row.job,
        slot=row.slot,
        owner=row.owner,
        status=ClaimStatus(row.status),
        claimed_at=row.claimed_at,
        lease_until=row.lease_until,
        heartbeat_at=row.heartbeat_at,
        finished_at=row.finished_at,
        attempts=row.attempts,
        error=row.error,
    )


@contextmanager
def _busy_is_unavailable() -> Iterator[None]:
    """SQLite busy past its wait: for the scheduler, a store it cannot reach right now."""
    try:
        yield
    except OperationalError as error:
        if is_sqlite_busy(error):
            raise StoreUnavailableError("the store is busy (another writer)") from None
        raise
