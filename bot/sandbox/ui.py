"""The sandbox's browser page (``/``) and the small JSON API behind it (``/sandbox/api/*``).

The page is plain HTML/CSS/JS in ``static/``. Typing a slash command or clicking a button makes
this server send a genuinely signed request to the bot, as the sandbox user, exactly as Slack
would; the bot answers through the Web API, a response_url or its HTTP reply.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_from_directory

from bot.sandbox.files import file_path
from bot.sandbox.modal_submit import state_values
from bot.sandbox.response_url import show_command_ack
from bot.sandbox.signing import (
    SLACK_TIMEOUT_SECONDS,
    BotReply,
    action_json,
    find_element,
    send_app_home_opened,
    send_block_action,
    send_slash_command,
)
from bot.sandbox.state import Message, SandboxState
from bot.sandbox.web_api import METHODS

MAX_RATE_LIMITED_CALLS = 100
MAX_RETRY_AFTER = 120  # seconds: longer would only stall a demo

STATIC = Path(__file__).parent / "static"


def _reply_json(reply: BotReply) -> dict[str, Any]:
    return {"status": reply.status, "body": reply.body, "error": reply.error}


def _problem(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rate_limit_request(data: dict[str, Any]) -> tuple[str, int, int]:
    """(method, count, retry_after) of a rate-limit request; ValueError saying what is wrong."""
    method = str(data.get("method") or "*")
    if method != "*" and method not in METHODS:
        raise ValueError(f"unknown Web API method {method!r}: name one such as chat.update, or *")
    count, retry_after = data.get("count", 1), data.get("retry_after", 1)
    if not _whole(count) or not 1 <= count <= MAX_RATE_LIMITED_CALLS:
        raise ValueError(f"count must be a whole number from 1 to {MAX_RATE_LIMITED_CALLS}")
    if not _whole(retry_after) or not 0 <= retry_after <= MAX_RETRY_AFTER:
        raise ValueError(f"retry_after must be whole seconds from 0 to {MAX_RETRY_AFTER}")
    return method, count, retry_after


def ui_blueprint(
    state: SandboxState, *, signing_secret: str, timeout: float = SLACK_TIMEOUT_SECONDS
) -> Blueprint:
    ui = Blueprint("sandbox_ui", __name__)

    def message_for_ui(message: Message) -> dict[str, Any]:
        out = state.message_json(message)
        author = state.user(message.user)
        out["user_name"] = author.real_name if author else message.user
        out["is_bot"] = bool(author and author.is_bot and author.id != "USLACKBOT")
        out["ephemeral"] = message.ephemeral_to is not None
        for item in out.get("files", []):
            stored = state.file(item["id"])
            item["src"] = file_path(state, stored) if stored else None
        return out

    def acting_user(data: dict[str, Any]) -> str:
        user_id = data.get("user") or state.sandbox_user_id
        if state.user(user_id) is None:
            raise LookupError(f"unknown user {user_id}")
        return user_id

    @ui.get("/")
    def index() -> Response:
        return send_from_directory(STATIC, "index.html")

    @ui.get("/sandbox/static/<path:name>")
    def static(name: str) -> Response:
        return send_from_directory(STATIC, name)

    @ui.get("/sandbox/files/<file_id>")
    def file_by_id(file_id: str) -> Response:
        """An uploaded file's bytes by id: how the page shows ``slack_file: {"id": ...}``."""
        stored = state.file(file_id)
        if stored is None or stored.content is None:
            return Response("file not found", status=404, mimetype="text/plain")
        mimetype = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
        return Response(stored.content, mimetype=mimetype)

    @ui.get("/sandbox/api/workspace")
    def workspace():
        with state.lock:
            channels = [
                {"id": c.id, "name": c.name, "im_user": c.im_user, "is_member": c.is_member}
                for c in state.channels.values()
            ]
            usergroups = [
                {"id": g.id, "handle": g.handle, "name": g.name, "users": list(g.users)}
                for g in state.usergroups.values()
            ]
            users = [
                {"id": u.id, "name": u.name, "real_name": u.real_name, "is_bot": u.is_bot}
                for u in state.users.values()
            ]
        return jsonify(
            {
                "team": {"id": state.team_id, "name": state.team_name},
                "bot": {"user_id": state.bot_user.id, "name": state.bot_user.name},
                "sandbox_user": state.sandbox_user_id,
                "bot_url": state.bot_url,
                "channels": channels,
                "users": users,
                "usergroups": usergroups,
            }
        )

    @ui.get("/sandbox/api/messages")
    def messages():
        channel = state.find_channel(request.args.get("channel"))
        if channel is None:
            return _problem("channel_not_found", 404)
        user_id = request.args.get("user") or state.sandbox_user_id
        found = state.messages(channel.id, visible_to=user_id)
        return jsonify({"channel": channel.id, "messages": [message_for_ui(m) for m in found]})

    @ui.post("/sandbox/api/command")
    def command():
        data = request.get_json(silent=True) or {}
        channel = state.find_channel(data.get("channel"))
        text = str(data.get("text") or "").strip()
        if channel is None:
            return _problem("channel_not_found", 404)
        try:
            user_id = acting_user(data)
        except LookupError as exc:
            return _problem(str(exc))
        if not text.startswith("/"):  # an ordinary message from the user
            state.add_message(Message(channel.id, state.next_ts(), user_id, text))
            return jsonify({"status": None, "body": "", "error": None})
        if not state.bot_url:
            return _problem("no bot URL configured for this sandbox", 503)
        name, _, args = text.partition(" ")
        reply = send_slash_command(
            state.bot_url,
            signing_secret,
            state,
            channel_id=channel.id,
            user_id=user_id,
            text=args.strip(),
            command=name,
            timeout=timeout,
        )
        show_command_ack(state, channel.id, user_id, reply, name)
        return jsonify(_reply_json(reply))

    @ui.post("/sandbox/api/action")
    def action():
        data = request.get_json(silent=True) or {}
        if not state.bot_url:
            return _problem("no bot URL configured for this sandbox", 503)
        try:
            user_id = acting_user(data)
        except LookupError as exc:
            return _problem(str(exc))
        block_id, action_id = str(data.get("block_id")), str(data.get("action_id"))
        message, view = None, None
        if data.get("view") in ("home", "modal"):
            view = state.home_view(user_id) if data["view"] == "home" else state.modals.top(user_id)
            blocks = view["blocks"] if view else []
            if view and data["view"] == "modal" and isinstance(data.get("values"), dict):
                try:  # what is entered in the modal so far travels with the action, as in Slack
                    view["state"] = {"values": state_values(view, data["values"])}
                except ValueError as exc:
                    return _problem(str(exc))
        else:
            channel = state.find_channel(data.get("channel"))
            message = state.find_message(channel.id, str(data.get("ts"))) if channel else None
            blocks = message.blocks if message else []
        element = find_element(blocks, block_id, action_id)
        if element is None:
            return _problem("no such action", 404)
        if element.get("confirm") and data.get("confirmed") is not True:
            # Slack asks first and sends nothing until the person confirms.
            return jsonify(
                {"status": None, "body": "", "error": None, "confirm": element["confirm"]}
            )
        reply = send_block_action(
            state.bot_url,
            signing_secret,
            state,
            user_id=user_id,
            action=action_json(element, block_id),
            message=message,
            view=view,
            timeout=timeout,
        )
        return jsonify(_reply_json(reply))

    @ui.get("/sandbox/api/rate-limit")
    def pending_rate_limits():
        return jsonify({"pending": state.pending_faults()})

    @ui.post("/sandbox/api/rate-limit")
    def rate_limit():
        """The next `count` calls of `method` ("*": any) answer 429 with Retry-After, as Slack
        does when an app calls too fast: the bot's own retry path runs for real."""
        data = request.get_json(silent=True) or {}
        try:
            method, count, retry_after = _rate_limit_request(data)
        except ValueError as exc:
            return _problem(str(exc))
        state.rate_limit(method, count, retry_after)
        return jsonify({"pending": state.pending_faults()})

    @ui.get("/sandbox/api/home")
    def home():
        user_id = request.args.get("user") or state.sandbox_user_id
        return jsonify({"view": state.home_view(user_id)})

    @ui.post("/sandbox/api/home/open")
    def open_home():
        data = request.get_json(silent=True) or {}
        if not state.bot_url:
            return _problem("no bot URL configured for this sandbox", 503)
        try:
            user_id = acting_user(data)
        except LookupError as exc:
            return _problem(str(exc))
        reply = send_app_home_opened(
            state.bot_url, signing_secret, state, user_id=user_id, timeout=timeout
        )
        return jsonify(_reply_json(reply))

    return ui
