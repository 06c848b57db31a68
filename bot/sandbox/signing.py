"""Requests from Slack to the bot, signed as Slack signs them.

``sign_request`` makes the two headers Slack sends (``X-Slack-Signature: v0=<hex HMAC-SHA256 of
"v0:{timestamp}:{body}">`` and ``X-Slack-Request-Timestamp``). The ``send_*`` functions build a
slash command, a ``block_actions`` interaction or an ``app_home_opened`` event the way Slack
does, POST it with ``urllib.request`` and return the bot's answer.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.state import Message, SandboxState

SLACK_TIMEOUT_SECONDS = 3.0  # Slack gives an app three seconds to answer
VERIFICATION_TOKEN = "sandbox-verification-token"  # the deprecated `token` field in payloads
FORM = "application/x-www-form-urlencoded"


def sign_request(signing_secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers Slack signs a request with."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class BotReply:
    """The bot's HTTP answer; status 0 with ``error`` ("timeout", "unreachable") if none came."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


def post_signed(
    url: str,
    body: bytes,
    content_type: str,
    signing_secret: str,
    *,
    timestamp: int | None = None,
    timeout: float = SLACK_TIMEOUT_SECONDS,
) -> BotReply:
    """POST ``body`` to the bot, signed; never raises for HTTP errors or an absent bot."""
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        **sign_request(signing_secret, body, int(time.time()) if timestamp is None else timestamp),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode("utf-8", "replace")
            return BotReply(response.status, text, dict(response.headers))
    except urllib.error.HTTPError as exc:
        return BotReply(exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers))
    except TimeoutError:
        return BotReply(0, "", error="timeout")
    except urllib.error.URLError as exc:
        timed_out = isinstance(exc.reason, TimeoutError)
        return BotReply(0, "", error="timeout" if timed_out else "unreachable")


def _user(state: SandboxState, user_id: str) -> dict[str, str]:
    user = state.user(user_id)
    name = user.name if user else user_id
    return {"id": user_id, "username": name, "name": name, "team_id": state.team_id}


# -- slash commands -------------------------------------------------------------------------
def slash_command_form(
    state: SandboxState,
    *,
    channel_id: str,
    user_id: str,
    text: str,
    command: str = "/cost",
    response_url: str | None = None,
) -> dict[str, str]:
    """The form fields Slack posts for a slash command (with a fresh response_url)."""
    channel = state.find_channel(channel_id)
    user = state.user(user_id)
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": state.team_id,
        "team_domain": state.team_domain,
        "channel_id": channel_id,
        "channel_name": ("directmessage" if channel.im_user else channel.name) if channel else "",
        "user_id": user_id,
        "user_name": user.name if user else user_id,
        "command": command,
        "text": text,
        "api_app_id": state.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url or state.new_response_url(channel_id, user_id),
        "trigger_id": state.modals.new_trigger(user_id),
    }


def send_slash_command(
    bot_url: str,
    signing_secret: str,
    state: SandboxState,
    *,
    channel_id: str,
    user_id: str,
    text: str,
    command: str = "/cost",
    timeout: float = SLACK_TIMEOUT_SECONDS,
) -> BotReply:
    form = slash_command_form(
        state, channel_id=channel_id, user_id=user_id, text=text, command=command
    )
    body = urlencode(form).encode()
    return post_signed(bot_url, body, FORM, signing_secret, timeout=timeout)


# -- block_actions --------------------------------------------------------------------------
def find_element(
    blocks: list[dict[str, Any]], block_id: str, action_id: str
) -> dict[str, Any] | None:
    """The interactive element with this action_id in the block with this block_id."""
    for block in blocks:
        if block.get("block_id") != block_id:
            continue
        elements = [*(block.get("elements") or []), block.get("accessory") or {}]
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def action_json(element: dict[str, Any], block_id: str) -> dict[str, Any]:
    """An entry of a block_actions payload's ``actions`` for a clicked button."""
    action = {
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "text": element.get("text"),
        "value": element.get("value"),
        "type": element.get("type", "button"),
        "action_ts": f"{time.time():.6f}",
    }
    if element.get("style"):
        action["style"] = element["style"]
    return {k: v for k, v in action.items() if v is not None}


def block_actions_payload(
    state: SandboxState,
    *,
    user_id: str,
    action: dict[str, Any],
    message: Message | None = None,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A block_actions payload for an action in a message (with a response_url) or a view."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(state, user_id),
        "api_app_id": state.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": state.modals.new_trigger(user_id),
        "team": {"id": state.team_id, "domain": state.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if message is not None:
        channel = state.find_channel(message.channel)
        is_ephemeral = message.ephemeral_to is not None
        payload["container"] = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": message.channel,
            "is_ephemeral": is_ephemeral,
        }
        payload["channel"] = {"id": message.channel, "name": channel.name if channel else ""}
        if not is_ephemeral:  # Slack leaves the message out for ephemeral ones
            payload["message"] = state.message_json(message)
        payload["response_url"] = state.new_response_url(
            message.channel, user_id, message_ts=message.ts
        )
    elif view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        payload["state"] = copy.deepcopy(view.get("state") or {"values": {}})
    return payload


def send_block_action(
    bot_url: str,
    signing_secret: str,
    state: SandboxState,
    *,
    user_id: str,
    action: dict[str, Any],
    message: Message | None = None,
    view: dict[str, Any] | None = None,
    timeout: float = SLACK_TIMEOUT_SECONDS,
) -> BotReply:
    payload = block_actions_payload(
        state, user_id=user_id, action=action, message=message, view=view
    )
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post_signed(bot_url, body, FORM, signing_secret, timeout=timeout)


# -- events ---------------------------------------------------------------------------------
def app_home_opened_event(state: SandboxState, user_id: str, *, tab: str = "home") -> dict:
    """The event_callback Slack sends when a user opens the app's Home tab."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": state.open_dm(user_id).id,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    view = state.home_view(user_id)
    if view is not None:
        event["view"] = view
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": state.team_id,
        "api_app_id": state.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": state.team_id,
                "user_id": state.bot_user.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def send_app_home_opened(
    bot_url: str,
    signing_secret: str,
    state: SandboxState,
    *,
    user_id: str,
    timeout: float = SLACK_TIMEOUT_SECONDS,
) -> BotReply:
    body = json.dumps(app_home_opened_event(state, user_id)).encode()
    return post_signed(bot_url, body, "application/json", signing_secret, timeout=timeout)
