"""Turn findings into claims: routed, mentioned, snoozed or capped per channel and summarised.

At most `max_per_channel` alerts of one evaluation are posted to a channel one by one; the rest
are claimed SUMMARISED and told in one summary message. The summary's key is made of the keys
it tells, so two evaluators that found the same alerts claim the same summary, once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.services.alert_facts import (
    AlertDescriber,
    AlertMessage,
    Delivery,
    SummaryFacts,
    SummaryLine,
    headline,
)
from bot.services.alert_ports import AlertClaim, AlertKind, AlertState
from bot.services.alert_routing import AlertRouter, Route, logger
from bot.services.alert_rules import Finding
from bot.services.snapshot_state import OutboxItem


class Status:
    """What `evaluate` reports of each alert (the JSON of `costbot alerts evaluate`)."""

    POSTED = "posted"
    PENDING = "pending"
    ALREADY_SENT = "already_sent"
    SNOOZED = "snoozed"
    BELOW_FLOOR = "below_floor"
    DRY_RUN = "dry_run"


@dataclass(frozen=True)
class ReportedAlert:
    kind: str
    scope: str
    key: str
    channel: str | None
    status: str
    # The summary message that tells this alert (its status follows that message).
    summary: str | None = None

    def json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "scope": self.scope,
            "key": self.key,
            "channel": self.channel,
            "status": self.status,
        }


@dataclass(frozen=True)
class Planned:
    """One claim to make and how it is reported when this evaluation gets it."""

    claim: AlertClaim
    reported: ReportedAlert | None  # None: a covered lower threshold, not reported on its own


def plan_claims(
    findings: Sequence[Finding],
    router: AlertRouter,
    describe: AlertDescriber,
    snoozes: Mapping[str, datetime],
    max_per_channel: int,
) -> tuple[list[Planned], list[ReportedAlert]]:
    """The claims to commit, and what is reported without a claim (below the floor)."""
    planned: list[Planned] = []
    unclaimed: list[ReportedAlert] = []
    by_channel: dict[str, list[tuple[Finding, Route]]] = defaultdict(list)
    # Tag values are stored lower-cased; a budget may spell its scope `project=Fraud`.
    snoozed = {scope.lower() for scope in snoozes}
    for finding in findings:
        route = router.route(finding)
        if route is None:
            logger.warning("alert %s has no channel: set channels.default", finding.key)
            continue
        if finding.below_floor:
            unclaimed.append(_reported(finding, route.channel, Status.BELOW_FLOOR))
        elif finding.scope.lower() in snoozed and finding.kind is not AlertKind.ANOMALY:
            # Not claimed: the threshold or forecast is still due when the snooze ends, so a
            # budget that went over meanwhile is told then, not swallowed by the snooze.
            unclaimed.append(_reported(finding, route.channel, Status.SNOOZED))
        elif finding.scope.lower() in snoozed:
            # An anomaly is about its day: recorded as snoozed, its episode is not told later.
            planned.append(_claim(finding, route, AlertState.SNOOZED, Status.SNOOZED))
        else:
            by_channel[route.channel].append((finding, route))
    for channel, routed in by_channel.items():
        for finding, route in routed[:max_per_channel]:
            message = _message(finding, route, describe)
            planned.append(_claim(finding, route, AlertState.PENDING, Status.PENDING, message))
            planned.extend(_covered(finding, route))
        if len(routed) > max_per_channel:
            planned.extend(_summary(channel, routed[max_per_channel:], describe))
    return planned, unclaimed


def _message(finding: Finding, route: Route, describe: AlertDescriber) -> OutboxItem:
    assert finding.facts is not None
    mentions = finding.budget.mentions if finding.budget else ()
    delivery = Delivery(route.channel, tuple(mentions), route.rerouted_from)
    text, blocks = describe(AlertMessage(finding.facts, delivery, dict(finding.detail)))
    return OutboxItem(
        key=f"alert:{finding.key}",
        channel=route.channel,
        text=text,
        blocks=blocks,
        fallback_channel=route.fallback_channel,
    )


def _claim(
    finding: Finding,
    route: Route,
    state: AlertState,
    status: str,
    message: OutboxItem | None = None,
    summary: str | None = None,
) -> Planned:
    claim = AlertClaim(
        key=finding.key,
        kind=finding.kind,
        scope=finding.scope,
        state=state,
        channel=route.channel,
        day=finding.day,
        detail=finding.detail,
        message=message,
    )
    return Planned(claim, _reported(finding, route.channel, status, summary))


def _covered(finding: Finding, route: Route) -> list[Planned]:
    return [
        Planned(
            AlertClaim(
                key=key,
                kind=finding.kind,
                scope=finding.scope,
                state=AlertState.COVERED,
                channel=route.channel,
                day=finding.day,
                detail=detail,
            ),
            None,
        )
        for key, detail in finding.covered
    ]


def _summary(
    channel: str, rest: list[tuple[Finding, Route]], describe: AlertDescriber
) -> list[Planned]:
    keys = sorted(finding.key for finding, _ in rest)
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    key = f"summary:{channel}:{digest}"
    lines = tuple(
        SummaryLine(finding.kind.value, finding.scope, headline(finding.facts))
        for finding, _ in rest
        if finding.facts is not None
    )
    facts = SummaryFacts(key, channel, lines)
    mentions = tuple(dict.fromkeys(m for f, _ in rest if f.budget for m in f.budget.mentions))
    text, blocks = describe(AlertMessage(facts, Delivery(channel, mentions)))
    fallback = next((route.fallback_channel for _, route in rest if route.fallback_channel), None)
    message = OutboxItem(f"alert:{key}", channel, text, blocks, fallback_channel=fallback)
    summary = AlertClaim(
        key=key,
        kind=AlertKind.SUMMARY,
        scope="all",
        state=AlertState.PENDING,
        channel=channel,
        day=min(finding.day for finding, _ in rest),
        detail={"alerts": keys},
        message=message,
    )
    planned = [Planned(summary, ReportedAlert("summary", "all", key, channel, Status.PENDING))]
    for finding, route in rest:
        planned.append(_claim(finding, route, AlertState.SUMMARISED, Status.PENDING, None, key))
        planned.extend(_covered(finding, route))
    return planned


def _reported(
    finding: Finding, channel: str | None, status: str, summary: str | None = None
) -> ReportedAlert:
    return ReportedAlert(finding.kind.value, finding.scope, finding.key, channel, status, summary)
