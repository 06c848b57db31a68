"""The message of one idle-machine stop proposal, in each of its states.

One channel message per proposal, rewritten in place (chat.update) as it moves: what the
machine is and why costbot thinks it idle stay; a status line says what happened, who did it
and when; the buttons are those the state allows (Approve stop and Keep running while it is
proposed, Start again once stopped, none otherwise). The fallback text says the same in one
paragraph and carries the owner's mention, so the notification fires. With `dry_run` every
message says so first. `/cost idle` and `/cost savings` are in `idle_reports`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.domain.idle.proposals import ProposalState
from bot.services.idle_ports import Proposal
from handlers.blocks.buttons import ActionId
from handlers.blocks.elements import _button, _cap_blocks, _confirm, _context, _section, to_payload
from handlers.blocks.idle_reports import describe_idle_overview, describe_savings
from handlers.blocks.idle_text import (
    DRY_RUN_NOTE,
    DRY_RUN_TITLE,
    as_datetime,
    duration,
    field,
    hourly_cost,
    machine_name,
    machine_plain,
    mention,
    saving,
    utilisation,
    when,
    who_may_approve,
)
from handlers.blocks.limits import MAX_FALLBACK_TEXT, SHORT_CHARS
from handlers.blocks.text import _name
from handlers.button_values import ProposalRef, encode
from handlers.formatting import escape_mrkdwn, truncate

if TYPE_CHECKING:
    from bot.services.idle import ProposalView

__all__ = ["describe_idle_overview", "describe_proposal", "describe_savings"]

APPROVE_LABEL = "Approve stop"
KEEP_LABEL = "Keep running"
START_LABEL = "Start again"
ACTIONS_BLOCK = "idle_proposal_actions"


def describe_proposal(view: ProposalView) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and Block Kit JSON of a proposal's message, for its current state."""
    proposal = view.proposal
    status, status_text = _STATUS.get(proposal.state, _unknown)(view)
    blocks: list[Block] = []
    if proposal.dry_run:
        blocks.append(_section(DRY_RUN_NOTE))
    blocks += [
        _section(f"{_ICONS.get(proposal.state, ':zzz:')} *{_title(proposal)}*"),
        _section(_facts(view)),
        _section(status),
    ]
    blocks.append(_context([_footer(view)]))
    actions = _actions(view)
    if actions is not None:
        blocks.append(actions)
    return _fallback(view, status_text), to_payload(_cap_blocks(blocks))


# -- what every state shows -------------------------------------------------------------------
def _title(proposal: Proposal) -> str:
    what = {
        ProposalState.PROPOSED: "stop it?",
        ProposalState.APPROVED: "approved, checking before the stop",
        ProposalState.STOPPING: "stopping…",
        ProposalState.STOPPED: "stopped",
        ProposalState.FAILED: "the stop failed",
        ProposalState.CANCELLED: "not stopped",
        ProposalState.KEPT: "kept running",
        ProposalState.EXPIRED: "proposal expired",
        ProposalState.STARTING: "starting again…",
        ProposalState.STARTED: "started again",
    }.get(proposal.state, escape_mrkdwn(str(proposal.state)))
    return f"Idle machine {machine_name(proposal)}: {what}"


def _facts(view: ProposalView) -> str:
    proposal = view.proposal
    instance, verdict = proposal.instance, proposal.verdict
    owner = _owner(view)
    parts = [
        f"*Type* {_value(field(instance, 'type'))}",
        f"*Project* {_value(field(instance, 'project'))}",
        f"*Team* {_value(field(instance, 'team'))}",
        f"*Owner* {owner}",
    ]
    since = as_datetime(verdict.get("since"))
    minutes = verdict.get("idle_minutes")
    idle = f"Idle since {when(since)}" if since else "Idle"
    if isinstance(minutes, int | float) and not isinstance(minutes, bool):
        idle += f" ({duration(int(minutes))})"
    idle += f": {utilisation(verdict)}."
    cost = f"Costs {hourly_cost(proposal)}"
    saved = saving(view.saving_per_day, proposal.currency)
    if saved:
        cost += f"; stopping it saves {saved}"
    return " · ".join(parts) + f"\n{idle}\n{cost}."


def _owner(view: ProposalView) -> str:
    if view.owner_user:
        return mention(view.owner_user)
    tag = field(view.proposal.instance, "owner")
    return f"{_name(tag, SHORT_CHARS)} (no Slack user known)" if tag else "unknown (no owner tag)"


def _value(text: str | None) -> str:
    return _name(text, SHORT_CHARS) if text else "—"


def _footer(view: ProposalView) -> str:
    proposal = view.proposal
    parts = [f"Who may decide: {who_may_approve(view.owner_user, view.approvers)}"]
    if proposal.state == ProposalState.PROPOSED:
        parts.append(f"expires {when(proposal.expires_at)} (after {view.ttl_hours} h)")
    parts.append(f"proposal `{escape_mrkdwn(truncate(proposal.id, SHORT_CHARS))}`")
    if proposal.dry_run:
        parts.append(DRY_RUN_TITLE.lower())
    return " · ".join(parts)


# -- one status line per state: (mrkdwn, fallback text) ------------------------------------------
def _proposed(view: ProposalView) -> tuple[str, str]:
    what = "Approve" if not view.proposal.dry_run else "Approve (dry run: nothing is stopped)"
    text = (
        f"{what} to stop it, or keep it running for a while with a reason. Only the owner and "
        "the approvers below may decide."
    )
    return text, text


def _approved(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    text = (
        f"Approved by {mention(p.decided_by)} at {when(p.decided_at)}: checking it is still "
        "running and idle, then stopping…"
    )
    return text, _plain(text)


def _stopping(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    call = "no cloud call (dry run)" if p.dry_run else "the stop call is made"
    text = f"Approved by {mention(p.decided_by)} at {when(p.decided_at)}: stopping… ({call})"
    return text, _plain(text)


def _stopped(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    how = "Stopped (dry run: nothing was really stopped)" if p.dry_run else "Stopped"
    text = (
        f":white_check_mark: {how} at {when(p.stopped_at or p.updated_at)}, approved by "
        f"{mention(p.decided_by)} at {when(p.decided_at)}."
    )
    if p.result:
        text += f" Result: {_name(p.result, 300)}."
    saved = saving(view.saving_per_day, p.currency)
    if saved and not p.dry_run:
        text += f" Saves {saved} while it stays stopped."
    text += f" The owner or an approver can press {START_LABEL} to undo it."
    return text, _plain(text)


def _failed(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    error = _name(p.result, 500) if p.result else "the cloud gave no reason"
    text = (
        f":x: The stop approved by {mention(p.decided_by)} failed: {error}. Nothing else was "
        "tried, so the machine may still be running. What to do: look at it in the cloud "
        "console and stop it there if it should stop; if the error is about permissions, ask "
        "whoever runs costbot to check its cloud role (README, minimum IAM actions)."
    )
    return text, _plain(text)


def _cancelled(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    why = _name(p.result, 500) if p.result else "the check before stopping said no"
    text = (
        f":leftwards_arrow_with_hook: Not stopped: {why}. Approved by {mention(p.decided_by)} "
        f"at {when(p.decided_at)}, but costbot checks again before stopping; nothing was changed."
    )
    return text, _plain(text)


def _kept(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    reason = f": “{_name(p.keep_reason, 500)}”" if p.keep_reason else ""
    text = (
        f":raised_hand: Kept running by {mention(p.decided_by)} until {when(p.lease_until)}"
        f"{reason}. If it is still idle then, costbot proposes it again (once)."
    )
    return text, _plain(text)


def _expired(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    text = (
        f":hourglass: Expired at {when(p.expires_at)}: nobody decided within {view.ttl_hours} h, "
        "so nothing was stopped and the buttons were removed."
    )
    return text, _plain(text)


def _starting(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    text = f":arrow_forward: Starting again, asked by {mention(p.started_by)}…"
    if p.dry_run:
        text += " (dry run: no cloud call)"
    return text, _plain(text)


def _started(view: ProposalView) -> tuple[str, str]:
    p = view.proposal
    if p.started_by:
        who = f"Started again by {mention(p.started_by)} at {when(p.started_at)}"
    else:
        who = f"Seen running again at {when(p.started_at)} (started outside costbot)"
    text = f":arrow_forward: {who}; it had been stopped since {when(p.stopped_at)}."
    return text, _plain(text)


def _unknown(view: ProposalView) -> tuple[str, str]:
    text = f"State: {escape_mrkdwn(str(view.proposal.state))}."
    return text, text


_STATUS: dict[ProposalState, Callable[[ProposalView], tuple[str, str]]] = {
    ProposalState.PROPOSED: _proposed,
    ProposalState.APPROVED: _approved,
    ProposalState.STOPPING: _stopping,
    ProposalState.STOPPED: _stopped,
    ProposalState.FAILED: _failed,
    ProposalState.CANCELLED: _cancelled,
    ProposalState.KEPT: _kept,
    ProposalState.EXPIRED: _expired,
    ProposalState.STARTING: _starting,
    ProposalState.STARTED: _started,
}
_ICONS = {
    ProposalState.PROPOSED: ":zzz:",
    ProposalState.APPROVED: ":hourglass_flowing_sand:",
    ProposalState.STOPPING: ":hourglass_flowing_sand:",
    ProposalState.STOPPED: ":octagonal_sign:",
    ProposalState.FAILED: ":warning:",
    ProposalState.CANCELLED: ":leftwards_arrow_with_hook:",
    ProposalState.KEPT: ":raised_hand:",
    ProposalState.EXPIRED: ":hourglass:",
    ProposalState.STARTING: ":arrow_forward:",
    ProposalState.STARTED: ":arrow_forward:",
}


def _plain(mrkdwn: str) -> str:
    """A status line for the fallback: emoji codes dropped (the mentions stay)."""
    words = [w for w in mrkdwn.split(" ") if not (w.startswith(":") and w.endswith(":"))]
    return " ".join(words)


# -- buttons ----------------------------------------------------------------------------------
def _actions(view: ProposalView) -> ActionsBlock | None:
    proposal = view.proposal
    value = encode(ProposalRef(proposal.id))
    if proposal.state == ProposalState.PROPOSED:
        return ActionsBlock(
            block_id=ACTIONS_BLOCK,
            elements=[
                _button(
                    APPROVE_LABEL,
                    ActionId.IDLE_APPROVE.value,
                    value,
                    style="primary" if proposal.dry_run else "danger",
                    confirm=_approve_confirm(view),
                ),
                _button(KEEP_LABEL, ActionId.IDLE_KEEP.value, value),
            ],
        )
    if proposal.state == ProposalState.STOPPED:
        return ActionsBlock(
            block_id=ACTIONS_BLOCK,
            elements=[_button(START_LABEL, ActionId.IDLE_START.value, value)],
        )
    return None


def _approve_confirm(view: ProposalView):
    proposal = view.proposal
    saved = saving(view.saving_per_day, proposal.currency)
    if proposal.dry_run:
        text = (
            f"Dry run: costbot will go through the stop of {machine_name(proposal)} without "
            "calling the cloud. Nothing is really stopped."
        )
    else:
        text = f"costbot checks it is still idle, then stops {machine_name(proposal)}."
        if saved:
            text += f" That saves {saved}."
        text += f" It can be started again from this message ({START_LABEL})."
    return _confirm(
        "Stop this machine?" if not proposal.dry_run else "Stop this machine? (dry run)",
        text,
        "Stop it" if not proposal.dry_run else "Go through it",
        "Cancel",
        style="danger" if not proposal.dry_run else "primary",
    )


# -- fallback text ------------------------------------------------------------------------------
def _fallback(view: ProposalView, status: str) -> str:
    """One paragraph: the machine, the owner (as a mention), the numbers, what happened."""
    proposal = view.proposal
    instance = proposal.instance
    details = [
        field(instance, "type"),
        f"project {field(instance, 'project')}" if field(instance, "project") else None,
        f"team {field(instance, 'team')}" if field(instance, "team") else None,
    ]
    machine = escape_mrkdwn(machine_plain(proposal))
    described = ", ".join(escape_mrkdwn(d) for d in details if d)
    owner = mention(view.owner_user) if view.owner_user else None
    text = f"Idle machine {machine}" + (f" ({described})" if described else "")
    if owner:
        text += f", owner {owner}"
    minutes = proposal.verdict.get("idle_minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool):
        text += f": idle for {duration(minutes)}"
    cost = hourly_cost(proposal)
    text += f"; {cost}"
    saved = saving(view.saving_per_day, proposal.currency)
    if saved:
        text += f", saving {saved} if stopped"
    text += f". {status}"
    if proposal.dry_run:
        text = f"[{DRY_RUN_TITLE}] {text}"
    return truncate(text, MAX_FALLBACK_TEXT)
