"""The ports a scheduled job stands on: claims on (job, slot) and named locks across replicas."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class ClaimStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = frozenset({ClaimStatus.SUCCEEDED, ClaimStatus.FAILED})


@dataclass(frozen=True)
class Claim:
    """The right to run one slot of a job, held by `owner` until `lease_until` unless renewed."""

    job: str
    slot: datetime  # the scheduled fire time (UTC), the same in every replica
    owner: str  # host:pid:uuid of the scheduler holding it
    lease: timedelta  # how long each heartbeat extends the claim
    lease_until: datetime
    attempt: int  # 1 for the first claim of a slot, +1 for each takeover of a dead one


@dataclass(frozen=True)
class JobRun:
    """What the store knows of one slot of a job."""

    job: str
    slot: datetime
    owner: str
    status: ClaimStatus
    claimed_at: datetime
    lease_until: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    attempts: int
    error: str | None

    def is_due(self, now: datetime) -> bool:
        """Still to run: its holder let the lease run out without finishing (it died)."""
        return self.status == ClaimStatus.RUNNING and self.lease_until < now


class JobClaims(Protocol):
    """Claims on (job, slot): each slot of a job runs in exactly one replica."""

    def claim(self, job: str, slot: datetime, owner: str, lease: timedelta) -> Claim | None:
        """Claim a slot, or take over one whose lease ran out unfinished; None if not ours.

        A finished slot (succeeded or failed) is never claimed again.
        """
        ...

    def heartbeat(self, claim: Claim) -> bool:
        """Extend the claim's lease by `claim.lease`; False when it was taken over."""
        ...

    def finish(self, claim: Claim, status: ClaimStatus, error: str | None = None) -> bool:
        """Record how the run ended; False when the claim had been taken over meanwhile."""
        ...

    def latest(self, job: str, status: ClaimStatus | None = None) -> JobRun | None:
        """The job's newest slot (with that status, if given), or None if it never ran."""
        ...


class NamedLocks(Protocol):
    """Locks by name across processes and replicas, released when the block ends."""

    def hold(self, name: str) -> AbstractContextManager[None]: ...
