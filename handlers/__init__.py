"""The Slack edge: parse a request, call a service, build Block Kit. Never touches storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from slack_bolt import App

from bot.services.budgets import BudgetService
from bot.services.costs import CostService
from bot.services.coverage import CoverageService
from bot.services.deliveries import DeliveryService
from bot.services.source_status import SourceStatusService

if TYPE_CHECKING:
    from bot.services.alerts import AlertService
    from bot.services.idle import IdleService
    from handlers.middleware import InstalledApp


@dataclass(frozen=True)
class HandlerServices:
    """What the listeners may call: use cases only, injected by the composition root."""

    costs: CostService
    coverage: CoverageService
    source_status: SourceStatusService
    today: Callable[[], date]
    # Who the bot is installed as (requests for others are refused), and the shared record of
    # deliveries already taken (a retry is acknowledged only). None: not checked.
    installed: InstalledApp | None = None
    deliveries: DeliveryService | None = None
    # Budgets (`/cost budget`, the Edit modal) and alerts (their buttons); None: not offered.
    budgets: BudgetService | None = None
    alerts: AlertService | None = None
    # Idle machines (`/cost idle`, `/cost savings`, the proposal buttons); None: not offered.
    idle: IdleService | None = None


def register(app: App, services: HandlerServices) -> None:
    """Register every listener on the Bolt app, feature by feature."""
    from handlers import actions, commands, errors, home, middleware

    middleware.register(app, services.installed, services.deliveries)
    errors.register(app)
    commands.register(app, services)
    actions.register(app, services)
    home.register(app, services)
