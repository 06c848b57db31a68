"""The Slack edge: parse a request, call a service, build Block Kit. Never touches storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from slack_bolt import App

from bot.services.costs import CostService
from bot.services.coverage import CoverageService


@dataclass(frozen=True)
class HandlerServices:
    """What the listeners may call: use cases only, injected by the composition root."""

    costs: CostService
    coverage: CoverageService
    today: Callable[[], date]


def register(app: App, services: HandlerServices) -> None:
    """Register every listener on the Bolt app, feature by feature."""
    from handlers import actions, commands, errors, home

    errors.register(app)
    commands.register(app, services)
    actions.register(app, services)
    home.register(app, services)
