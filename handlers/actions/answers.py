"""Buttons on answers: share an answer in the channel, pick a suggested name."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import HandlerServices
from handlers.blocks import (
    SUGGESTION_ACTION_PATTERN,
    ActionId,
    build_shared_by_context,
    command_from_share_value,
)
from handlers.commands import acknowledge
from handlers.commands.answer import Asker
from handlers.commands.dispatch import answer_text
from handlers.errors import reported


def register(app: App, services: HandlerServices) -> None:
    @reported
    def answer_share(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: logging.Logger
    ) -> None:
        share_answer(body, respond, client, services)

    @reported
    def answer_suggestion(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: logging.Logger
    ) -> None:
        pick_suggestion(body, respond, client, services)

    app.action(ActionId.SHARE_ANSWER.value)(ack=acknowledge, lazy=[answer_share])
    app.action(SUGGESTION_ACTION_PATTERN)(ack=acknowledge, lazy=[answer_suggestion])


def _asker(body: dict[str, Any], client: WebClient) -> Asker:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    return Asker((body.get("user") or {}).get("id", ""), channel, client)


def _button_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def share_answer(
    body: dict[str, Any], respond: Respond, client: WebClient, services: HandlerServices
) -> None:
    """Repost the same question's answer visibly in the channel, saying who shared it."""
    asker = _asker(body, client)
    try:
        command = command_from_share_value(_button_value(body))
    except ValueError:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="That button is out of date; ask again with /cost.",
        )
        return
    try:
        answer = answer_text(command, services, asker, shareable=False)
    except SlackApiError as error:  # a chart upload into a channel the bot is not in
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=f"Could not share the chart here ({error.response.get('error')}): "
            "invite @costbot to this channel, then press Share again.",
        )
        return
    if not answer.posted:
        # Through the response URL: it works in any channel, the bot need not be a member.
        blocks = [*answer.payload()["blocks"], build_shared_by_context(asker.user_id).to_dict()]
        respond(response_type="in_channel", replace_original=False, text=answer.text, blocks=blocks)
    respond(response_type="ephemeral", replace_original=False, text="Shared in the channel.")


def pick_suggestion(
    body: dict[str, Any], respond: Respond, client: WebClient, services: HandlerServices
) -> None:
    """Answer the corrected question in place of the "did you mean" message."""
    answer = answer_text(_button_value(body), services, _asker(body, client))
    respond(response_type="ephemeral", replace_original=True, **answer.payload())
