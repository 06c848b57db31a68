"""Anomaly alerts: each complete day since the last judged, per project, team and service.

Per dimension the ledger's evaluation state keeps the last day judged (the cursor) and the open
episodes, so a step change is told once and a day is never judged twice. One grouped query per
dimension reads the series (from the daily rollups); one-time charges (FOCUS ChargeCategory
Purchase or Tax: fees Cost Explorer books on one day) are read for the judged days and left out.
The drivers of an alert, and the shared cost its day's cost includes, are read only for the
few scopes that alert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.domain.anomaly import (
    AnomalySettings,
    Episode,
    Judgement,
    alert_key,
    baseline_breakdown,
    baseline_window,
    days_to_judge,
    drivers,
    is_weekend,
    judge_day,
)
from bot.domain.budgets import Budget
from bot.domain.cost_rows import dimension_field
from bot.domain.money import ZERO
from bot.domain.reports import SharedShare
from bot.domain.shared.rules import RECEIVING_DIMENSIONS
from bot.domain.shared.split import Role
from bot.services.alert_facts import AnomalyFacts
from bot.services.alert_ports import AlertKind
from bot.services.alert_rules import Finding
from bot.services.ports import CostFilter, CostStore
from bot.services.shared_views import shares_of

# Charge categories of one-time charges: never an anomaly, never part of a day judged.
ONE_TIME_CATEGORIES = frozenset({"purchase", "tax"})
FIRST_LOOKBACK_DAYS = 3
TOP_DRIVERS = 5
_DAY = timedelta(days=1)

Series = dict[date, Decimal]


@dataclass(frozen=True)
class AnomalyOutcome:
    findings: list[Finding]
    state: dict[str, Any | None] = field(default_factory=dict)  # evaluation state to write


def cursor_name(dimension: str) -> str:
    return f"anomaly:{dimension}:judged_through"


def episodes_name(dimension: str) -> str:
    return f"anomaly:{dimension}:episodes"


class AnomalyRule:
    def __init__(
        self,
        store: CostStore,
        basis: str,
        settings: AnomalySettings,
        dimensions: Sequence[str],
        *,
        default_currency: str,
    ) -> None:
        self._store = store
        self._basis = basis
        self._settings = settings
        self._dimensions = tuple(dimensions)
        self._currency = default_currency

    def evaluate(
        self,
        complete_through: date | None,
        state: Mapping[str, Any],
        budget_of: Callable[[str], Budget | None],
    ) -> AnomalyOutcome:
        """Judge the new complete days of every configured dimension."""
        outcome = AnomalyOutcome([])
        if complete_through is None:
            return outcome
        for dimension in self._dimensions:
            self._dimension(dimension, complete_through, state, budget_of, outcome)
        self._overlaps: dict[tuple[date, str, str], dict[tuple, Decimal]] = {}
        outcome.findings[:] = one_alert_per_event(outcome.findings, self._overlap)
        return outcome

    def _overlap(self, earlier: Finding, later: Finding) -> Decimal:
        """The cost on their day that lies in both scopes (a project inside a team): one grouped
        query per day and pair of dimensions, however many findings are compared."""
        pair = (later.day, earlier.dimension, later.dimension)
        if pair not in self._overlaps:
            fields = (dimension_field(earlier.dimension), dimension_field(later.dimension))
            rows = self._store.sum_cost(later.day, later.day, self._basis, group_by=fields)
            self._overlaps[pair] = {(a, b, currency): cost for a, b, currency, cost in rows}
        return self._overlaps[pair].get(
            (earlier.value, later.value, later.facts.currency), Decimal(0)
        )

    def _dimension(
        self,
        dimension: str,
        through: date,
        state: Mapping[str, Any],
        budget_of: Callable[[str], Budget | None],
        outcome: AnomalyOutcome,
    ) -> None:
        cursor = state.get(cursor_name(dimension))
        last = date.fromisoformat(cursor) if isinstance(cursor, str) else None
        days = days_to_judge(last, through, FIRST_LOOKBACK_DAYS)
        if not days:
            return
        episodes = _read_episodes(state.get(episodes_name(dimension)))
        earliest = min([days[0], *(e.started for e in episodes.values())])
        start = earliest - self._settings.baseline_days * _DAY
        series = self._series(dimension, start, through)
        fees = self._fees(dimension, days[0], days[-1])
        still_open: dict[str, Episode] = {}
        for series_id in sorted(set(series) | set(episodes)):
            currency, value = series_id.split(":", 1)
            open_episode = episodes.get(series_id)
            for day in days:
                if open_episode is not None and day <= open_episode.last_day:
                    continue
                judgement = judge_day(
                    series.get(series_id, {}),
                    day,
                    self._settings,
                    open_episode=open_episode,
                    excluded=fees.get(series_id),
                )
                open_episode = judgement.episode
                if judgement.alert:
                    outcome.findings.append(
                        self._finding(dimension, value, currency, judgement, budget_of)
                    )
            if open_episode is not None:
                still_open[series_id] = open_episode
        outcome.state[cursor_name(dimension)] = days[-1].isoformat()
        outcome.state[episodes_name(dimension)] = _write_episodes(still_open) or None

    def _series(self, dimension: str, start: date, end: date) -> dict[str, Series]:
        rows = self._store.sum_cost(
            start, end, self._basis, group_by=("day", dimension_field(dimension))
        )
        series: dict[str, Series] = defaultdict(dict)
        for day, value, currency, cost in rows:
            if isinstance(value, str) and value:
                series[f"{currency}:{value}"][day] = cost
        return series

    def _fees(self, dimension: str, start: date, end: date) -> dict[str, Series]:
        rows = self._store.sum_cost(
            start, end, self._basis, group_by=("day", dimension_field(dimension), "charge_category")
        )
        fees: dict[str, Series] = defaultdict(lambda: defaultdict(Decimal))
        for day, value, category, currency, cost in rows:
            if isinstance(value, str) and (category or "").lower() in ONE_TIME_CATEGORIES:
                fees[f"{currency}:{value}"][day] += cost
        return fees

    def _finding(
        self,
        dimension: str,
        value: str,
        currency: str,
        judgement: Judgement,
        budget_of: Callable[[str], Budget | None],
    ) -> Finding:
        assert judgement.episode is not None and judgement.reference is not None
        day = judgement.day
        key = alert_key(dimension, value, judgement.episode)
        if currency != self._currency:
            key = f"{key}:{currency}"  # currencies are judged apart, each its own episode
        services, resources = self._drivers(dimension, value, currency, day)
        window = baseline_window(day, self._settings)
        shared_in, shared_out = self._shared_parts(dimension, value, currency, day)
        usual = self._usual_shared(dimension, value, currency, window) if shared_in else None
        facts = AnomalyFacts(
            key=key,
            dimension=dimension,
            value=value,
            currency=currency,
            day=day,
            cost=judgement.cost,
            expected=judgement.reference.expected,
            spread=judgement.reference.spread,
            impact=judgement.impact or Decimal(0),
            baseline_days=len(window),
            window_days=self._settings.baseline_days,
            weekend=is_weekend(day),
            sensitivity=self._settings.sensitivity,
            min_impact=self._settings.min_impact,
            excluded=judgement.excluded,
            services=tuple(services),
            resources=tuple(resources),
            shared_in=shared_in,
            shared_usual=usual,
            shared_out=shared_out,
        )
        scope = f"{dimension}={value}"
        detail = {
            "dimension": dimension,
            "value": value,
            "currency": currency,
            "cost": str(judgement.cost),
            "expected": str(judgement.reference.expected),
            "impact": str(facts.impact),
            "shared": str(facts.shared),
        }
        if usual is not None:
            detail["shared_usual"] = str(usual)
        return Finding(
            kind=AlertKind.ANOMALY,
            key=key,
            scope=scope,
            dimension=dimension,
            value=value,
            day=day,
            detail=detail,
            facts=facts,
            budget=budget_of(scope),
        )

    def _shared_parts(
        self, dimension: str, value: str, currency: str, day: date
    ) -> tuple[tuple[SharedShare, ...], tuple[SharedShare, ...]]:
        """What the scope received (IN) and gave away (OUT) under the shared-cost rules on the
        day, in one read; nothing for a dimension that never receives (service, account)."""
        if dimension not in RECEIVING_DIMENSIONS:
            return (), ()
        parts = self._store.shared_parts(day, day, self._basis, dimension, value)
        return shares_of(parts, currency, Role.IN), shares_of(parts, currency, Role.OUT)

    def _usual_shared(
        self, dimension: str, value: str, currency: str, window: Sequence[date]
    ) -> Decimal:
        """The median shared cost the scope received on the baseline days (a day without any
        counts as zero), so a message can tell a spike a shared pool brought from the usual."""
        rows = self._store.shared_received_daily(
            window[0], window[-1], self._basis, dimension, value
        )
        received: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for day, _value, row_currency, cost in rows:
            received[day][row_currency] += cost
        return baseline_breakdown(received, window).get(currency, ZERO)

    def _drivers(self, dimension: str, value: str, currency: str, day: date):
        """Services and resources of the scope that rose most against their own baselines."""
        window = baseline_window(day, self._settings)
        where = CostFilter(dimension, value)
        found = []
        for fields in (("service_name",), ("resource_id", "resource_name")):
            if fields[0] == dimension_field(dimension):
                found.append([])
                continue
            rows = self._store.sum_cost(
                window[0], day, self._basis, where=where, group_by=("day", *fields)
            )
            breakdowns: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
            for row_day, *names, row_currency, cost in rows:
                name = _driver_name(*names)
                if row_currency == currency and name:
                    breakdowns[row_day][name] += cost
            base = baseline_breakdown(breakdowns, window)
            found.append(drivers(breakdowns.get(day, {}), base, top=TOP_DRIVERS))
        return found[0], found[1]


def _driver_name(resource_or_service: object, resource_name: object = None) -> str:
    """A resource by the name people know it by, with the end of its id to tell it apart."""
    if not isinstance(resource_or_service, str) or not resource_or_service:
        return ""
    if isinstance(resource_name, str) and resource_name and resource_name != resource_or_service:
        short = resource_or_service.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        return f"{resource_name} ({short})"
    return resource_or_service


# A rise seen again through a broader dimension is the same event when a finding of an earlier
# dimension (project before team before service) on the same day explains this share of it.
SAME_EVENT_SHARE = Decimal("0.5")


def one_alert_per_event(
    findings: Sequence[Finding], overlap: Callable[[Finding, Finding], Decimal]
) -> list[Finding]:
    """Keep the first dimension's finding of each event: a stalled job in one project shows up
    as its project's, its team's and EC2's anomaly at once, and one message is enough.

    A later finding is the same event only when an earlier one on its day rose by at least half
    as much AND the two scopes share at least that much cost that day (the project lies inside
    the team, the job runs on that service); an unrelated rise on the same day is its own alert.
    """
    kept: list[Finding] = []
    for finding in findings:
        facts = finding.facts
        enough = facts.impact * SAME_EVENT_SHARE
        same = any(
            earlier.day == finding.day
            and earlier.dimension != finding.dimension
            and earlier.facts.currency == facts.currency
            and earlier.facts.impact >= enough
            and overlap(earlier, finding) >= enough
            for earlier in kept
        )
        if not same:
            kept.append(finding)
    return kept


def _read_episodes(raw: Any) -> dict[str, Episode]:
    if not isinstance(raw, dict):
        return {}
    return {
        series_id: Episode(
            started=date.fromisoformat(item["started"]),
            last_day=date.fromisoformat(item["last_day"]),
            baseline=Decimal(str(item["baseline"])),
        )
        for series_id, item in raw.items()
    }


def _write_episodes(episodes: Mapping[str, Episode]) -> dict[str, dict[str, str]]:
    return {
        series_id: {
            "started": e.started.isoformat(),
            "last_day": e.last_day.isoformat(),
            "baseline": str(e.baseline),
        }
        for series_id, e in episodes.items()
    }
