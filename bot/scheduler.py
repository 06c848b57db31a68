"""The schedule: APScheduler 3 jobs whose every run is claimed first. The only APScheduler import.

APScheduler 3 cannot share one job store between schedulers, so each replica keeps its jobs in
memory. The slot of a run is the scheduled fire time, computed from the schedule alone, so
every replica names it alike; a run first claims `(job, slot)` in the store and only the winner
runs it, renewing its lease while it runs. A catch-up job (at start, then every minute) runs a
job's latest slot when nobody finished it: a replica started late, or after downtime, runs a
missed slot once, and a slot whose holder died is run again once its lease has lapsed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.schedules import Schedule
from bot.services.errors import StoreUnavailableError
from bot.services.job_ports import Claim, ClaimStatus, JobClaims

# `every:` slots count from here, so each replica computes the same ones (and `every: 6h` fires
# at 00:00, 06:00, 12:00 and 18:00 UTC).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_LEASE = timedelta(minutes=2)  # renewed every third of it while a run lasts
CATCH_UP_EVERY = timedelta(minutes=1)
# APScheduler's default of 1 s silently drops a run that starts a little late (a busy pool, a
# paused VM); the claim already keeps a late run from running twice.
MISFIRE_GRACE = timedelta(hours=1)
CATCH_UP_JOB = "costbot:catch-up"
# A cron line on 29 February fires every four years, or eight across 2100.
_CRON_LOOKBACK_SECONDS = 8 * 366 * 86400
_FINISH_TRIES = 4

logger = logging.getLogger("costbot.scheduler")


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `run(slot)` does the work of the slot (ISO 8601 UTC text)."""

    id: str
    schedule: Schedule
    run: Callable[[str], object]


def cron_problem(expression: str) -> str | None:
    """Why a five-field cron line (UTC) cannot be scheduled, or None."""
    try:
        trigger = CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        return f'is not a cron line ({exc}); use five fields, e.g. "15 */6 * * *"'
    if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
        return 'never fires (no such date); use e.g. "15 */6 * * *"'
    return None


def slot_text(slot: datetime) -> str:
    """A slot as its jobs and logs see it: 2026-12-02T06:00:00Z."""
    return slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """The newest scheduled fire time at or before `now` (None if the cron never fired yet)."""
    if schedule.every is not None:
        return EPOCH + (now - EPOCH) // schedule.every * schedule.every
    trigger = _cron(schedule)
    # The first fire at or after t grows with t: find the latest t whose first fire is past.
    now_s = int(now.timestamp())
    low, high = now_s - _CRON_LOOKBACK_SECONDS, now_s
    first = _fire_from(trigger, low)
    if first is None or first > now:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        fire = _fire_from(trigger, middle)
        if fire is not None and fire <= now:
            low = middle
        else:
            high = middle - 1
    return _fire_from(trigger, low)


def next_run(schedule: Schedule, now: datetime) -> datetime:
    """The first scheduled fire time after `now`."""
    if schedule.every is not None:
        slot = latest_slot(schedule, now)
        assert slot is not None  # an interval always has a latest slot
        return slot + schedule.every
    fire = _cron(schedule).get_next_fire_time(None, now + timedelta(microseconds=1))
    if fire is None:
        raise ValueError(f"cron {schedule.cron!r} never fires")
    return fire


def _cron(schedule: Schedule) -> CronTrigger:
    return CronTrigger.from_crontab(str(schedule.cron), timezone=UTC)


def _fire_from(trigger: CronTrigger, timestamp: int) -> datetime | None:
    return trigger.get_next_fire_time(None, datetime.fromtimestamp(timestamp, UTC))


def _trigger(schedule: Schedule) -> BaseTrigger:
    if schedule.every is not None:
        return IntervalTrigger(
            seconds=schedule.every.total_seconds(), start_date=EPOCH, timezone=UTC
        )
    return _cron(schedule)


def _grace_seconds(schedule: Schedule) -> int:
    """A late fire still runs within a period (an hour at least): the catch-up covers the rest."""
    return int(max(schedule.every or MISFIRE_GRACE, MISFIRE_GRACE).total_seconds())


def default_owner() -> str:
    """host:pid:uuid: which process holds a claim, and which run of it."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class CostbotScheduler:
    """The jobs of one replica on an APScheduler BackgroundScheduler."""

    def __init__(
        self,
        specs: Sequence[JobSpec],
        claims: JobClaims,
        clock: Callable[[], datetime],
        *,
        lease: timedelta,
        catch_up_every: timedelta,
        owner: str,
    ) -> None:
        ids = [spec.id for spec in specs]
        if len(set(ids)) != len(ids) or CATCH_UP_JOB in ids:
            raise ValueError(f"job ids must be unique and not {CATCH_UP_JOB!r}: {ids}")
        self.specs = {spec.id: spec for spec in specs}
        self.owner = owner
        self._claims = claims
        self._clock = clock
        self._lease = lease
        self._catch_up_every = catch_up_every
        self._running = {spec.id: threading.Lock() for spec in specs}
        self._apscheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
            },
        )

    def start(self) -> None:
        """Schedule every job and the catch-up, which runs at once; returns immediately."""
        for spec in self.specs.values():
            self._apscheduler.add_job(
                self._fire,
                _trigger(spec.schedule),
                args=(spec.id,),
                id=spec.id,
                name=spec.id,
                misfire_grace_time=_grace_seconds(spec.schedule),
            )
        self._apscheduler.add_job(
            self._catch_up,
            IntervalTrigger(seconds=self._catch_up_every.total_seconds(), timezone=UTC),
            id=CATCH_UP_JOB,
            name=CATCH_UP_JOB,
            next_run_time=datetime.now(UTC),
        )
        # APScheduler logs each execution at INFO; the claimed runs are logged below instead.
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        self._apscheduler.start()
        logger.info("scheduler %s started with %d jobs", self.owner, len(self.specs))

    def shutdown(self, wait: bool = True) -> None:
        """Stop firing; with `wait`, let running jobs finish (and record how they ended).

        APScheduler's own waiting shutdown holds its job-store lock while it joins the running
        jobs, and a catch-up adding a job at that moment would wait for the lock forever: stop
        it without waiting, then wait here for the runs, each of which holds its job's lock.
        """
        self._apscheduler.shutdown(wait=False)
        if wait:
            for running in list(self._running.values()):
                with running:
                    pass
        logger.info("scheduler %s stopped", self.owner)

    def _catch_up(self) -> None:
        """Start each job whose latest slot nobody finished, nor holds a live lease on."""
        now = self._clock()
        for job_id, spec in self.specs.items():
            slot = latest_slot(spec.schedule, now)
            if slot is None or self._running[job_id].locked():
                continue
            try:
                last = self._claims.latest(job_id)
            except StoreUnavailableError as exc:
                logger.warning("catch-up: the store is unreachable, trying again later: %s", exc)
                return
            if last is None or last.slot < slot or (last.slot == slot and last.is_due(now)):
                logger.info("job %s: slot %s has not run; running it now", job_id, slot_text(slot))
                self._apscheduler.add_job(
                    self._fire,
                    DateTrigger(datetime.now(UTC), timezone=UTC),
                    args=(job_id,),
                    id=f"catch-up:{job_id}",
                    name=f"catch-up:{job_id}",
                    replace_existing=True,
                )

    def _fire(self, job_id: str) -> None:
        """Run the job's current slot here if this replica claims it."""
        running = self._running[job_id]
        if not running.acquire(blocking=False):
            return  # this replica runs the job already; that run holds the claim
        try:
            spec = self.specs[job_id]
            slot = latest_slot(spec.schedule, self._clock())
            if slot is None:
                return
            try:
                claim = self._claims.claim(job_id, slot, self.owner, self._lease)
            except StoreUnavailableError as exc:
                logger.warning("job %s: store unreachable, the catch-up retries: %s", job_id, exc)
                return
            if claim is not None:
                self._run_claimed(spec, claim)
        finally:
            running.release()

    def _run_claimed(self, spec: JobSpec, claim: Claim) -> None:
        slot = slot_text(claim.slot)
        logger.info("job %s: running slot %s (attempt %d)", spec.id, slot, claim.attempt)
        done, lost = threading.Event(), threading.Event()
        beats = threading.Thread(
            target=self._renew_lease,
            args=(claim, done, lost),
            name=f"lease {spec.id}",
            daemon=True,
        )
        beats.start()
        started = time.monotonic()
        status, error = ClaimStatus.SUCCEEDED, None
        _running.lost = lost
        try:
            spec.run(slot)
        except Exception as exc:  # recorded as the slot's failure; the schedule goes on
            status, error = ClaimStatus.FAILED, f"{type(exc).__name__}: {exc}"
            logger.error("job %s: slot %s failed: %s", spec.id, slot, error, exc_info=exc)
        finally:
            _running.lost = None
            done.set()
            beats.join()
        self._finish(claim, status, error)
        seconds = time.monotonic() - started
        logger.info("job %s: slot %s %s in %.1f s", spec.id, slot, status, seconds)

    def _renew_lease(self, claim: Claim, done: threading.Event, lost: threading.Event) -> None:
        while not done.wait(claim.lease.total_seconds() / 3):
            try:
                if not self._claims.heartbeat(claim):
                    lost.set()  # the job stops at its next still_held() check
                    logger.warning(
                        "job %s: slot %s was taken over by another replica (its lease ran out)",
                        claim.job,
                        slot_text(claim.slot),
                    )
                    return
            except StoreUnavailableError as exc:
                logger.warning("job %s: could not renew its lease, retrying: %s", claim.job, exc)

    def _finish(self, claim: Claim, status: ClaimStatus, error: str | None) -> None:
        for attempt in range(_FINISH_TRIES):
            try:
                if not self._claims.finish(claim, status, error):
                    slot = slot_text(claim.slot)
                    logger.warning("job %s: slot %s was taken over meanwhile", claim.job, slot)
                return
            except StoreUnavailableError as exc:
                if attempt == _FINISH_TRIES - 1:
                    # The lease lapses and another run of the slot records it.
                    logger.error("job %s: could not record how it ended: %s", claim.job, exc)
                    return
                time.sleep(2**attempt)


_running = threading.local()  # the lease-lost event of the job this thread runs


def still_held() -> bool:
    """False once the job running in this thread has lost its lease to another replica.

    A job that works in steps checks it between steps and stops, so the replica that took the
    slot over is the only one at work. Outside a scheduled job, always True.
    """
    lost = getattr(_running, "lost", None)
    return lost is None or not lost.is_set()


def build_scheduler(
    specs: Sequence[JobSpec],
    claims: JobClaims,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    *,
    lease: timedelta = DEFAULT_LEASE,
    catch_up_every: timedelta = CATCH_UP_EVERY,
    owner: str | None = None,
) -> CostbotScheduler:
    """A replica's scheduler for these jobs; `start()` it, `shutdown()` it."""
    return CostbotScheduler(
        specs,
        claims,
        clock,
        lease=lease,
        catch_up_every=catch_up_every,
        owner=owner or default_owner(),
    )


def run_until_stopped(scheduler: CostbotScheduler) -> None:
    """Start the scheduler and block until Ctrl-C or SIGTERM (as KeyboardInterrupt)."""
    scheduler.start()
    try:
        while True:
            time.sleep(60)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=True)
