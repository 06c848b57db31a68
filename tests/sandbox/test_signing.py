"""Requests to the bot are signed as Slack signs them: slack_sdk's own verifier accepts them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.sandbox import BackgroundServer, SandboxServer
from bot.sandbox.signing import (
    action_json,
    find_element,
    send_app_home_opened,
    send_block_action,
    send_slash_command,
    sign_request,
)
from tests.sandbox.conftest import BOT_TOKEN, SIGNING_SECRET

FRAUD, ADA = "C0FRAUDDT1", "U0SANDBOX1"


class CapturingBot:
    """A stand-in bot: a WSGI app that records each request and answers what it is told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status, self.body = "200 OK", b""

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.requests.append(
            {
                "path": environ["PATH_INFO"],
                "content_type": environ.get("CONTENT_TYPE"),
                "timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                "signature": environ.get("HTTP_X_SLACK_SIGNATURE"),
                "body": environ["wsgi.input"].read(length),
            }
        )
        start_response(self.status, [("Content-Type", "application/json")])
        return [self.body]


@pytest.fixture
def bot() -> Iterator[tuple[CapturingBot, str]]:
    capturing = CapturingBot()
    with BackgroundServer(capturing) as server:
        yield capturing, f"{server.url}/slack/events"


def verified(request: dict[str, Any], secret: str = SIGNING_SECRET) -> bool:
    headers = {
        "x-slack-request-timestamp": request["timestamp"],
        "x-slack-signature": request["signature"],
    }
    return SignatureVerifier(secret).is_valid_request(request["body"], headers)


def test_sign_request_matches_slack_sdk() -> None:
    body = b"token=x&command=%2Fcost&text=top+project"
    now = int(time.time())
    headers = sign_request(SIGNING_SECRET, body, now)
    assert headers["X-Slack-Request-Timestamp"] == str(now)
    assert headers["X-Slack-Signature"].startswith("v0=")
    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.is_valid(body, str(now), headers["X-Slack-Signature"])
    assert not SignatureVerifier("wrong-secret").is_valid(
        body, str(now), headers["X-Slack-Signature"]
    )
    assert not verifier.is_valid(body + b"x", str(now), headers["X-Slack-Signature"])
    stale = sign_request(SIGNING_SECRET, body, now - 3600)
    assert not verifier.is_valid(body, str(now - 3600), stale["X-Slack-Signature"])


def test_a_slash_command_is_signed_and_shaped_like_slacks(sandbox: SandboxServer, bot) -> None:
    capturing, url = bot
    capturing.body = b'{"text": "on it"}'
    reply = send_slash_command(
        url, SIGNING_SECRET, sandbox.state, channel_id=FRAUD, user_id=ADA, text="top project"
    )
    assert (reply.status, reply.json()) == (200, {"text": "on it"})
    [request] = capturing.requests
    assert request["path"] == "/slack/events"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert verified(request)
    assert not verified(request, secret="wrong-secret")
    form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
    assert form["command"] == "/cost" and form["text"] == "top project"
    assert (form["channel_id"], form["channel_name"]) == (FRAUD, "fraud-detection")
    assert (form["user_id"], form["user_name"]) == (ADA, "ada")
    assert form["team_id"] == sandbox.state.team_id and form["api_app_id"] == sandbox.state.app_id
    assert form["trigger_id"] and form["token"]
    assert form["response_url"].startswith(f"{sandbox.url}/response/")
    assert WebhookClient(form["response_url"]).send(text="later").body == "ok"
    assert sandbox.state.messages(FRAUD)[0].ephemeral_to == ADA


def test_a_block_action_is_signed_and_shaped_like_slacks(sandbox: SandboxServer, bot) -> None:
    capturing, url = bot
    state = sandbox.state
    blocks = [
        {
            "type": "actions",
            "block_id": "idle",
            "elements": [
                {
                    "type": "button",
                    "action_id": "stop_instance",
                    "value": "i-0abc",
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Stop it"},
                }
            ],
        }
    ]
    client = WebClient(token=BOT_TOKEN, base_url=sandbox.api_url)
    posted = client.chat_postMessage(channel=FRAUD, text="Idle GPU box", blocks=blocks)
    message = state.find_message(FRAUD, posted["ts"])
    element = find_element(message.blocks, "idle", "stop_instance")
    reply = send_block_action(
        url,
        SIGNING_SECRET,
        state,
        user_id=ADA,
        action=action_json(element, "idle"),
        message=message,
    )
    assert reply.status == 200
    [request] = capturing.requests
    assert verified(request)
    form = parse_qs(request["body"].decode())
    payload = json.loads(form["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == ADA and payload["team"]["id"] == state.team_id
    assert payload["channel"] == {"id": FRAUD, "name": "fraud-detection"}
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": FRAUD,
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == posted["ts"]
    [action] = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == (
        "stop_instance",
        "idle",
        "i-0abc",
    )
    assert action["type"] == "button" and action["action_ts"]
    hook = WebhookClient(payload["response_url"])
    assert hook.send(text="Stopped", replace_original=True).body == "ok"
    assert state.find_message(FRAUD, posted["ts"]).text == "Stopped"


def test_app_home_opened_is_a_signed_event_callback(sandbox: SandboxServer, bot) -> None:
    capturing, url = bot
    reply = send_app_home_opened(url, SIGNING_SECRET, sandbox.state, user_id=ADA)
    assert reply.status == 200
    [request] = capturing.requests
    assert request["content_type"] == "application/json"
    assert verified(request)
    envelope = json.loads(request["body"])
    assert envelope["type"] == "event_callback"
    assert envelope["event"]["type"] == "app_home_opened"
    assert envelope["event"]["user"] == ADA and envelope["event"]["tab"] == "home"
    assert envelope["authorizations"][0]["user_id"] == sandbox.state.bot_user.id


def test_the_bots_failures_come_back_as_replies(sandbox: SandboxServer, bot) -> None:
    capturing, url = bot
    capturing.status, capturing.body = "500 Internal Server Error", b"boom"
    reply = send_slash_command(
        url, SIGNING_SECRET, sandbox.state, channel_id=FRAUD, user_id=ADA, text=""
    )
    assert (reply.status, reply.body, reply.error) == (500, "boom", None)
    with BackgroundServer(CapturingBot()) as gone:
        gone_url = gone.url
    reply = send_slash_command(
        gone_url, SIGNING_SECRET, sandbox.state, channel_id=FRAUD, user_id=ADA, text=""
    )
    assert (reply.status, reply.error) == (0, "unreachable")
