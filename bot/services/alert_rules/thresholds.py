"""Threshold alerts: spend of the period reached a higher threshold than already claimed."""

from __future__ import annotations

from bot.domain.budget_thresholds import (
    ReachedLevel,
    crossed,
    threshold_alert_key,
    withheld_by_floor,
)
from bot.services.alert_facts import ThresholdFacts
from bot.services.alert_ports import AlertKind
from bot.services.alert_rules import Finding
from bot.services.alert_rules.history import BudgetHistory, budget_period_id
from bot.services.budgets import BudgetLine


def threshold_findings(lines: list[BudgetLine], history: BudgetHistory) -> list[Finding]:
    """One finding per budget whose spend reached a new threshold (or would, but for its floor)."""
    findings = []
    for line in lines:
        finding = _finding(line, history)
        if finding is not None:
            findings.append(finding)
    return findings


def _finding(line: BudgetLine, history: BudgetHistory) -> Finding | None:
    status, budget = line.status, line.budget
    period_id = budget_period_id(budget, status.start)
    level = history.level(period_id)
    previous = None if level is None else ReachedLevel(budget.period, status.start, level)
    scope = budget.scope

    def detail(threshold: int) -> dict:
        return {"budget_period": period_id, "threshold": threshold, "spent": str(status.spent)}

    common = dict(
        kind=AlertKind.THRESHOLD,
        scope=scope.key(),
        dimension=scope.dimension,
        value=scope.value,
        day=status.start,
        budget=budget,
    )
    event = crossed(budget, status.start, previous, status.spent)
    if event is None:
        withheld = withheld_by_floor(budget, status.start, previous, status.spent)
        if withheld is None:
            return None
        key = threshold_alert_key(budget, status.start, withheld)
        return Finding(key=key, detail=detail(withheld), facts=None, below_floor=True, **common)
    lower = event.reached[:-1]
    facts = ThresholdFacts(
        key=event.key,
        budget=budget,
        period_start=status.start,
        period_end=status.end,
        threshold=event.threshold,
        covered=lower,
        spent=status.spent,
        percent_used=status.percent_used,
        percent_elapsed=status.percent_elapsed,
        projected=status.projected,
        shared=line.shared,
    )
    covered = tuple((threshold_alert_key(budget, status.start, t), detail(t)) for t in lower)
    return Finding(
        key=event.key, detail=detail(event.threshold), facts=facts, covered=covered, **common
    )
