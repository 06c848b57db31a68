"""The `/cost` slash command: its listener; one module per subcommand, dispatched by `table`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import HandlerServices
from handlers.commands.answer import Asker
from handlers.commands.budget import budget_editors_only
from handlers.commands.dispatch import answer_text
from handlers.errors import reported

COMMAND = "/cost"


def acknowledge(ack: Ack) -> None:
    """Ack at once, in Slack's request itself: no queue, no database, well inside 3 s."""
    ack()


def register(app: App, services: HandlerServices) -> None:
    @reported
    def answer_cost_command(
        command: dict[str, Any], respond: Respond, client: WebClient, logger: logging.Logger
    ) -> None:
        answer_cost(command, respond, client, services)

    # Budget changes (`/cost budget set|delete`) only for budget editors; the rest for anyone.
    guards = [budget_editors_only(services.budgets)] if services.budgets is not None else []
    app.command(COMMAND, middleware=guards)(ack=acknowledge, lazy=[answer_cost_command])


def answer_cost(
    command: dict[str, Any], respond: Respond, client: WebClient, services: HandlerServices
) -> None:
    """Answer after the ack, through the response URL; private until shared."""
    asker = Asker(command.get("user_id", ""), command.get("channel_id", ""), client)
    answer = answer_text(command.get("text"), services, asker)
    respond(response_type="ephemeral", **answer.payload())
