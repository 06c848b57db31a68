"""One scan of the fleets: which running machines are provably idle, and which of them to
propose for a stop now.

A machine is proposed once per *idle episode*: the episode's key is the machine and the last
time a scan saw it busy, so costbot restarting, a second replica or a retried scan finds the
key taken, and a machine that was busy in between, or was started again since (its launch
time moved on), is a new episode. A machine with an open proposal, or kept under a lease, is
not proposed again; once a lease ends and the machine is still idle it is proposed again, once
(the key names the lease).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from bot.domain.allocation import AllocationRules
from bot.domain.idle.policy import (
    IdlePolicy,
    IdleVerdict,
    Utilisation,
    judge_idle,
    matching_exclusion,
)
from bot.domain.idle.proposals import OPEN_STATES, ProposalState
from bot.domain.idle.windows import ExclusionWindow, covering_window
from bot.services.idle_ports import (
    RUNNING,
    CloudInstance,
    Controller,
    IdleStore,
    Price,
    PriceBook,
    Proposal,
)

logger = logging.getLogger("costbot.idle")


@dataclass(frozen=True)
class IdleRules:
    """The `idle:` config as the service uses it (built by the composition root)."""

    policy: IdlePolicy = field(default_factory=IdlePolicy)
    dry_run: bool = True
    ttl: timedelta = timedelta(hours=24)
    exclude_tags: tuple[str, ...] = ("costbot:keep=true", "do-not-stop")
    windows: tuple[ExclusionWindow, ...] = ()
    # Team (or None) -> the user and user-group ids who may decide besides the owner.
    approvers_for: Callable[[str | None], frozenset[str]] = lambda team: frozenset()
    owners: Mapping[str, str] = field(default_factory=dict)  # folded owner tag -> user id


@dataclass(frozen=True)
class Sighting:
    """A machine a scan judged, with everything a proposal or a re-check needs."""

    controller: Controller
    instance: CloudInstance
    verdict: IdleVerdict
    dimensions: Mapping[str, str | None]
    price: Price | None
    excluded: str | None  # why it is left alone (a tag, a window, its state), or None

    @property
    def machine(self) -> str:
        return machine_key(self.controller.name, self.instance.instance_id)


def machine_key(controller: str, instance_id: str) -> str:
    return f"{controller}/{instance_id}"


class Judge:
    """Reads a fleet and judges each machine by the policy and the exclusions."""

    def __init__(
        self,
        rules: IdleRules,
        allocation: AllocationRules,
        prices: PriceBook,
        clock: Callable[[], datetime],
    ) -> None:
        self._rules = rules
        self._allocation = allocation
        self._prices = prices
        self._clock = clock

    def sightings(self, controller: Controller) -> tuple[list[CloudInstance], list[Sighting]]:
        """The fleet's machines, and each running one judged (raises CloudActionError)."""
        inventory = controller.inventory()
        running = [i for i in inventory if i.state == RUNNING]
        if not running:
            return inventory, []
        now = self._clock()
        start = now - timedelta(minutes=self._rules.policy.minutes)
        metrics = controller.utilisation(running, start, now)
        return inventory, [
            self._judge(controller, i, metrics.get(i.instance_id), now) for i in running
        ]

    def again(self, controller: Controller, instance_id: str) -> Sighting | None:
        """The machine judged afresh (the check just before a stop); None when it is gone."""
        instance = controller.describe(instance_id)
        if instance is None:
            return None
        now = self._clock()
        start = now - timedelta(minutes=self._rules.policy.minutes)
        if instance.state != RUNNING:
            return self._judge(controller, instance, None, now)
        metrics = controller.utilisation([instance], start, now)
        return self._judge(controller, instance, metrics.get(instance.instance_id), now)

    def _judge(
        self,
        controller: Controller,
        instance: CloudInstance,
        utilisation: Utilisation | None,
        now: datetime,
    ) -> Sighting:
        verdict = judge_idle(
            utilisation or Utilisation(period_seconds=300),
            self._rules.policy,
            now,
            has_gpus=instance.gpus > 0,
        )
        dimensions = self._allocation.allocate_tags(instance.tags)
        excluded = None
        if instance.state != RUNNING:
            excluded = f"it is {instance.state}, not running"
        elif rule := matching_exclusion(instance.tags, self._rules.exclude_tags):
            excluded = f"it is tagged {rule}"
        elif window := covering_window(now, self._rules.windows):
            excluded = f"machines are left alone {window.describe()}"
        try:
            price = self._prices.price(controller.name, instance)
        except Exception:  # a price is nice to have; the proposal says it is unknown
            logger.exception("could not price %s", instance.instance_id)
            price = None
        return Sighting(controller, instance, verdict, dimensions, price, excluded)


def open_by_machine(store: IdleStore, now: datetime) -> dict[str, Proposal]:
    """The proposal that speaks for each machine now: open, or kept under a running lease."""
    found: dict[str, Proposal] = {}
    for proposal in store.proposals([*OPEN_STATES, ProposalState.KEPT]):
        if proposal.state == ProposalState.KEPT and (proposal.lease_until or now) <= now:
            continue
        if proposal.state == ProposalState.STOPPED and proposal.dry_run:
            continue  # a dry run stopped nothing: the machine runs, the spell's key stays taken
        found[machine_key(proposal.controller, proposal.instance_id)] = proposal
    return found


def verdict_json(verdict: IdleVerdict) -> dict[str, object]:
    return {
        "idle_minutes": verdict.idle_minutes,
        "cpu_max": _text(verdict.cpu_max),
        "gpu_max": _text(verdict.gpu_max),
        "network_max": _text(verdict.network_max),
        "since": verdict.since.isoformat() if verdict.since else None,
        "reason": verdict.reason,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")
