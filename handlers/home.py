"""The App Home tab: this month's top projects, total and freshness."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.domain.periods import parse_period
from handlers import HandlerServices
from handlers.blocks import build_home_blocks, to_payload
from handlers.commands import acknowledge
from handlers.errors import reported


def register(app: App, services: HandlerServices) -> None:
    @reported
    def answer_home_opened(
        event: dict[str, Any], client: WebClient, respond: Respond | None, logger: logging.Logger
    ) -> None:
        publish_home(event, client, services)

    app.event("app_home_opened")(ack=acknowledge, lazy=[answer_home_opened])


def publish_home(event: dict[str, Any], client: WebClient, services: HandlerServices) -> None:
    if event.get("tab", "home") != "home":
        return
    report = services.costs.top("project", parse_period("mtd", services.today()))
    blocks = build_home_blocks(report, updated_at=datetime.now(UTC))
    client.views_publish(user_id=event["user"], view={"type": "home", "blocks": to_payload(blocks)})
