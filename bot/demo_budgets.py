"""The demo's budgets, sized from the demo's own cost so that each kind of alert shows once.

The demo runs on today's date, so a fixed amount would be over on one day and idle on another.
These amounts are chosen when the demo starts, from what its store holds:
- `fraud-detection` has crossed 50% of its budget and is projected to stay under it (a
  threshold alert, nothing more);
- `llm-chat` is under its first threshold but projected past its budget (a forecast alert).
The period is the shortest (month, quarter, year) with a week of complete days, so there is
enough history for a forecast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_UP, Decimal

from bot.domain.budgets import BudgetPeriod, BudgetScope
from bot.domain.forecast import project_period_spend
from bot.services.spend import SpendReader

THRESHOLD_PROJECT = "fraud-detection"
FORECAST_PROJECT = "llm-chat"
MIN_COMPLETE_DAYS = 7
RECENT_DAYS = 14


@dataclass(frozen=True)
class DemoBudget:
    project: str
    amount: Decimal
    period: BudgetPeriod
    thresholds: tuple[int, ...]


def demo_budgets(
    spend: SpendReader, today: date, complete_through: date | None
) -> list[DemoBudget]:
    """A threshold budget and a forecast budget for today's demo data (none if too little)."""
    if complete_through is None:
        return []
    period = _period(today, complete_through)
    if period is None:
        return []
    start, end = period.period_containing(today)
    seen = spend.read(["project"], start - timedelta(days=RECENT_DAYS), complete_through)
    chosen = []
    for project, pick in ((THRESHOLD_PROJECT, _threshold), (FORECAST_PROJECT, _forecast)):
        daily = seen.series(BudgetScope("project", project), "USD")
        projection = project_period_spend(daily, start, end, complete_through, min_days=1)
        if projection is None or projection.spent <= 0:
            continue
        picked = pick(projection.spent, projection.high, projection.low)
        if picked is not None:
            amount, thresholds = picked
            chosen.append(DemoBudget(project, _round_up(amount), period, thresholds))
    return chosen


def _period(today: date, complete_through: date) -> BudgetPeriod | None:
    """The shortest period kind whose current period has a week of complete days."""
    for period in BudgetPeriod:
        start, end = period.period_containing(today)
        if (complete_through - start).days + 1 >= MIN_COMPLETE_DAYS and end > today:
            return period
    return None


def _threshold(spent: Decimal, high: Decimal, low: Decimal) -> tuple[Decimal, tuple[int, ...]]:
    """Spent is 60% of the amount (past 50%, under 80%), and even the high projection is under
    it when the period is far enough along; else a lower first threshold."""
    for first in (50, 25, 10):
        amount = max(spent * 100 / (first + 10), high * Decimal("1.05"))
        if spent * 100 >= amount * first:
            return amount, (first, 80, 100)
    return high * Decimal("1.05"), (1, 80, 100)


def _forecast(
    spent: Decimal, high: Decimal, low: Decimal
) -> tuple[Decimal, tuple[int, ...]] | None:
    """Under the first threshold now, but even the low projection ends past the amount."""
    amount = (spent + low) / 2
    if amount <= spent:
        return None  # the period is all but over: nothing left to forecast
    first = int(spent * 100 / amount) + 1
    return amount, (min(first + 5, 99), 100)


def _round_up(amount: Decimal) -> Decimal:
    """Amounts a person would set: whole tens."""
    return (amount / 10).quantize(Decimal(1), rounding=ROUND_UP) * 10
