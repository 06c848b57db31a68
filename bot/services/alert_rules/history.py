"""What earlier evaluations claimed for each budget period, read from the ledger in one go."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.domain.budgets import Budget
from bot.services.alert_ports import AlertKind, AlertRecord


def budget_period_id(budget: Budget, period_start: date) -> str:
    """`<scope>:<period kind>:<start>`: one budget's one period, as records name it."""
    return f"{budget.scope.key()}:{budget.period.value}:{period_start.isoformat()}"


@dataclass
class BudgetHistory:
    """Per budget period: the highest threshold claimed, and the forecasts alerted."""

    levels: dict[str, int] = field(default_factory=dict)
    forecasts: dict[str, list[Decimal]] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[AlertRecord]) -> BudgetHistory:
        history = cls()
        for record in records:
            period = record.detail.get("budget_period")
            if not isinstance(period, str):
                continue
            if record.kind is AlertKind.THRESHOLD:
                threshold = int(record.detail.get("threshold", 0))
                history.levels[period] = max(history.levels.get(period, 0), threshold)
            elif record.kind is AlertKind.FORECAST and "projected" in record.detail:
                history.forecasts.setdefault(period, []).append(
                    Decimal(str(record.detail["projected"]))
                )
        return history

    def level(self, period_id: str) -> int | None:
        return self.levels.get(period_id)

    def last_projection(self, period_id: str) -> Decimal | None:
        """The highest projection alerted this period: each alert rose above the one before."""
        alerted = self.forecasts.get(period_id)
        return max(alerted) if alerted else None

    def forecast_count(self, period_id: str) -> int:
        return len(self.forecasts.get(period_id, ()))
