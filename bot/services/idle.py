"""Idle machines: scan the fleets, propose each idle machine once in its team's channel, and
stop it exactly once when someone allowed approves, after checking it again.

Every change of a proposal is one conditional move in the store (`bot.domain.idle.proposals`
has the state machine): of two clicks, two replicas or a retried delivery exactly one moves
it, and only whoever moved it into `stopping` calls the cloud. The message is rewritten in
place (chat.update by its stored channel and ts) after every move, saying what really
happened. Who may decide is read from the config and the store, never from the click.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from bot.domain.access import may_decide_stop
from bot.domain.allocation import TAG_DIMENSIONS, AllocationRules
from bot.domain.idle.proposals import (
    KEEP_CHOICES,
    ProposalState,
    saved_between,
)
from bot.services.alert_ports import AuditEntry, UserGroups
from bot.services.alert_routing import AlertRouter
from bot.services.errors import (
    AlreadyDecidedError,
    NotAuthorisedError,
    NotFoundError,
    UserFacingError,
)
from bot.services.idle_ports import (
    CloudActionError,
    CloudErrorKind,
    Controller,
    IdleStore,
    MessageEditor,
    NewProposal,
    OwnerDirectory,
    PriceBook,
    Proposal,
)
from bot.services.idle_scan import (
    IdleRules,
    Judge,
    Sighting,
    open_by_machine,
    verdict_json,
)
from bot.services.idle_shares import SavingShares
from bot.services.idle_views import (
    IdleDigest,
    IdleOverview,
    ProposalView,
    SavingRow,
    SavingsReport,
    ScanReport,
    ScanRow,
)
from bot.services.idle_wording import (
    as_proposal,
    audit_subject,
    cloud_failure,
    daily_saving,
    decimal_text,
    error_text,
    iso,
    refusal,
    scan_row,
    standing,
    state_of,
    what_happened,
    whole_hours,
)
from bot.services.job_ports import NamedLocks
from bot.services.snapshot_state import OutboxItem

logger = logging.getLogger("costbot.idle")

SCAN_LOCK = "idle:scan"
_SLACK_USER = re.compile(r"^[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{8,}$")  # an id has a digit
# A proposal stuck between two states this long lost its process: the scan settles it.
STUCK_AFTER = timedelta(minutes=15)
MAX_REASON = 500
# Messages this old are not rewritten any more when they fall behind their proposal.
REWRITE_WITHIN = timedelta(days=7)
DescribeProposal = Callable[[ProposalView], tuple[str, list[dict[str, Any]]]]


class IdleService:
    def __init__(
        self,
        controllers: Sequence[Controller],
        store: IdleStore,
        locks: NamedLocks,
        router: AlertRouter,
        describe: DescribeProposal,
        rules: IdleRules,
        allocation: AllocationRules,
        prices: PriceBook,
        *,
        shares: SavingShares | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._shares = shares
        self._controllers = {controller.name: controller for controller in controllers}
        self._store = store
        self._locks = locks
        self._router = router
        self._describe = describe
        self._rules = rules
        self._clock = clock
        self._judge = Judge(rules, allocation, prices, clock)
        self._owners: OwnerDirectory | None = None
        self._groups: UserGroups | None = None
        self._editor: MessageEditor | None = None

    def use_slack(
        self,
        *,
        owners: OwnerDirectory | None = None,
        groups: UserGroups | None = None,
        editor: MessageEditor | None = None,
        router: AlertRouter | None = None,
    ) -> None:
        """Slack's people, user groups, message edits and channel list, once the app exists."""
        self._owners = owners or self._owners
        self._groups = groups or self._groups
        self._editor = editor or self._editor
        self._router = router or self._router

    @property
    def dry_run(self) -> bool:
        return self._rules.dry_run

    @property
    def configured(self) -> bool:
        return bool(self._controllers)

    # -- scanning -------------------------------------------------------------------------

    def scan(self) -> ScanReport:
        """One scan now: settle what is due (expiries, stuck moves), then propose every new
        idle machine once. Two scanners at once take turns; neither proposes twice."""
        with self._locks.hold(SCAN_LOCK):
            now = self._clock()
            expired = self._expire_due(now)
            self._settle_stuck(now)
            self._rewrite_behind(now)
            rows: list[ScanRow] = []
            errors: list[str] = []
            sightings: list[Sighting] = []
            seen = 0
            for controller in self._controllers.values():
                try:
                    inventory, judged = self._judge.sightings(controller)
                except Exception as error:  # one fleet down must not hide the others
                    logger.warning("idle scan of %s failed: %s", controller.name, error)
                    errors.append(f"{controller.name}: {error_text(error)}")
                    continue
                seen += len(inventory)
                sightings.extend(judged)
                self._notice_started_elsewhere(controller, inventory, now)
            rows, proposed = self._propose(sightings, now)
            self._store.record_scan([row.json() for row in rows], now)
            return ScanReport(now, rows, proposed, expired, errors, seen)

    def _propose(self, sightings: list[Sighting], now: datetime) -> tuple[list[ScanRow], list[str]]:
        speaking = open_by_machine(self._store, now)
        busy_marks = self._store.busy_marks()
        busy = [s.machine for s in sightings if not s.verdict.idle]  # excluded or not
        self._store.mark_busy(busy, now)
        planned: list[tuple[Sighting, NewProposal, str | None]] = []
        notes: dict[str, tuple[str, Proposal | None]] = {}
        for sighting in sightings:
            if not sighting.verdict.idle:
                continue
            machine = sighting.machine
            if sighting.excluded:
                notes[machine] = (f"not proposed: {sighting.excluded}", None)
                continue
            if (current := speaking.get(machine)) is not None:
                notes[machine] = (standing(current), current)
                continue
            key, lease_of = self._episode_key(sighting, busy_marks.get(machine), now)
            planned.append((sighting, self._new_proposal(sighting, key, lease_of, now), lease_of))
        entries = [
            AuditEntry(
                actor="costbot",
                action="idle.propose",
                subject=audit_subject(new.controller, new.instance_id),
                at=now,
                after={"proposal": new.id, **dict(new.verdict), "dry_run": new.dry_run},
            )
            for _, new, _ in planned
        ]
        inserted = self._store.propose([new for _, new, _ in planned], entries)
        for _, new, lease_of in planned:
            if new.id in inserted and lease_of is not None:
                self._store.mark_reproposed(lease_of)
        rows = []
        for sighting in sightings:
            if not sighting.verdict.idle:
                continue
            note, current = notes.get(sighting.machine, ("", None))
            mine = next((new for s, new, _ in planned if s is sighting), None)
            if mine is not None and mine.id in inserted:
                rows.append(scan_row(sighting, mine.id, ProposalState.PROPOSED, "proposed now"))
            elif mine is not None:
                rows.append(scan_row(sighting, None, None, "already proposed for this idle spell"))
            else:
                found = current.id if current else None
                rows.append(scan_row(sighting, found, state_of(current), note))
        return rows, [new.id for _, new, _ in planned if new.id in inserted]

    def _episode_key(
        self, sighting: Sighting, busy_at: datetime | None, now: datetime
    ) -> tuple[str, str | None]:
        """The idle spell's key, and the proposal it follows: a kept one whose lease just ended,
        or a failed one the cloud throttled."""
        machine = sighting.machine
        # A stop the cloud throttled did nothing: the machine is proposed again, once.
        throttled = [
            p
            for p in self._store.proposals(
                [ProposalState.FAILED],
                controller=sighting.controller.name,
                instance_id=sighting.instance.instance_id,
            )
            if not p.reproposed and f"({CloudErrorKind.THROTTLED})" in (p.result or "")
        ]
        if throttled:
            failed = max(throttled, key=lambda p: p.updated_at)
            return f"{machine}|retry:{failed.id}", failed.id
        kept = [
            p
            for p in self._store.proposals(
                [ProposalState.KEPT],
                controller=sighting.controller.name,
                instance_id=sighting.instance.instance_id,
            )
            if not p.reproposed and p.lease_until is not None and p.lease_until <= now
        ]
        if kept and (busy_at is None or busy_at < max(p.lease_until for p in kept)):  # type: ignore[type-var]
            lease = max(kept, key=lambda p: p.lease_until)  # type: ignore[arg-type,return-value]
            return f"{machine}|lease:{lease.id}", lease.id
        # A machine started again since it was last seen busy (EC2's launch time moves on
        # every start) runs anew: a new spell, though no scan saw it busy in between.
        launched = sighting.instance.launched_at
        if launched is not None and (busy_at is None or launched > busy_at):
            return f"{machine}|launched:{launched.isoformat()}", None
        return f"{machine}|busy:{busy_at.isoformat() if busy_at else 'never'}", None

    def _new_proposal(
        self, sighting: Sighting, key: str, lease_of: str | None, now: datetime
    ) -> NewProposal:
        instance = sighting.instance
        owner = sighting.dimensions.get("owner")
        price = sighting.price
        snapshot = {
            # Every tag dimension, so a saving is credited whichever dimension rules split.
            **{dimension: sighting.dimensions.get(dimension) for dimension in TAG_DIMENSIONS},
            "name": instance.name,
            "type": instance.type,
            "region": instance.region,
            "gpus": instance.gpus,
            "owner": owner,
            "owner_user": self._owner_user(owner),
            "launched_at": instance.launched_at.isoformat() if instance.launched_at else None,
            "controller_kind": sighting.controller.kind,
        }
        proposal_id = secrets.token_hex(12)
        draft = NewProposal(
            id=proposal_id,
            key=key,
            controller=sighting.controller.name,
            instance_id=instance.instance_id,
            instance=snapshot,
            verdict=verdict_json(sighting.verdict),
            hourly_cost=price.hourly if price else None,
            currency=price.currency if price else None,
            price_source=price.source if price else None,
            channel=None,
            dry_run=self._rules.dry_run,
            created_at=now,
            expires_at=now + self._rules.ttl,
            message=None,
            reproposal_of=lease_of,
        )
        route = self._router.route_owner(snapshot["team"], snapshot["project"])
        if route is None:
            logger.warning("no channel for %s: set channels.default", instance.instance_id)
            return draft
        draft = replace(draft, channel=route.channel)
        text, blocks = self._describe(self._view(as_proposal(draft)))
        if route.rerouted_from:
            text = f"{text} (posted here: costbot is not in {route.rerouted_from})"
        message = OutboxItem(
            key=key,
            channel=route.channel,
            text=text,
            blocks=blocks,
            fallback_channel=route.fallback_channel,
        )
        return replace(draft, message=message)

    def _expire_due(self, now: datetime) -> list[str]:
        expired = []
        for proposal in self._store.proposals([ProposalState.PROPOSED]):
            if proposal.expires_at <= now and self._expire(proposal, now) is not None:
                expired.append(proposal.id)
        return expired

    def _expire(self, proposal: Proposal, now: datetime) -> Proposal | None:
        moved = self._store.move(
            proposal.id,
            ProposalState.PROPOSED,
            ProposalState.EXPIRED,
            self._entry(
                "costbot", "idle.expire", proposal, now, {"expires_at": iso(proposal.expires_at)}
            ),
            result=f"nobody decided within {whole_hours(self._rules.ttl)} hours",
        )
        if moved is not None:
            self._rewrite(moved)
        return moved

    def _settle_stuck(self, now: datetime) -> None:
        """Moves whose process died half way: decided from what the cloud says, never by
        calling it again (a stop whose outcome is unknown is not repeated)."""
        stuck = [
            p
            for p in self._store.proposals(
                [ProposalState.APPROVED, ProposalState.STOPPING, ProposalState.STARTING]
            )
            if p.updated_at <= now - STUCK_AFTER
        ]
        for proposal in stuck:
            controller = self._controllers.get(proposal.controller)
            try:
                instance = controller.describe(proposal.instance_id) if controller else None
            except Exception as error:
                logger.warning("could not settle %s: %s", proposal.id, error)
                continue
            state = instance.state if instance else "gone"
            if proposal.state == ProposalState.APPROVED:
                target, result = ProposalState.CANCELLED, "the check before stopping never finished"
                changes: dict[str, Any] = {}
            elif proposal.state == ProposalState.STOPPING and state in {"stopped", "stopping"}:
                target, result = ProposalState.STOPPED, f"stopped (found {state} afterwards)"
                changes = {"stopped_at": proposal.updated_at}
            elif proposal.state == ProposalState.STOPPING:
                target = ProposalState.FAILED
                result = f"the stop's outcome was lost and the machine is {state}; not retried"
                changes = {}
            elif state == "running":
                target, result = ProposalState.STARTED, "started (found running afterwards)"
                changes = {"started_at": proposal.updated_at}
            else:
                target, result = ProposalState.STOPPED, f"the start's outcome was lost ({state})"
                changes = {}
            entry = self._entry(
                "costbot", f"idle.settle.{target}", proposal, now, {"result": result}
            )
            moved = self._store.move(
                proposal.id, proposal.state, target, entry, result=result, **changes
            )
            if moved is not None:
                self._rewrite(moved)

    def _notice_started_elsewhere(self, controller: Controller, inventory, now: datetime) -> None:
        """A machine costbot stopped that runs again: its saving ends there."""
        running = {i.instance_id for i in inventory if i.state == "running"}
        for proposal in self._store.proposals([ProposalState.STOPPED], controller=controller.name):
            if proposal.instance_id not in running or proposal.dry_run:
                continue
            entry = self._entry("cloud", "idle.started_elsewhere", proposal, now, {})
            moved = self._store.move(
                proposal.id,
                ProposalState.STOPPED,
                ProposalState.STARTED,
                entry,
                started_at=now,
                result="started again outside costbot",
            )
            if moved is not None:
                self._rewrite(moved)

    # -- deciding -------------------------------------------------------------------------

    def proposal(self, proposal_id: str) -> Proposal:
        proposal = self._store.proposal(proposal_id)
        if proposal is None:
            raise NotFoundError("That proposal is not known here (any more); nothing was changed.")
        return proposal

    def view(self, proposal_id: str) -> ProposalView:
        return self._view(self.proposal(proposal_id))

    def may_decide(self, proposal_id: str, user_id: str) -> bool:
        proposal = self._store.proposal(proposal_id)
        if proposal is None:
            return True  # the listener says it is gone
        return self._may_decide(proposal, user_id)

    def who_may_decide(self, proposal_id: str) -> str:
        proposal = self._store.proposal(proposal_id)
        if proposal is None:
            return "That proposal is not known here (any more); nothing was changed."
        return refusal(self._view(proposal))

    def approve(self, proposal_id: str, user_id: str) -> Proposal:
        """Approve the stop: check the machine again, stop it once, say what happened."""
        proposal = self._decidable(proposal_id, user_id)
        now = self._clock()
        entry = self._entry(user_id, "idle.approve", proposal, now, {"state": "approved"})
        moved = self._store.move(
            proposal.id,
            ProposalState.PROPOSED,
            ProposalState.APPROVED,
            entry,
            decided_by=user_id,
            decided_at=now,
        )
        if moved is None:
            raise AlreadyDecidedError(what_happened(self.proposal(proposal_id)))
        self._rewrite(moved)
        return self._stop(moved, user_id)

    def _stop(self, proposal: Proposal, user_id: str) -> Proposal:
        controller = self._controllers.get(proposal.controller)
        if controller is None:
            return self._end(
                proposal,
                ProposalState.FAILED,
                user_id,
                f"its controller {proposal.controller} is no longer configured",
            )
        try:
            sighting = self._judge.again(controller, proposal.instance_id)
        except Exception as error:
            return self._end(
                proposal,
                ProposalState.FAILED,
                user_id,
                f"could not check it again before stopping: {error_text(error)}",
            )
        if sighting is None:
            return self._end(
                proposal,
                ProposalState.FAILED,
                user_id,
                f"{proposal.instance_id} no longer exists; there was nothing to stop",
            )
        if sighting.excluded:
            return self._end(
                proposal, ProposalState.CANCELLED, user_id, f"not stopped: {sighting.excluded}"
            )
        if not sighting.verdict.idle:
            return self._end(
                proposal,
                ProposalState.CANCELLED,
                user_id,
                f"not stopped: it is no longer idle ({sighting.verdict.reason})",
            )
        now = self._clock()
        # Dry run when the proposal was made so or the config says so now; stored, so the
        # message, the savings ledger and later scans all know no cloud call was made.
        dry_run = proposal.dry_run or self._rules.dry_run
        entry = self._entry(user_id, "idle.stopping", proposal, now, verdict_json(sighting.verdict))
        stopping = self._store.move(
            proposal.id,
            ProposalState.APPROVED,
            ProposalState.STOPPING,
            entry,
            verdict=verdict_json(sighting.verdict),
            dry_run=dry_run,
        )
        if stopping is None:  # settled as stuck meanwhile: whatever it says stands
            return self.proposal(proposal.id)
        if dry_run:
            return self._finish_stop(stopping, user_id, "dry run: nothing was stopped", {})
        try:
            result = controller.stop(sighting.instance)
        except CloudActionError as error:
            return self._end(stopping, ProposalState.FAILED, user_id, cloud_failure("stop", error))
        except Exception as error:
            logger.exception("stopping %s failed", proposal.instance_id)
            return self._end(
                stopping,
                ProposalState.FAILED,
                user_id,
                f"the stop call failed: {error_text(error)}",
            )
        return self._finish_stop(
            stopping, user_id, f"stop requested; it is {result.state}", result.undo
        )

    def _finish_stop(self, proposal: Proposal, user_id: str, result: str, undo) -> Proposal:
        now = self._clock()
        after = {"result": result, "saving_per_day": decimal_text(daily_saving(proposal))}
        entry = self._entry(user_id, "idle.stop", proposal, now, after)
        changes = {"result": result, "stopped_at": now, "undo": dict(undo)}
        # From stopping; or from failed when it was settled so while the call ran: the call's
        # word wins.
        moved = None
        for source in (ProposalState.STOPPING, ProposalState.FAILED):
            moved = moved or self._store.move(
                proposal.id, source, ProposalState.STOPPED, entry, **changes
            )
        final = moved or self.proposal(proposal.id)
        self._rewrite(final)
        return final

    def _end(
        self, proposal: Proposal, target: ProposalState, user_id: str, result: str
    ) -> Proposal:
        now = self._clock()
        entry = self._entry(user_id, f"idle.{target}", proposal, now, {"result": result})
        moved = self._store.move(proposal.id, proposal.state, target, entry, result=result)
        final = moved or self.proposal(proposal.id)
        self._rewrite(final)
        return final

    def keep(self, proposal_id: str, user_id: str, choice: str, reason: str) -> Proposal:
        """Keep it running for 3 h, 1 day or 1 week, with a reason: a lease, audited."""
        if choice not in KEEP_CHOICES:
            raise UserFacingError("Choose how long to keep it running: 3 hours, 1 day or 1 week.")
        reason = " ".join(reason.split())
        if not reason:
            raise UserFacingError("Say why it should keep running, so the team knows.")
        if len(reason) > MAX_REASON:
            raise UserFacingError(f"Keep the reason under {MAX_REASON} characters.")
        proposal = self._decidable(proposal_id, user_id)
        now = self._clock()
        until = now + KEEP_CHOICES[choice]
        after = {"lease_until": iso(until), "reason": reason}
        moved = self._store.move(
            proposal.id,
            ProposalState.PROPOSED,
            ProposalState.KEPT,
            self._entry(user_id, "idle.keep", proposal, now, after),
            decided_by=user_id,
            decided_at=now,
            lease_until=until,
            keep_reason=reason,
        )
        if moved is None:
            raise AlreadyDecidedError(what_happened(self.proposal(proposal_id)))
        self._rewrite(moved)
        return moved

    def start_again(self, proposal_id: str, user_id: str) -> Proposal:
        """Start a machine costbot stopped, once; audited like the stop."""
        proposal = self.proposal(proposal_id)
        self._check_may_decide(proposal, user_id)
        if proposal.state != ProposalState.STOPPED:
            raise AlreadyDecidedError(what_happened(proposal))
        if not proposal.dry_run and self._rules.dry_run:
            raise UserFacingError(
                "costbot is in dry run now (idle.dry_run), so it makes no cloud call: start "
                f"{proposal.instance.get('name') or proposal.instance_id} yourself, or ask "
                "whoever runs costbot to turn dry run off. Nothing was changed."
            )
        now = self._clock()
        starting = self._store.move(
            proposal.id,
            ProposalState.STOPPED,
            ProposalState.STARTING,
            self._entry(user_id, "idle.start_again", proposal, now, {}),
            started_by=user_id,
        )
        if starting is None:
            raise AlreadyDecidedError(what_happened(self.proposal(proposal_id)))
        controller = self._controllers.get(proposal.controller)
        if proposal.dry_run:
            return self._started(starting, user_id, "dry run: nothing was started")
        try:
            if controller is None:
                raise CloudActionError(
                    CloudErrorKind.OTHER, f"its controller {proposal.controller} is gone"
                )
            instance = controller.describe(proposal.instance_id)
            if instance is None:
                raise CloudActionError(
                    CloudErrorKind.NOT_FOUND, f"{proposal.instance_id} no longer exists"
                )
            result = controller.start(instance, proposal.undo)
        except Exception as error:
            text = (
                cloud_failure("start", error)
                if isinstance(error, CloudActionError)
                else (f"the start call failed: {error_text(error)}")
            )
            entry = self._entry(
                user_id, "idle.start_failed", starting, self._clock(), {"result": text}
            )
            moved = self._store.move(
                starting.id, ProposalState.STARTING, ProposalState.STOPPED, entry, result=text
            )
            final = moved or self.proposal(proposal_id)
            self._rewrite(final)
            raise UserFacingError(
                f"{proposal.instance.get('name') or proposal.instance_id} did not start: {text}"
            ) from None
        return self._started(starting, user_id, f"start requested; it is {result.state}")

    def _started(self, proposal: Proposal, user_id: str, result: str) -> Proposal:
        now = self._clock()
        moved = self._store.move(
            proposal.id,
            ProposalState.STARTING,
            ProposalState.STARTED,
            self._entry(user_id, "idle.started", proposal, now, {"result": result}),
            started_at=now,
            result=result,
        )
        final = moved or self.proposal(proposal.id)
        self._rewrite(final)
        return final

    def _decidable(self, proposal_id: str, user_id: str) -> Proposal:
        """The proposal, when the user may decide it and it still waits for a decision."""
        proposal = self.proposal(proposal_id)
        self._check_may_decide(proposal, user_id)
        now = self._clock()
        if proposal.state == ProposalState.PROPOSED and proposal.expires_at <= now:
            self._expire(proposal, now)
            raise AlreadyDecidedError(what_happened(self.proposal(proposal_id)))
        if proposal.state != ProposalState.PROPOSED:
            raise AlreadyDecidedError(what_happened(proposal))
        return proposal

    def _check_may_decide(self, proposal: Proposal, user_id: str) -> None:
        if not self._may_decide(proposal, user_id):
            raise NotAuthorisedError(refusal(self._view(proposal)))

    def _may_decide(self, proposal: Proposal, user_id: str) -> bool:
        approvers = self._rules.approvers_for(proposal.instance.get("team"))
        owner = proposal.instance.get("owner_user")
        if may_decide_stop(user_id, (), owner, approvers):  # the owner or a listed user
            return True
        wanted = [a for a in approvers if a.startswith("S")]
        if not wanted or self._groups is None:
            return False
        try:
            groups = self._groups.groups_of(user_id, wanted)
        except Exception as error:  # a free plan, a missing scope, Slack down: groups say no
            logger.warning("could not read user groups %s: %s", ", ".join(wanted), error)
            return False
        return may_decide_stop(user_id, groups, owner, approvers)

    # -- reading --------------------------------------------------------------------------

    def overview(self) -> IdleOverview:
        now = self._clock()
        last = self._store.last_scan()
        candidates = [ScanRow.from_json(row) for row in last[1]] if last else []
        open_ = self._store.proposals(
            [ProposalState.PROPOSED, ProposalState.APPROVED, ProposalState.STOPPING]
        )
        kept = [
            p
            for p in self._store.proposals([ProposalState.KEPT])
            if p.lease_until is not None and p.lease_until > now
        ]
        stopped = self._store.proposals([ProposalState.STOPPED, ProposalState.STARTING])
        return IdleOverview(
            last[0] if last else None, candidates, open_, kept, stopped, self._rules.dry_run
        )

    def savings(self, start: date, end: date) -> SavingsReport:
        """The savings ledger over [start, end): each real stop's hourly cost for every hour it
        stayed stopped in that span. Estimates, by currency. A stop in a value a shared-cost
        rule gives away carries how its saving is credited among the receivers."""
        since = datetime.combine(start, time(), UTC)
        until = min(datetime.combine(end, time(), UTC), self._clock())
        shares = self._shares.ledger() if self._shares is not None else None
        rows: list[SavingRow] = []
        totals: dict[str, Decimal] = {}
        for proposal in self._store.stops(since):
            if proposal.hourly_cost is None or proposal.stopped_at is None:
                continue
            if proposal.stopped_at >= until:
                continue
            saved = saved_between(
                proposal.hourly_cost, proposal.stopped_at, proposal.started_at, since, until
            )
            if saved <= 0 and proposal.started_at is not None:
                continue
            allocations = shares.allocations(proposal, saved, since, until) if shares else ()
            rows.append(SavingRow(proposal, saved, proposal.started_at is None, allocations))
            currency = proposal.currency or "USD"
            totals[currency] = totals.get(currency, Decimal(0)) + saved
        rows.sort(key=lambda row: (-row.saved, row.proposal.instance_id))
        return SavingsReport(start, end, rows, totals)

    def digest_part(
        self, start: date, end: date, dimension: str | None, value: str | None
    ) -> IdleDigest | None:
        """The digest's idle lines over [start, end) for one scope (None: nothing to say).

        A scope on a dimension a shared-cost rule splits among is credited its part of each
        shared machine's saving (what a receiver received, what the giver kept), as its cost
        counts there; on any other dimension, a saving is its machine's own value's."""

        def in_scope(proposal: Proposal) -> bool:
            if dimension is None or value is None:
                return True
            return str(proposal.instance.get(dimension) or "").lower() == value.lower()

        since = datetime.combine(start, time(), UTC)
        until = datetime.combine(end, time(), UTC)
        savings = self.savings(start, end)
        rows = [
            scoped
            for row in savings.rows
            if (scoped := _scoped(row, dimension, value, in_scope)) is not None
        ]
        totals: dict[str, Decimal] = {}
        for row in rows:
            currency = row.proposal.currency or "USD"
            totals[currency] = totals.get(currency, Decimal(0)) + row.saved
        kept = [
            p
            for p in self._store.proposals([ProposalState.KEPT], since=since - timedelta(weeks=1))
            if in_scope(p) and p.lease_until is not None and p.lease_until > since
            and (p.decided_at is None or p.decided_at < until)
        ]  # fmt: skip
        waiting = [p for p in self._store.proposals([ProposalState.PROPOSED]) if in_scope(p)]
        if not rows and not kept and not waiting:
            return None
        return IdleDigest(SavingsReport(start, end, rows, totals), kept, waiting)

    # -- messages -------------------------------------------------------------------------

    def _view(self, proposal: Proposal) -> ProposalView:
        approvers = self._rules.approvers_for(proposal.instance.get("team"))
        return ProposalView(
            proposal=proposal,
            owner_user=proposal.instance.get("owner_user"),
            approvers=tuple(sorted(approvers)),
            saving_per_day=daily_saving(proposal),
            ttl_hours=whole_hours(self._rules.ttl),
        )

    def _rewrite(self, proposal: Proposal) -> None:
        """The message, rewritten to say what the proposal is now (best effort: the store is
        the truth, and the next click or scan rewrites it again)."""
        if self._editor is None or not proposal.message_channel or not proposal.message_ts:
            return
        text, blocks = self._describe(self._view(proposal))
        try:
            self._editor.update(proposal.message_channel, proposal.message_ts, text, blocks)
        except Exception as error:  # the next scan rewrites it (it shows an older state)
            logger.warning("could not update the message of proposal %s: %s", proposal.id, error)
            return
        self._store.mark_shown(proposal.id, proposal.state)

    def _rewrite_behind(self, now: datetime) -> None:
        """Messages that show an older state than their proposal's (a failed chat.update, or
        a post that went out after the proposal moved on), rewritten."""
        for proposal in self._store.proposals(since=now - REWRITE_WITHIN):
            if proposal.message_ts and proposal.shown_state != proposal.state:
                self._rewrite(proposal)

    def _owner_user(self, owner: str | None) -> str | None:
        if not owner:
            return None
        text = owner.strip()
        mapped = self._rules.owners.get(text.lower())
        if mapped:
            return mapped
        # Allocation folds tag values to lower case; Slack's ids are upper case.
        bare = text.upper().removeprefix("<@").removesuffix(">")
        if _SLACK_USER.match(bare):
            return bare
        if self._owners is not None and "@" in text:
            try:
                return self._owners.user_for(text)
            except Exception:  # unknown owner: the approvers still decide
                logger.warning("could not look up owner %s in Slack", text)
        return None

    def _entry(
        self, actor: str, action: str, proposal: Proposal, at: datetime, after: dict[str, Any]
    ) -> AuditEntry:
        return AuditEntry(
            actor=actor,
            action=action,
            subject=audit_subject(proposal.controller, proposal.instance_id),
            at=at,
            before={"proposal": proposal.id, "state": str(proposal.state)},
            after={"proposal": proposal.id, **after},
        )


def _scoped(
    row: SavingRow,
    dimension: str | None,
    value: str | None,
    in_scope: Callable[[Proposal], bool],
) -> SavingRow | None:
    """The row as a digest of one scope counts it: whole, its part of a shared saving, or
    not at all."""
    allocation = row.allocation(dimension) if dimension and value else None
    if allocation is None or value is None:
        return row if in_scope(row.proposal) else None
    part = allocation.credited(value)
    if part is None or (part == 0 and row.saved != 0):
        return None
    return replace(row, saved=part, whole=row.saved, credited_by=allocation, scope_value=value)
