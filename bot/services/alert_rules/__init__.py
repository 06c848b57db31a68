"""The alert rules, one module per kind; each turns today's state into findings to claim."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.budgets import Budget
from bot.services.alert_facts import AlertFacts
from bot.services.alert_ports import AlertKind


@dataclass(frozen=True)
class Finding:
    """An alert a rule found due, before it is routed and claimed.

    `covered`: keys claimed with it as COVERED (lower thresholds reached together), so they are
    never told on their own. `below_floor`: due but for the budget's floor; reported, not
    claimed, so it alerts once spend reaches the floor.
    """

    kind: AlertKind
    key: str
    scope: str  # scope key: all, project=fraud-detection, service=Amazon EC2
    dimension: str | None  # the scope's dimension (None for all cost), for routing
    value: str | None
    day: date
    detail: dict[str, Any]
    facts: AlertFacts | None
    budget: Budget | None = None  # the budget it is about, or of the same scope (mentions)
    covered: tuple[tuple[str, dict[str, Any]], ...] = field(default=())
    below_floor: bool = False
