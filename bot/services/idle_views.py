"""What the idle service answers with: scan rows, a proposal as its message shows it, the
`/cost idle` overview and the savings ledger. Plain data, read by the CLI and the Slack edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.services.idle_ports import Proposal


@dataclass(frozen=True)
class ScanRow:
    """One machine a scan found idle (proposed or not, and why not); `idle scan --json` rows."""

    controller: str
    instance_id: str
    name: str
    type: str
    project: str | None
    team: str | None
    owner: str | None
    idle_minutes: int
    cpu_max: Decimal | None
    gpu_max: Decimal | None
    hourly_cost: Decimal | None
    currency: str | None
    proposal_id: str | None
    proposal_state: str | None
    note: str = ""  # why it was not proposed now (excluded, in a window, kept until ...)

    def json(self) -> dict[str, object]:
        """The issue's JSON row (and `controller`, `note`)."""
        return {
            "instance_id": self.instance_id,
            "name": self.name,
            "type": self.type,
            "project": self.project,
            "team": self.team,
            "owner": self.owner,
            "idle_minutes": self.idle_minutes,
            "cpu_max": _text(self.cpu_max),
            "gpu_max": _text(self.gpu_max),
            "hourly_cost": _text(self.hourly_cost),
            "currency": self.currency,
            "proposal_id": self.proposal_id,
            "proposal_state": self.proposal_state,
            "controller": self.controller,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict) -> ScanRow:
        def number(name: str) -> Decimal | None:
            value = data.get(name)
            return None if value is None else Decimal(str(value))

        return cls(
            controller=str(data.get("controller", "")),
            instance_id=str(data["instance_id"]),
            name=str(data.get("name") or data["instance_id"]),
            type=str(data.get("type") or ""),
            project=data.get("project"),
            team=data.get("team"),
            owner=data.get("owner"),
            idle_minutes=int(data.get("idle_minutes") or 0),
            cpu_max=number("cpu_max"),
            gpu_max=number("gpu_max"),
            hourly_cost=number("hourly_cost"),
            currency=data.get("currency"),
            proposal_id=data.get("proposal_id"),
            proposal_state=data.get("proposal_state"),
            note=str(data.get("note") or ""),
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


@dataclass(frozen=True)
class ScanReport:
    at: datetime
    rows: list[ScanRow] = field(default_factory=list)
    proposed: list[str] = field(default_factory=list)  # ids of proposals made by this scan
    expired: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a controller that could not be read
    machines: int = 0  # machines seen in all


@dataclass(frozen=True)
class ProposalView:
    """A proposal with what its message says besides the stored facts."""

    proposal: Proposal
    owner_user: str | None  # the owner as a Slack user id, when known
    approvers: tuple[str, ...]  # user and user-group ids who may decide (besides the owner)
    saving_per_day: Decimal | None
    ttl_hours: int


@dataclass(frozen=True)
class IdleOverview:
    scanned_at: datetime | None
    candidates: list[ScanRow]
    open: list[Proposal]  # waiting for a decision, or being stopped
    kept: list[Proposal]  # kept running, lease not over
    stopped: list[Proposal]
    dry_run: bool


@dataclass(frozen=True)
class SavingRow:
    proposal: Proposal
    saved: Decimal
    still_stopped: bool


@dataclass(frozen=True)
class SavingsReport:
    start: date
    end: date  # exclusive
    rows: list[SavingRow]
    totals: dict[str, Decimal]  # by currency: never summed together


@dataclass(frozen=True)
class IdleDigest:
    """What a digest says of idle machines over its window, for its scope."""

    savings: SavingsReport
    kept: list[Proposal]  # kept running under a lease that was in force in the window
    waiting: list[Proposal]  # proposals still waiting for a decision
