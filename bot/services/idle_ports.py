"""The ports idle-machine work goes through: the cloud (controllers), prices, Slack's people,
and the store that keeps every proposal's state.

- `Controller`: one configured fleet (`idle.controllers[]`, registered under `bot/cloud/`):
  its machines, their utilisation, and the stop and start calls.
- `PriceBook`: what a machine costs per hour, and where that number comes from.
- `OwnerDirectory`: an owner tag's value (a Slack id, a configured name, an e-mail) as a user.
- `IdleStore`: proposals, each transition one conditional update with its audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from bot.domain.idle.policy import Utilisation
from bot.domain.idle.proposals import ProposalState
from bot.services.alert_ports import AuditEntry
from bot.services.snapshot_state import OutboxItem

RUNNING = "running"  # the one machine state a stop is proposed for


@dataclass(frozen=True)
class CloudInstance:
    """A machine (or a Kubernetes workload) as its controller sees it now."""

    instance_id: str  # the cloud's id: i-0abc..., or namespace/Deployment/name
    name: str  # its Name tag, or the id when it has none
    type: str  # p4d.24xlarge, or "Deployment" / "StatefulSet"
    state: str  # normalised: running, stopped, pending, stopping, terminated, ...
    tags: Mapping[str, str] = field(default_factory=dict)  # labels for Kubernetes
    gpus: int = 0  # how many GPUs it holds; GPU metrics are required when > 0
    region: str | None = None
    launched_at: datetime | None = None
    # The controller's own notion of the price, when it has one (the simulated fleet does).
    hourly_cost: Decimal | None = None
    currency: str | None = None


class CloudErrorKind(StrEnum):
    THROTTLED = "throttled"  # the cloud said slow down; nothing happened
    ACCESS_DENIED = "access_denied"  # costbot's role may not do this
    NOT_FOUND = "not_found"  # the machine is gone
    INVALID_STATE = "invalid_state"  # e.g. already stopping
    OTHER = "other"


class CloudActionError(Exception):
    """A cloud call that failed, classified so the message can say what to do."""

    def __init__(self, kind: CloudErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class ActionResult:
    """What a stop or start did; `undo` is what the reverse call needs later (a Deployment's
    replica count before scaling to zero), stored with the proposal."""

    state: str  # the machine's state right after the call: stopping, stopped, running, ...
    undo: Mapping[str, Any] = field(default_factory=dict)


class Controller(Protocol):
    """One configured fleet. Every call may raise CloudActionError."""

    name: str  # unique among the configured controllers: aws_ec2, aws_ec2:eu-west-1, ...
    kind: str  # the registered type: aws_ec2, kubernetes, simulated

    def inventory(self) -> list[CloudInstance]:
        """Every machine it can see now, whatever its state (exclusions are the service's)."""
        ...

    def utilisation(
        self, instances: Sequence[CloudInstance], start: datetime, end: datetime
    ) -> dict[str, Utilisation]:
        """Datapoints of [start, end] by instance id, read in as few calls as the API allows;
        an instance with no metrics maps to an empty Utilisation (which is never idle)."""
        ...

    def describe(self, instance_id: str) -> CloudInstance | None:
        """The machine as it is now (for the check before stopping); None when it is gone."""
        ...

    def stop(self, instance: CloudInstance) -> ActionResult: ...

    def start(self, instance: CloudInstance, undo: Mapping[str, Any]) -> ActionResult: ...


@dataclass(frozen=True)
class Price:
    hourly: Decimal
    currency: str
    source: str  # where it comes from, said in the message: "paid lately", "price table", ...


class PriceBook(Protocol):
    def price(self, controller: str, instance: CloudInstance) -> Price | None:
        """What the machine costs per hour; None when nothing knows."""
        ...


@runtime_checkable
class MessageEditor(Protocol):
    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Rewrite a posted channel message in place (chat.update); raises on failure after
        the client's own retries (429s are waited out)."""
        ...


class OwnerDirectory(Protocol):
    def user_for(self, owner: str) -> str | None:
        """The Slack user id an owner tag's value stands for (a user id as it is, a configured
        name, an e-mail through users.lookupByEmail); None when unknown. Cached."""
        ...


@dataclass(frozen=True)
class NewProposal:
    """A proposal to create; its message is posted once if the key is new."""

    id: str  # opaque, random: what the buttons carry
    key: str  # the machine's idle episode: unique, so one episode is proposed once
    controller: str
    instance_id: str
    instance: Mapping[str, Any]  # what the message shows: name, type, project, team, owner ...
    verdict: Mapping[str, Any]  # idle_minutes, cpu_max, gpu_max, since, reason
    hourly_cost: Decimal | None
    currency: str | None
    price_source: str | None
    channel: str | None
    dry_run: bool
    created_at: datetime
    expires_at: datetime
    message: OutboxItem | None
    reproposal_of: str | None = None  # the kept proposal whose lease ended


@dataclass(frozen=True)
class Proposal:
    """A proposal as stored, and where its message was posted."""

    id: str
    key: str
    controller: str
    instance_id: str
    state: ProposalState
    instance: Mapping[str, Any]
    verdict: Mapping[str, Any]
    hourly_cost: Decimal | None
    currency: str | None
    price_source: str | None
    channel: str | None
    dry_run: bool
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    reproposal_of: str | None = None
    decided_by: str | None = None  # who approved or kept it
    decided_at: datetime | None = None
    lease_until: datetime | None = None  # kept until
    keep_reason: str | None = None
    reproposed: bool = False  # its lease ended and the machine was proposed again (once)
    shown_state: ProposalState | None = None  # what its Slack message last showed
    result: str | None = None  # why cancelled or failed, in words; the stop call's outcome
    undo: Mapping[str, Any] = field(default_factory=dict)
    stopped_at: datetime | None = None
    started_by: str | None = None
    started_at: datetime | None = None
    # Where the message went (the outbox's record of the post); None until it is posted.
    message_channel: str | None = None
    message_ts: str | None = None


class IdleStore(Protocol):
    """Proposals and what idle scans leave for the next one.

    `instance`, `verdict`, `undo` and scan rows are kept as JSON: a Decimal comes back as its
    string ("0.031"), a datetime as its ISO 8601 string, a tuple as a list.
    """

    def propose(self, proposals: Sequence[NewProposal], entries: Sequence[AuditEntry]) -> set[str]:
        """In one transaction: insert each proposal whose `key` is new, with its message in the
        outbox and its audit entry (`entries[i]` audits `proposals[i]`); return the ids this
        call inserted. Two scanners at once never both insert a key."""
        ...

    def proposal(self, proposal_id: str) -> Proposal | None: ...

    def proposals(
        self,
        states: Sequence[ProposalState] = (),
        *,
        controller: str | None = None,
        instance_id: str | None = None,
        since: datetime | None = None,
    ) -> list[Proposal]:
        """Proposals in these states (all when empty), of one machine, or created since."""
        ...

    def move(
        self,
        proposal_id: str,
        source: ProposalState,
        target: ProposalState,
        entry: AuditEntry,
        **changes: Any,
    ) -> Proposal | None:
        """One conditional update: `state = target` and the `changes` (Proposal field names)
        WHERE the id is `proposal_id` AND the state is still `source`, with `entry` written to
        the audit log in the same transaction; `updated_at` becomes `entry.at` unless the
        changes set it. Returns the updated proposal when this call moved it; None when it was
        not in `source` (someone else moved it first). A transition the state machine lacks
        raises TransitionError, a change that is no Proposal field (or is id, key, state or
        the message's channel and ts) ValueError: both are bugs, never a user's doing."""
        ...

    def mark_shown(self, proposal_id: str, state: ProposalState) -> None:
        """Record the state the proposal's message now shows (after a successful rewrite)."""
        ...

    def mark_reproposed(self, proposal_id: str) -> bool:
        """Record, once, that a kept proposal's lease ended and it was proposed again; False
        when it already was."""
        ...

    def busy_marks(self) -> dict[str, datetime]:
        """When each machine (`controller/instance_id`) was last seen busy."""
        ...

    def mark_busy(self, machines: Sequence[str], at: datetime) -> None:
        """Record that these machines were seen busy (running and not idle) at `at`."""
        ...

    def stops(self, since: datetime) -> list[Proposal]:
        """The savings ledger: every real (not dry-run) stop that was still stopped at `since`
        or later: stopped_at set, started_at None or after `since`."""
        ...

    def record_scan(self, rows: Sequence[Mapping[str, Any]], at: datetime) -> None:
        """Keep one scan's candidate rows (what `/cost idle` lists); a scan older than the one
        kept is ignored, so two scanners at once leave the newer."""
        ...

    def last_scan(self) -> tuple[datetime, list[dict[str, Any]]] | None:
        """The newest scan kept: when it ran and its rows; None before the first scan."""
        ...


class AuditLog(Protocol):
    def audit_log(
        self, subject: str | None = None, limit: int = 100, *, prefix: str | None = None
    ) -> list[AuditEntry]:
        """The latest audit entries (of one subject, or whose action starts with `prefix`),
        newest first."""
        ...
