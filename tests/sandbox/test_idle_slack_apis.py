"""What idle-machine proposals use of the fake Slack: users.lookupByEmail, chat.update of the
bot's channel messages (seen on the page), and the switch that makes the Web API answer 429."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox import SandboxServer, SandboxState
from bot.sandbox.page_client import SandboxPage
from bot.sandbox.state import Message
from tests.sandbox.conftest import BOT_TOKEN, http, post_json

ML_PLATFORM = "C0MLPLATF1"
ADA, BEN = "U0SANDBOX1", "U0SANDBOX2"


def slack_error(call, **kwargs) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# -- users.lookupByEmail ----------------------------------------------------------------------
def test_lookup_by_email_finds_the_demo_people(client: WebClient) -> None:
    found = client.users_lookupByEmail(email="ada@example.com")
    assert found["user"]["id"] == ADA
    assert found["user"]["profile"]["email"] == "ada@example.com"
    assert client.users_lookupByEmail(email="  Ben@Example.COM ")["user"]["id"] == BEN


def test_lookup_by_email_of_nobody_is_users_not_found(client: WebClient) -> None:
    error = slack_error(client.users_lookupByEmail, email="nobody@example.com")
    assert error.response["error"] == "users_not_found"


def test_bots_have_no_email(client: WebClient, state: SandboxState) -> None:
    assert "email" not in client.users_info(user=state.bot_user.id)["user"]["profile"]
    error = slack_error(client.users_lookupByEmail, email="costbot@example.com")
    assert error.response["error"] == "users_not_found"


def test_lookup_by_email_needs_the_email(client: WebClient) -> None:
    error = slack_error(client.api_call, api_method="users.lookupByEmail", json={})
    assert error.response["error"] == "invalid_arguments"


# -- chat.update of channel messages ------------------------------------------------------------
def test_the_bot_rewrites_its_channel_message_by_channel_and_ts(
    client: WebClient, sandbox: SandboxServer
) -> None:
    buttons = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Approve stop"},
                "action_id": "idle_approve",
                "value": "p1",
            }
        ],
    }
    posted = client.chat_postMessage(
        channel=ML_PLATFORM, text="proposed", blocks=[section("proposed"), buttons]
    )
    block_id = posted["message"]["blocks"][1]["block_id"]
    sandbox.bot_url = "http://127.0.0.1:9/slack/events"  # nothing listens: the press is sent
    page = SandboxPage(sandbox)
    asked = page.press(ML_PLATFORM, posted["ts"], block_id, "idle_approve")
    assert asked["error"]  # the button was found and its click sent (to nobody)
    client.chat_update(
        channel=posted["channel"], ts=posted["ts"], text="stopped", blocks=[section("stopped")]
    )
    status, body = http(
        f"{sandbox.url}/sandbox/api/messages?channel={ML_PLATFORM}", headers=sandbox.ui_headers
    )
    assert status == 200
    [shown] = json.loads(body)["messages"]
    assert shown["ts"] == posted["ts"] and shown["text"] == "stopped"
    assert [b["type"] for b in shown["blocks"]] == ["section"]  # the buttons are gone
    assert shown["edited"]["ts"] > posted["ts"]  # the page marks it "(edited)"
    # The old buttons no longer exist: a stale click finds nothing to press.
    with pytest.raises(RuntimeError, match="404"):
        page.press(ML_PLATFORM, posted["ts"], block_id, "idle_approve")


def test_only_the_bots_own_messages_can_be_updated(client: WebClient, state: SandboxState) -> None:
    mine = state.add_message(Message(ML_PLATFORM, state.next_ts(), ADA, "a person wrote this"))
    error = slack_error(client.chat_update, channel=ML_PLATFORM, ts=mine.ts, text="x")
    assert error.response["error"] == "cant_update_message"
    assert state.find_message(ML_PLATFORM, mine.ts).text == "a person wrote this"


def test_an_ephemeral_message_cannot_be_updated(client: WebClient) -> None:
    ts = client.chat_postEphemeral(channel=ML_PLATFORM, user=ADA, text="only you")["message_ts"]
    error = slack_error(client.chat_update, channel=ML_PLATFORM, ts=ts, text="x")
    assert error.response["error"] == "message_not_found"


def test_an_update_must_fit_slacks_limits(client: WebClient, state: SandboxState) -> None:
    posted = client.chat_postMessage(channel=ML_PLATFORM, text="v1")
    too_many = [section(str(i)) for i in range(51)]
    error = slack_error(
        client.chat_update, channel=ML_PLATFORM, ts=posted["ts"], text="v2", blocks=too_many
    )
    assert error.response["error"] == "invalid_blocks"
    assert state.find_message(ML_PLATFORM, posted["ts"]).text == "v1"


# -- the 429 switch ----------------------------------------------------------------------------
def test_the_switch_answers_429_with_retry_after(sandbox: SandboxServer, client) -> None:
    answer = SandboxPage(sandbox).rate_limit("chat.update", count=1, retry_after=3)
    assert answer == {"pending": {"chat.update": 1}}
    posted = client.chat_postMessage(channel=ML_PLATFORM, text="v1")  # other methods unaffected
    error = slack_error(client.chat_update, channel=ML_PLATFORM, ts=posted["ts"], text="v2")
    assert error.response.status_code == 429
    assert error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] in ("3", ["3"])
    client.chat_update(channel=ML_PLATFORM, ts=posted["ts"], text="v2")  # the next one goes
    status, body = http(f"{sandbox.url}/sandbox/api/rate-limit", headers=sandbox.ui_headers)
    assert (status, json.loads(body)) == (200, {"pending": {}})


def test_slack_sdks_retry_handler_waits_it_out(sandbox: SandboxServer) -> None:
    SandboxPage(sandbox).rate_limit("chat.postMessage", count=2, retry_after=1)
    client = WebClient(
        token=BOT_TOKEN,
        base_url=sandbox.api_url,
        timeout=10,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    started = time.monotonic()
    posted = client.chat_postMessage(channel=ML_PLATFORM, text="after the wait")
    assert posted["ok"] and time.monotonic() - started >= 2  # two waits of Retry-After: 1
    calls = sandbox.state.calls("chat.postMessage")
    assert [c.error for c in calls] == ["ratelimited", "ratelimited", None]


def test_the_switch_for_any_method(sandbox: SandboxServer, client: WebClient) -> None:
    SandboxPage(sandbox).rate_limit("*", count=1, retry_after=0)
    error = slack_error(client.users_lookupByEmail, email="ada@example.com")
    assert error.response.status_code == 429
    assert client.users_lookupByEmail(email="ada@example.com")["user"]["id"] == ADA


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"method": "chat.nothing"}, "unknown Web API method"),
        ({"method": "chat.update", "count": 0}, "count must be"),
        ({"method": "chat.update", "count": True}, "count must be"),
        ({"method": "chat.update", "retry_after": -1}, "retry_after must be"),
        ({"method": "chat.update", "retry_after": "soon"}, "retry_after must be"),
    ],
)
def test_a_bad_switch_request_says_what_is_wrong(sandbox: SandboxServer, body, problem) -> None:
    url = f"{sandbox.url}/sandbox/api/rate-limit"
    status, answer = post_json(url, body, sandbox.ui_headers)
    assert status == 400 and problem in json.loads(answer)["error"]
    assert sandbox.state.pending_faults() == {}


def test_the_switch_needs_the_pages_key(sandbox: SandboxServer) -> None:
    status, _ = post_json(f"{sandbox.url}/sandbox/api/rate-limit", {"method": "*"})
    assert status == 403
    assert sandbox.state.pending_faults() == {}
