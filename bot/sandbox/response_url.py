"""``POST /response/<token>``: the response_url Slack hands out with commands and actions.

Takes JSON ``{text, blocks, response_type, replace_original, delete_original, thread_ts}``
(or a form field ``payload`` holding that JSON). Answers like Slack's hooks: ``200 ok``, or a
4xx with the error as plain text (``invalid_blocks``, ``no_text``, ``expired_url`` ...).

A reply sent in the HTTP answer to a slash command (Bolt's ``ack(text=..., blocks=...)``) is
shown the same way; ``show_command_ack`` does that for the sandbox UI.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from bot.sandbox.blocks import MessageError
from bot.sandbox.chat import message_content
from bot.sandbox.signing import BotReply
from bot.sandbox.state import Message, ResponseUrl, SandboxState

TRUE = (True, "true", "1", 1)


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def deliver_reply(state: SandboxState, target: ResponseUrl, payload: Any) -> tuple[int, str]:
    """Show a response_url-style payload: (HTTP status, Slack's plain-text answer)."""
    if not isinstance(payload, dict):
        return 400, "invalid_payload"
    original = target.message_ts
    if payload.get("delete_original") in TRUE:
        if original and not state.delete_message(target.channel_id, original):
            return 404, "message_not_found"
        return 200, "ok"
    try:
        text, blocks = message_content(state, payload.get("text"), payload.get("blocks"))
    except MessageError as exc:
        return 400, exc.code
    if original and payload.get("replace_original") in TRUE:
        if state.update_message(target.channel_id, original, text=text, blocks=blocks) is None:
            return 404, "message_not_found"
        return 200, "ok"
    in_channel = payload.get("response_type") == "in_channel"
    state.add_message(
        Message(
            target.channel_id,
            state.next_ts(),
            state.bot_user.id,
            text,
            blocks,
            thread_ts=payload.get("thread_ts"),
            ephemeral_to=None if in_channel else target.user_id,
            bot_id=state.bot_id,
        )
    )
    return 200, "ok"


def _slackbot_failure(state: SandboxState, channel_id: str, user_id: str, text: str) -> None:
    state.add_message(Message(channel_id, state.next_ts(), "USLACKBOT", text, ephemeral_to=user_id))


def show_command_ack(
    state: SandboxState, channel_id: str, user_id: str, reply: BotReply, command: str
) -> None:
    """Show what Slack shows for the bot's HTTP answer to a slash command.

    A non-200 answer (or none) becomes Slackbot's ephemeral ``/cost failed with the error
    "http_service_error"`` (``operation_timeout``, ``dispatch_failed``); an answer with text or
    blocks is shown like a response_url reply (recorded as the pseudo-method "command_ack").
    """
    if reply.status != 200:
        error = {"timeout": "operation_timeout", "unreachable": "dispatch_failed"}.get(
            reply.error or "", "http_service_error"
        )
        _slackbot_failure(state, channel_id, user_id, f'{command} failed with the error "{error}"')
        return
    if not reply.body.strip():
        return  # a bare ack: nothing to show
    try:
        payload = json.loads(reply.body)
    except ValueError:
        payload = {"text": reply.body}  # Slack shows a plain-text answer as the message text
    if isinstance(payload, dict) and (payload.get("text") or payload.get("blocks")):
        target = ResponseUrl("ack", channel_id, user_id, state.clock())
        status, answer = deliver_reply(state, target, payload)
        state.record_call("command_ack", payload, None if status == 200 else answer)
        if status != 200:
            failure = f'{command} failed with the error "{answer}"'
            _slackbot_failure(state, channel_id, user_id, failure)


def response_blueprint(state: SandboxState) -> Blueprint:
    hooks = Blueprint("slack_response_url", __name__)

    @hooks.post("/response/<token>")
    def respond(token: str) -> Response:
        if request.mimetype == "application/json":
            payload = request.get_json(force=True, silent=True)
        else:
            try:
                payload = json.loads(request.form.get("payload", ""))
            except ValueError:
                payload = None
        if payload is None:
            return _text("invalid_payload", 400)
        target = state.use_response_url(token)
        if isinstance(target, str):
            return _text(target, 404)
        status, answer = deliver_reply(state, target, payload)
        state.record_call("response_url", payload, None if status == 200 else answer)
        return _text(answer, status)

    return hooks
