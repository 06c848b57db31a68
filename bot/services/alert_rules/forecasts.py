"""Forecast alerts: the projected end-of-period spend is over the budget (and rose a step)."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.budgets import reaches
from bot.domain.forecast import forecast_should_alert
from bot.services.alert_facts import ForecastFacts
from bot.services.alert_ports import AlertKind
from bot.services.alert_rules import Finding
from bot.services.alert_rules.history import BudgetHistory, budget_period_id
from bot.services.budgets import BudgetLine


def forecast_alert_key(period_id: str, number: int) -> str:
    """`budget:<scope>:<period>:<start>:forecast:<n>`: the n-th forecast alert of the period.

    Two evaluators that see the same history compute the same n, so only one claims it.
    """
    return f"budget:{period_id}:forecast:{number}"


def forecast_findings(
    lines: list[BudgetLine], history: BudgetHistory, *, step_percent: Decimal, min_days: int
) -> list[Finding]:
    findings = []
    for line in lines:
        finding = _finding(line, history, step_percent, min_days)
        if finding is not None:
            findings.append(finding)
    return findings


def _finding(
    line: BudgetLine, history: BudgetHistory, step_percent: Decimal, min_days: int
) -> Finding | None:
    projection, status, budget = line.projection, line.status, line.budget
    if projection is None or projection.basis.days_elapsed < min_days:
        return None
    # Spend already at the budget is the 100% threshold's news; a forecast would repeat it.
    if reaches(budget, status.spent, 100):
        return None
    period_id = budget_period_id(budget, status.start)
    last = history.last_projection(period_id)
    if not forecast_should_alert(budget.amount, projection.projected, last, step_percent):
        return None
    key = forecast_alert_key(period_id, history.forecast_count(period_id) + 1)
    facts = ForecastFacts(
        key=key,
        budget=budget,
        period_start=status.start,
        period_end=status.end,
        projection=projection,
        previous_projection=last,
        step_percent=step_percent,
        shared=line.shared,
    )
    detail = {
        "budget_period": period_id,
        "projected": str(projection.projected),
        "low": str(projection.low),
        "high": str(projection.high),
    }
    scope = budget.scope
    return Finding(
        kind=AlertKind.FORECAST,
        key=key,
        scope=scope.key(),
        dimension=scope.dimension,
        value=scope.value,
        day=status.start,
        detail=detail,
        facts=facts,
        budget=budget,
    )
