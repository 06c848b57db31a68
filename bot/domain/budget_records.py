"""A budget as JSON-safe data (the store's row, the audit log's before and after) and back."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.domain.budgets import Budget, BudgetPeriod, BudgetScope


def budget_record(budget: Budget) -> dict[str, Any]:
    """Plain data for `budget`: amounts as exact decimal strings, never floats."""
    return {
        "scope": budget.scope.key(),
        "dimension": budget.scope.dimension,
        "value": budget.scope.value,
        "amount": str(budget.amount),
        "currency": budget.currency,
        "period": budget.period.value,
        "thresholds": list(budget.thresholds),
        "channel": budget.channel,
        "mentions": list(budget.mentions),
        "floor": None if budget.floor is None else str(budget.floor),
    }


def budget_from_record(record: Mapping[str, Any]) -> Budget:
    """The budget `budget_record` wrote; BudgetError when the record no longer makes one."""
    floor = record.get("floor")
    return Budget(
        scope=BudgetScope(record.get("dimension"), record.get("value")),
        amount=Decimal(record["amount"]),
        currency=record["currency"],
        period=BudgetPeriod.parse(record.get("period") or "monthly"),
        thresholds=tuple(int(t) for t in record.get("thresholds") or (50, 80, 100)),
        channel=record.get("channel"),
        mentions=tuple(record.get("mentions") or ()),
        floor=None if floor is None else Decimal(floor),
    )
