"""How the idle service words what happened: refusals, outcomes, cloud failures, and the
small conversions between what is stored and what is shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from bot.domain.idle.proposals import ProposalState, saving_per_day
from bot.domain.shared.wording import plural
from bot.services.idle_ports import CloudActionError, NewProposal, Proposal
from bot.services.idle_scan import Sighting, machine_key
from bot.services.idle_views import ProposalView, SavingAllocation, SavingRow, ScanRow


def audit_subject(controller: str, instance_id: str) -> str:
    return f"idle:{machine_key(controller, instance_id)}"


def as_proposal(new: NewProposal) -> Proposal:
    return Proposal(
        id=new.id,
        key=new.key,
        controller=new.controller,
        instance_id=new.instance_id,
        state=ProposalState.PROPOSED,
        instance=new.instance,
        verdict=new.verdict,
        hourly_cost=new.hourly_cost,
        currency=new.currency,
        price_source=new.price_source,
        channel=new.channel,
        dry_run=new.dry_run,
        created_at=new.created_at,
        expires_at=new.expires_at,
        updated_at=new.created_at,
        reproposal_of=new.reproposal_of,
    )


def scan_row(sighting: Sighting, proposal_id, state, note: str) -> ScanRow:
    verdict = sighting.verdict
    price = sighting.price
    return ScanRow(
        controller=sighting.controller.name,
        instance_id=sighting.instance.instance_id,
        name=sighting.instance.name,
        type=sighting.instance.type,
        project=sighting.dimensions.get("project"),
        team=sighting.dimensions.get("team"),
        owner=sighting.dimensions.get("owner"),
        idle_minutes=verdict.idle_minutes,
        cpu_max=verdict.cpu_max,
        gpu_max=verdict.gpu_max,
        hourly_cost=price.hourly if price else None,
        currency=price.currency if price else None,
        proposal_id=proposal_id,
        proposal_state=str(state) if state else None,
        note=note,
    )


def state_of(proposal: Proposal | None) -> ProposalState | None:
    return proposal.state if proposal else None


def standing(proposal: Proposal) -> str:
    if proposal.state == ProposalState.KEPT and proposal.lease_until:
        return f"kept running until {proposal.lease_until:%Y-%m-%d %H:%M} UTC"
    return f"already proposed ({proposal.state})"


def daily_saving(proposal: Proposal) -> Decimal | None:
    if proposal.hourly_cost is None:
        return None
    return saving_per_day(proposal.hourly_cost).quantize(Decimal("0.01"))


def refusal(view: ProposalView) -> str:
    names = [f"<@{view.owner_user}> (the owner)"] if view.owner_user else []
    names += [f"<!subteam^{a}>" if a.startswith("S") else f"<@{a}>" for a in view.approvers]
    if not names:
        return (
            "Nobody may decide on this stop yet: it has no known owner and idle.approvers "
            "lists nobody for its team. Ask whoever runs costbot. Nothing was changed."
        )
    who = ", ".join(names)
    return f"Sorry, you are not authorised to decide on this stop: ask {who}. Nothing was changed."


def what_happened(proposal: Proposal) -> str:
    who = f" by <@{proposal.decided_by}>" if proposal.decided_by else ""
    when = f" at {proposal.decided_at:%Y-%m-%d %H:%M} UTC" if proposal.decided_at else ""
    name = proposal.instance.get("name") or proposal.instance_id
    state = proposal.state
    if state == ProposalState.EXPIRED:
        ended = f"{proposal.expires_at:%Y-%m-%d %H:%M} UTC"
        return f"This proposal for {name} expired at {ended}; nothing was stopped."
    if state == ProposalState.KEPT:
        until = f" until {proposal.lease_until:%Y-%m-%d %H:%M} UTC" if proposal.lease_until else ""
        return f"{name} is kept running{until}{who}: {proposal.keep_reason or ''}".rstrip(": ")
    if state in {ProposalState.APPROVED, ProposalState.STOPPING}:
        return f"{name} is already being stopped (approved{who}{when})."
    if state == ProposalState.STOPPED:
        return f"{name} was already stopped (approved{who}{when})."
    if state == ProposalState.FAILED:
        return f"Stopping {name} failed (approved{who}{when}): {proposal.result}"
    if state == ProposalState.CANCELLED:
        return f"{name} was not stopped (approved{who}{when}): {proposal.result}"
    if state == ProposalState.STARTING:
        by = f" by <@{proposal.started_by}>" if proposal.started_by else ""
        return f"{name} is being started again{by}."
    if state == ProposalState.STARTED:
        by = f" by <@{proposal.started_by}>" if proposal.started_by else ""
        return f"{name} was already started again{by}."
    if state == ProposalState.PROPOSED:  # e.g. Start again pressed on an old copy
        return f"{name} still waits for a decision: it was not stopped, so nothing was changed."
    return f"{name} is {state}."


def cloud_failure(call: str, error: CloudActionError) -> str:
    advice = {
        "throttled": (
            "the cloud asked costbot to slow down; nothing happened. costbot proposes it "
            "again at the next scan while it stays idle."
        ),
        "access_denied": "costbot's role may not do this; add the permission the README lists.",
        "not_found": "the machine no longer exists.",
        "invalid_state": "the machine is in a state that cannot be changed now.",
    }.get(str(error.kind), "")
    return f"the {call} call failed ({error.kind}): {error.message}" + (
        f"; {advice}" if advice else ""
    )


def error_text(error: Exception) -> str:
    if isinstance(error, CloudActionError):
        return f"{error.kind}: {error.message}"
    return str(error) or type(error).__name__


def iso(moment: datetime) -> str:
    return moment.isoformat()


def whole_hours(span: timedelta) -> int:
    return int(span.total_seconds() // 3600)


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def shared_saving(allocation: SavingAllocation) -> str:
    """`shared among 2 projects by rule gpu-pool`: how a stop's saving is credited, as its
    machine's own project's cost is."""
    rules = allocation.rules
    by = f"rule {rules[0]}" if len(rules) == 1 else "rules " + ", ".join(rules)
    return f"shared among {plural(len(allocation.receivers), allocation.dimension)} by {by}"


def shared_rules(rows: list[SavingRow]) -> tuple[str, ...]:
    """Every rule any of the rows' savings is shared by, each once."""
    return tuple(dict.fromkeys(rule for row in rows for a in row.allocations for rule in a.rules))
