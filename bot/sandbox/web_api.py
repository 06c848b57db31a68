"""The Web API at ``/api/<method>``: parameters, auth, dispatch, and the non-chat methods.

Answers like Slack: HTTP 200 and ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``.
Methods live in a registry; chat.* and files.* register themselves from their own modules.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Request, jsonify, request

from bot.sandbox.blocks import MAX_VIEW_BLOCKS, block_problems, with_ids
from bot.sandbox.state import Channel, SandboxState

APP_TOKEN_METHODS = {"apps.connections.open"}
TRUE = ("true", "1", True, 1)


class ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": code, **extra}``."""

    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.extra: dict[str, Any] = {}
        if messages:
            self.extra["response_metadata"] = {"messages": messages}


@dataclass
class MethodCall:
    """One call of a Web API method, as the handlers see it."""

    state: SandboxState
    params: dict[str, Any]
    host_url: str  # the fake's own base URL as the client reached it, without trailing slash

    def get(self, name: str) -> Any:
        value = self.params.get(name)
        return None if value == "" else value

    def require(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise ApiError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
        return value

    def channel(self, name: str = "channel") -> Channel:
        found = self.state.find_channel(self.get(name))
        if found is None:
            raise ApiError("channel_not_found")
        return found

    def json_param(self, name: str) -> Any:
        value = self.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError("invalid_arguments", [f"[ERROR] invalid json: {name}"]) from None
        return value


Handler = Callable[[MethodCall], dict[str, Any]]
METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


def read_params(req: Request) -> dict[str, Any]:
    """Query string, form fields and a JSON body, merged as Slack merges them."""
    params: dict[str, Any] = dict(req.args.items())
    if req.mimetype == "application/json":
        body = req.get_json(force=True, silent=True)
        if body is None and req.get_data():
            raise ApiError("invalid_json")
        if body is not None and not isinstance(body, dict):
            raise ApiError("json_not_object")
        params.update(body or {})
    else:
        params.update(req.form.items())
    return params


def _token_error(method_name: str, params: dict[str, Any], bot_token: str, app_token: str | None):
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    token = token or params.get("token")
    if not token:
        return "not_authed"
    wanted = app_token if method_name in APP_TOKEN_METHODS else bot_token
    if token == wanted:
        return None
    if token in (bot_token, app_token):
        return "not_allowed_token_type"
    return "invalid_auth"


def api_blueprint(state: SandboxState, *, bot_token: str, app_token: str | None) -> Blueprint:
    api = Blueprint("slack_web_api", __name__)

    @api.route("/api/<method_name>", methods=["GET", "POST"])
    def call_method(method_name: str):
        params: dict[str, Any] = {}
        fault = state.take_fault(method_name)
        if fault is not None:
            state.record_call(method_name, {}, fault.error)
            answer = jsonify({"ok": False, "error": fault.error})
            answer.status_code = fault.status
            if fault.retry_after is not None:
                answer.headers["Retry-After"] = str(fault.retry_after)
            return answer
        try:
            params = read_params(request)
            handler = METHODS.get(method_name)
            if handler is None:
                raise ApiError("unknown_method")
            error = _token_error(method_name, params, bot_token, app_token)
            if error:
                raise ApiError(error)
            params.pop("token", None)
            result = handler(MethodCall(state, params, request.host_url.rstrip("/")))
            body: dict[str, Any] = {"ok": True, **result}
        except ApiError as exc:
            body = {"ok": False, "error": exc.code, **exc.extra}
            if exc.code == "unknown_method":
                body["req_method"] = method_name
        params.pop("token", None)
        state.record_call(method_name, params, None if body["ok"] else body["error"])
        return jsonify(body)

    return api


# -- auth, users, conversations, apps ---------------------------------------------------------
@method("auth.test")
def auth_test(call: MethodCall) -> dict[str, Any]:
    state = call.state
    return {
        "url": f"{call.host_url}/",
        "team": state.team_name,
        "user": state.bot_user.name,
        "team_id": state.team_id,
        "user_id": state.bot_user.id,
        "bot_id": state.bot_id,
        "is_enterprise_install": False,
    }


@method("bots.info")
def bots_info(call: MethodCall) -> dict[str, Any]:
    """The bot auth.test names, with the app id the sandbox's signed requests carry."""
    state = call.state
    if call.get("bot") not in (None, state.bot_id):
        raise ApiError("bot_not_found")
    return {
        "bot": {
            "id": state.bot_id,
            "deleted": False,
            "name": state.bot_user.name,
            "app_id": state.app_id,
            "user_id": state.bot_user.id,
        }
    }


@method("users.info")
def users_info(call: MethodCall) -> dict[str, Any]:
    user = call.state.user(call.require("user"))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.to_slack(call.state.team_id)}


@method("users.lookupByEmail")
def users_lookup_by_email(call: MethodCall) -> dict[str, Any]:
    """The person with this e-mail; Slack answers `users_not_found` for anyone else."""
    user = call.state.user_by_email(str(call.require("email")))
    if user is None:
        raise ApiError("users_not_found")
    return {"user": user.to_slack(call.state.team_id)}


_CHANNEL_TYPES = {"public_channel", "private_channel", "im", "mpim"}


def _kind(channel: Channel) -> str:
    if channel.im_user:
        return "im"
    return "private_channel" if channel.is_private else "public_channel"


@method("conversations.list")
def conversations_list(call: MethodCall) -> dict[str, Any]:
    types = {t.strip() for t in str(call.get("types") or "public_channel").split(",")}
    if not types <= _CHANNEL_TYPES:
        raise ApiError("unknown_type")
    try:
        limit = min(max(int(call.get("limit") or 100), 1), 1000)
        cursor = call.get("cursor")
        start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
    except (ValueError, IndexError):
        raise ApiError("invalid_cursor") from None
    skip_archived = call.get("exclude_archived") in TRUE
    with call.state.lock:
        channels = [
            c
            for c in call.state.channels.values()
            if _kind(c) in types and not (skip_archived and c.is_archived)
        ]
    page = channels[start : start + limit]
    more = start + limit < len(channels)
    next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return {
        "channels": [c.to_slack(call.state.created) for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


@method("conversations.info")
def conversations_info(call: MethodCall) -> dict[str, Any]:
    return {"channel": call.channel().to_slack(call.state.created)}


@method("conversations.join")
def conversations_join(call: MethodCall) -> dict[str, Any]:
    """A bot may join a public channel by itself (channels:join); a private one needs an invite."""
    channel = call.channel()
    if channel.im_user:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_private and not channel.is_member:
        raise ApiError("channel_not_found")
    if channel.is_archived:
        raise ApiError("is_archived")
    joined = call.state.set_member(channel.id)
    return {"channel": joined.to_slack(call.state.created)}


@method("apps.connections.open")
def apps_connections_open(call: MethodCall) -> dict[str, Any]:
    if not call.state.socket_mode_url:
        raise ApiError("internal_error")
    return {"url": call.state.socket_mode_url}


# -- views ------------------------------------------------------------------------------------
@method("views.publish")
def views_publish(call: MethodCall) -> dict[str, Any]:
    user_id = call.require("user_id")
    view = call.json_param("view")
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", ["[ERROR] must provide an object [json-pointer:/view]"])
    if call.state.user(user_id) is None:
        raise ApiError("user_not_found")
    if view.get("type") != "home":
        pointer = "[json-pointer:/view/type]"
        raise ApiError("invalid_arguments", [f"[ERROR] must be one of the values: home {pointer}"])
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise ApiError(
            "invalid_arguments", ["[ERROR] must provide an array [json-pointer:/view/blocks]"]
        )
    problems = block_problems(blocks, max_blocks=MAX_VIEW_BLOCKS, root="/view/blocks")
    if problems:
        raise ApiError("invalid_arguments", problems)
    current = call.state.home_view(user_id)
    if call.get("hash") and current and current["hash"] != call.get("hash"):
        raise ApiError("hash_conflict")
    return {"view": call.state.publish_home(user_id, {**view, "blocks": with_ids(blocks)})}
