r"""A stop proposal's life, as a state machine: which transitions exist, and nothing else.

    proposed -> approved -> stopping -> stopped -> starting -> started
                         \-> cancelled  \-> failed  |   \-> stopped (the start failed: try again)
                                                     \-> started (seen running: started elsewhere)
    proposed -> kept (a lease with a reason; once it ends, the machine may be proposed again)
    proposed -> expired (nobody decided within `idle.proposal_ttl`)

The store makes every transition one conditional update (`... WHERE state = <from>`), so of
two clicks, two replicas or a retried delivery exactly one moves the proposal; the cloud is
called only by whoever moved it into `stopping` (or `starting`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class ProposalState(StrEnum):
    PROPOSED = "proposed"  # the message asks; nobody has decided
    APPROVED = "approved"  # someone allowed approved; the machine is being checked again
    STOPPING = "stopping"  # the stop call was (or is being) made: at most once
    STOPPED = "stopped"
    FAILED = "failed"  # the stop call failed; nothing else is tried
    CANCELLED = "cancelled"  # approved, but the check before stopping said no
    KEPT = "kept"  # someone allowed chose to keep it running for a while
    EXPIRED = "expired"  # nobody decided in time; the buttons are gone
    STARTING = "starting"  # "Start again": the start call was (or is being) made
    STARTED = "started"


TRANSITIONS: dict[ProposalState, frozenset[ProposalState]] = {
    ProposalState.PROPOSED: frozenset(
        {ProposalState.APPROVED, ProposalState.KEPT, ProposalState.EXPIRED}
    ),
    # Failed: the check before stopping could not read the machine (gone, access denied).
    ProposalState.APPROVED: frozenset(
        {ProposalState.STOPPING, ProposalState.CANCELLED, ProposalState.FAILED}
    ),
    ProposalState.STOPPING: frozenset({ProposalState.STOPPED, ProposalState.FAILED}),
    # Started by costbot's button, or seen running again (someone started it elsewhere).
    ProposalState.STOPPED: frozenset({ProposalState.STARTING, ProposalState.STARTED}),
    ProposalState.STARTING: frozenset({ProposalState.STARTED, ProposalState.STOPPED}),
    # A stop settled as failed (its process seemed lost) whose call then succeeded after all.
    ProposalState.FAILED: frozenset({ProposalState.STOPPED}),
    ProposalState.CANCELLED: frozenset(),
    ProposalState.KEPT: frozenset(),
    ProposalState.EXPIRED: frozenset(),
    ProposalState.STARTED: frozenset(),
}

# States in which the proposal still speaks for its machine: no new proposal is made for it.
OPEN_STATES = frozenset(
    {
        ProposalState.PROPOSED,
        ProposalState.APPROVED,
        ProposalState.STOPPING,
        ProposalState.STOPPED,
        ProposalState.STARTING,
    }
)

# How long a person may keep a machine running from the Keep running modal.
KEEP_CHOICES: dict[str, timedelta] = {
    "3h": timedelta(hours=3),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}


def may_move(source: ProposalState, target: ProposalState) -> bool:
    return target in TRANSITIONS[source]


class TransitionError(ValueError):
    """A transition the state machine does not have (a bug, never a user's doing)."""


def check_move(source: ProposalState, target: ProposalState) -> None:
    if not may_move(source, target):
        raise TransitionError(f"a proposal cannot go from {source} to {target}")


def saving_per_day(hourly_cost: Decimal) -> Decimal:
    return hourly_cost * 24


def saved_between(
    hourly_cost: Decimal,
    stopped_at: datetime,
    started_at: datetime | None,
    start: datetime,
    end: datetime,
) -> Decimal:
    """The estimated saving of one stop inside [start, end): its hourly cost for every hour it
    stayed stopped in that span (`started_at` None: still stopped). Exact to the cent."""
    since = max(stopped_at, start)
    until = min(started_at or end, end)
    if until <= since:
        return Decimal(0)
    hours = Decimal((until - since).total_seconds()) / Decimal(3600)
    return (hourly_cost * hours).quantize(Decimal("0.01"))
