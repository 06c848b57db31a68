"""The `/cost` slash command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import HandlerServices
from handlers.answers import Asker, answer_text

COMMAND = "/cost"


def register(app: App, services: HandlerServices) -> None:
    def handle_cost_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        handle_cost(ack, command, respond, client, services)

    app.command(COMMAND)(handle_cost_command)


def handle_cost(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: HandlerServices,
) -> None:
    """Acknowledge at once (Slack allows 3 s), then answer through the response URL."""
    ack()
    asker = Asker(command.get("user_id", ""), command.get("channel_id", ""), client)
    answer = answer_text(command.get("text"), services, asker)
    respond(response_type="ephemeral", **answer.payload())
