"""Budget threshold alerts as a state machine: one alert per level reached per period.

The remembered state is the highest threshold already reached in the current period. An alert
fires only when spend reaches a higher threshold than that, so the rule depends on state, not on
when something was sent: a restart, a second evaluator or a re-ingest that lowers spend and then
raises it again finds the level already reached and stays silent. A new period starts from no
level. When spend jumps past several thresholds between two evaluations, one event names the
highest; the lower ones are recorded as reached with it and never sent on their own.

Floor: while spend is under the budget's floor there is no event AND the level is not advanced.
The floor keeps small absolute amounts quiet; it must not swallow the alert. When spend later
reaches the floor, the event names the highest threshold reached by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.domain.budgets import Budget, BudgetPeriod, reaches


@dataclass(frozen=True)
class ReachedLevel:
    """The highest threshold (percent) a budget reached in one period; what the store keeps."""

    period: BudgetPeriod
    period_start: date
    threshold: int


@dataclass(frozen=True)
class ThresholdEvent:
    """Spend reached `threshold`% of the budget, the highest of the newly reached thresholds."""

    budget: Budget
    period_start: date
    threshold: int
    # Every threshold reached since the previous level, highest last; the event covers them all.
    reached: tuple[int, ...]
    spent: Decimal

    @property
    def key(self) -> str:
        """The alert's claim key; the same budget, period and threshold always give the same key."""
        return threshold_alert_key(self.budget, self.period_start, self.threshold)

    @property
    def covered_keys(self) -> tuple[str, ...]:
        """Keys of all thresholds this one event stands for (lower ones count as sent)."""
        return tuple(
            threshold_alert_key(self.budget, self.period_start, threshold)
            for threshold in self.reached
        )

    @property
    def level(self) -> ReachedLevel:
        """The state to remember once this event is claimed."""
        return ReachedLevel(self.budget.period, self.period_start, self.threshold)


def threshold_alert_key(budget: Budget, period_start: date, threshold: int) -> str:
    """`budget:<scope>:<period kind>:<period start>:threshold:<N>`.

    Everything after the scope is free of `:` and of fixed shape, so the key reads back from the
    right and two different budgets, periods or thresholds never share one.
    """
    return (
        f"budget:{budget.scope.key()}:{budget.period.value}:{period_start.isoformat()}"
        f":threshold:{threshold}"
    )


def crossed(
    budget: Budget,
    period_start: date,
    previous_level: ReachedLevel | None,
    spent: Decimal,
) -> ThresholdEvent | None:
    """The alert due now for `spent` in the period starting `period_start`, or None.

    `previous_level` is the level remembered for this budget (None when there is none); a level
    from another period, or from another period kind, counts as nothing reached.
    """
    reached = _newly_reached(budget, period_start, previous_level, spent)
    if not reached or below_floor(budget, spent):
        return None
    return ThresholdEvent(budget, period_start, reached[-1], reached, spent)


def withheld_by_floor(
    budget: Budget,
    period_start: date,
    previous_level: ReachedLevel | None,
    spent: Decimal,
) -> int | None:
    """The threshold that would alert now but for the floor, so callers can report `below_floor`."""
    reached = _newly_reached(budget, period_start, previous_level, spent)
    if reached and below_floor(budget, spent):
        return reached[-1]
    return None


def below_floor(budget: Budget, spent: Decimal) -> bool:
    """True while spend is under the budget's floor (spend equal to the floor alerts)."""
    return budget.floor is not None and spent < budget.floor


def _newly_reached(
    budget: Budget,
    period_start: date,
    previous_level: ReachedLevel | None,
    spent: Decimal,
) -> tuple[int, ...]:
    """Thresholds `spent` reaches that lie above the level already reached in this period."""
    start, _ = budget.period_containing(period_start)
    if start != period_start:
        raise ValueError(
            f"{period_start} is not the start of a {budget.period.value} period (that is {start})"
        )
    floor_level = 0
    if (
        previous_level is not None
        and previous_level.period is budget.period
        and previous_level.period_start == period_start
    ):
        floor_level = previous_level.threshold
    return tuple(
        threshold
        for threshold in budget.thresholds
        if threshold > floor_level and reaches(budget, spent, threshold)
    )
