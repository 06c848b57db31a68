"""Button and modal listeners: one module per flow, each with its own `register`."""

from __future__ import annotations

from slack_bolt import App

from handlers import HandlerServices


def register(app: App, services: HandlerServices) -> None:
    from handlers.actions import alerts, answers, budgets, idle

    answers.register(app, services)
    budgets.register(app, services)
    alerts.register(app, services)
    idle.register(app, services)
