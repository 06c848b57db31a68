"""What an alert says, as data: the Slack layer turns each into a message (text and blocks).

Each alert is a finding of one rule (threshold, forecast, anomaly) or a channel's summary, with
everything its message explains: what happened, how much, against what, and why costbot thinks
so. Routing adds where it goes, who is mentioned and, when the bot could not post in the
scope's own channel, a note saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.domain.anomaly import Driver
from bot.domain.budgets import Budget
from bot.domain.forecast import Projection
from bot.domain.reports import SharedShare


@dataclass(frozen=True)
class Delivery:
    """Where an alert goes and who hears it."""

    channel: str
    mentions: tuple[str, ...] = ()  # Slack user (U..., W...) and user-group (S...) ids
    # Set when the scope's own channel could not be used: why it came here instead.
    rerouted_from: str | None = None


@dataclass(frozen=True)
class ThresholdFacts:
    key: str
    budget: Budget
    period_start: date
    period_end: date
    threshold: int  # the highest threshold newly reached
    covered: tuple[int, ...]  # lower thresholds reached with it (count as told)
    spent: Decimal
    percent_used: Decimal
    percent_elapsed: Decimal
    projected: Decimal | None
    shared: Decimal = Decimal(0)  # shared cost received that `spent` includes


@dataclass(frozen=True)
class ForecastFacts:
    key: str
    budget: Budget
    period_start: date
    period_end: date
    projection: Projection
    previous_projection: Decimal | None  # the last alerted one this period, if any
    step_percent: Decimal
    shared: Decimal = Decimal(0)  # shared cost received in the spend so far it projects from


@dataclass(frozen=True)
class AnomalyFacts:
    key: str
    dimension: str  # project, team, service
    value: str
    currency: str
    day: date  # the judged day
    cost: Decimal  # the day's cost without one-time charges
    expected: Decimal
    spread: Decimal  # the scaled MAD (floored) the excess is measured in
    impact: Decimal  # cost - expected
    baseline_days: int  # same-kind days the baseline is the median of
    window_days: int  # the configured window they come from
    weekend: bool  # the day (and its baseline) are weekend days
    sensitivity: Decimal
    min_impact: Decimal
    excluded: Decimal  # one-time charges of the day left out
    services: tuple[Driver, ...] = ()
    resources: tuple[Driver, ...] = ()
    # Shared cost the day's cost includes (received), per rule, origin and method, largest
    # first; and the median received over the baseline days (None: nothing received today).
    shared_in: tuple[SharedShare, ...] = ()
    shared_usual: Decimal | None = None
    # Cost billed to the scope that day that rules shared among others (positive; not in `cost`).
    shared_out: tuple[SharedShare, ...] = ()

    @property
    def scope_key(self) -> str:
        return f"{self.dimension}={self.value}"

    @property
    def shared(self) -> Decimal:
        """The shared cost received that `cost` includes."""
        return sum((part.cost for part in self.shared_in), Decimal(0))


@dataclass(frozen=True)
class SummaryLine:
    kind: str
    scope: str
    headline: str


@dataclass(frozen=True)
class SummaryFacts:
    key: str
    channel: str
    lines: tuple[SummaryLine, ...]


AlertFacts = ThresholdFacts | ForecastFacts | AnomalyFacts | SummaryFacts


@dataclass(frozen=True)
class AlertMessage:
    """One alert as the describer gets it: its facts and its delivery."""

    facts: AlertFacts
    delivery: Delivery
    detail: dict[str, Any] = field(default_factory=dict)


# (message) -> (fallback text, Block Kit JSON); the Slack layer provides it.
AlertDescriber = Callable[[AlertMessage], tuple[str, list[dict[str, Any]]]]


def headline(facts: AlertFacts) -> str:
    """One line naming the alert, for a summary and logs (plain text, no currency formatting)."""
    if isinstance(facts, ThresholdFacts):
        return (
            f"{facts.budget.scope} reached {facts.threshold}% of its {facts.budget.period} budget"
        )
    if isinstance(facts, ForecastFacts):
        return (
            f"{facts.budget.scope} is projected at {facts.projection.projected:,.2f} "
            f"{facts.budget.currency} against {facts.budget.amount:,.2f}"
        )
    if isinstance(facts, AnomalyFacts):
        return (
            f"{facts.dimension} {facts.value} cost {facts.impact:,.2f} {facts.currency} above "
            f"its usual on {facts.day.isoformat()}"
        )
    return f"{len(facts.lines)} more alerts"
