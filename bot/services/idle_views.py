"""What the idle service answers with: scan rows, a proposal as its message shows it, the
`/cost idle` overview and the savings ledger. Plain data, read by the CLI and the Slack edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.domain.shared.savings import SavingPart
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
class SavingAllocation:
    """How one saving is credited among the values of `dimension` when a shared-cost rule
    gives the machine's own value (`origin`) away: in the proportions its cost in the
    saving's currency was split over `first_day`..`last_day` (the days it stayed stopped, or
    the 30 days before them when those had no billing data yet: `fallback`)."""

    dimension: str
    origin: str
    parts: tuple[SavingPart, ...]  # largest first; they add up to the saving exactly
    first_day: date
    last_day: date
    fallback: bool = False

    @property
    def receivers(self) -> tuple[str, ...]:
        """The values credited a part under a rule, each once, largest part first (a part
        that rounded to nothing is not counted: "shared among 7" means 7 got some)."""
        return tuple(dict.fromkeys(p.value for p in self.parts if not p.kept and p.saved))

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.rule for p in self.parts if p.rule is not None))

    @property
    def kept(self) -> Decimal:
        """What stays with the machine's own value."""
        return sum((p.saved for p in self.parts if p.kept), Decimal(0))

    def credited(self, value: str) -> Decimal | None:
        """The part credited to `value` (compared folded), kept or received; None: none."""
        found = [p.saved for p in self.parts if p.value.lower() == value.lower()]
        return sum(found, Decimal(0)) if found else None

    def json(self) -> dict[str, object]:
        return {
            "dimension": self.dimension,
            "origin": self.origin,
            "rules": list(self.rules),
            "receivers": len(self.receivers),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "fallback": self.fallback,
            "kept": _text(self.kept),
            "parts": [
                {"value": p.value, "rule": p.rule, "kept": p.kept, "saved": _text(p.saved)}
                for p in self.parts
            ],
        }


@dataclass(frozen=True)
class SavingRow:
    proposal: Proposal
    saved: Decimal
    still_stopped: bool
    # A stop in a value a shared-cost rule gives away: how its saving is credited, per
    # dimension the rules split among. Empty: the saving is its own value's, whole.
    allocations: tuple[SavingAllocation, ...] = ()
    # In a digest of one value of a split's dimension (`scope_value`): `saved` is that
    # value's part, kept or received, of the machine's `whole` saving, by `credited_by`.
    whole: Decimal | None = None
    credited_by: SavingAllocation | None = None
    scope_value: str | None = None

    @property
    def shared(self) -> SavingAllocation | None:
        """The allocation to tell of: the one a scoped part came by, else the first."""
        return self.credited_by or (self.allocations[0] if self.allocations else None)

    def allocation(self, dimension: str) -> SavingAllocation | None:
        return next((a for a in self.allocations if a.dimension == dimension), None)

    @property
    def received(self) -> bool:
        """A scoped part of another value's machine's saving, shared to the scope by a rule."""
        scoped, value = self.credited_by, self.scope_value
        return scoped is not None and value is not None and value.lower() != scoped.origin.lower()

    def json(self) -> dict[str, object]:
        """A `costbot idle savings --json` stop."""
        p = self.proposal
        return {
            "proposal_id": p.id,
            "controller": p.controller,
            "instance_id": p.instance_id,
            "name": p.instance.get("name"),
            "project": p.instance.get("project"),
            "team": p.instance.get("team"),
            "currency": p.currency,
            "hourly_cost": _text(p.hourly_cost),
            "saved": _text(self.saved),
            "still_stopped": self.still_stopped,
            "stopped_at": p.stopped_at.isoformat() if p.stopped_at else None,
            "started_at": p.started_at.isoformat() if p.started_at else None,
            "decided_by": p.decided_by,
            "shared": [allocation.json() for allocation in self.allocations],
        }


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
