"""The JSON shape of `costbot budget list --json` (a public contract).

Money is a JSON number rounded to cents (as in `costbot cost --json`), percentages a number
rounded to one decimal, dates ISO `YYYY-MM-DD`, `projected` null before there is a projection.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.domain.budgets import BudgetStatus
from bot.domain.money import cents_number


def percent_number(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def budget_status_json(status: BudgetStatus) -> dict[str, Any]:
    budget = status.budget
    return {
        "scope": budget.scope.key(),
        "period": budget.period.value,
        "start": status.start.isoformat(),
        "end": status.end.isoformat(),
        "amount": cents_number(budget.amount),
        "currency": budget.currency,
        "spent": cents_number(status.spent),
        "percent_used": percent_number(status.percent_used),
        "percent_elapsed": percent_number(status.percent_elapsed),
        "projected": cents_number(status.projected) if status.projected is not None else None,
        "status": status.status.value,
    }
