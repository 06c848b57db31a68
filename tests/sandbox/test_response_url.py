"""response_url: what Bolt's respond() posts to, driven with slack_sdk's WebhookClient."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.sandbox import SandboxServer, SandboxState
from bot.sandbox.response_url import show_command_ack
from bot.sandbox.signing import BotReply
from bot.sandbox.state import RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL_SECONDS
from tests.sandbox.conftest import BOT_TOKEN, http

FRAUD, ADA, BEN = "C0FRAUDDT1", "U0SANDBOX1", "U0SANDBOX2"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*$1,200* this week"}}]


def test_replies_are_ephemeral_by_default(state: SandboxState) -> None:
    url = state.new_response_url(FRAUD, ADA)
    assert url.startswith(state.base_url + "/response/")
    answer = WebhookClient(url).send(text="Only for Ada", blocks=BLOCKS)
    assert (answer.status_code, answer.body) == (200, "ok")
    [message] = state.messages(FRAUD)
    assert message.ephemeral_to == ADA and message.blocks[0]["text"]["text"] == "*$1,200* this week"
    assert state.messages(FRAUD, visible_to=BEN) == []


def test_in_channel_replies_are_seen_by_everyone(state: SandboxState) -> None:
    url = state.new_response_url(FRAUD, ADA)
    WebhookClient(url).send(text="For everyone", response_type="in_channel")
    [message] = state.messages(FRAUD, visible_to=BEN)
    assert message.text == "For everyone" and message.ephemeral_to is None
    assert message.user == state.bot_user.id


def test_replace_and_delete_the_original(client: WebClient, state: SandboxState) -> None:
    posted = client.chat_postMessage(channel=FRAUD, text="Stop idle box?", blocks=BLOCKS)
    url = state.new_response_url(FRAUD, ADA, message_ts=posted["ts"])
    hook = WebhookClient(url)
    assert hook.send(text="Stopped by Ada", replace_original=True).status_code == 200
    replaced = state.find_message(FRAUD, posted["ts"])
    assert replaced is not None and replaced.text == "Stopped by Ada" and replaced.blocks == []
    assert hook.send(delete_original=True).body == "ok"
    assert state.messages(FRAUD) == []


def test_a_replace_without_an_original_posts_a_new_message(state: SandboxState) -> None:
    url = state.new_response_url(FRAUD, ADA)
    WebhookClient(url).send(text="new", replace_original=True)
    assert [m.text for m in state.messages(FRAUD)] == ["new"]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({"text": "t", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        (
            {"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text"}}]},
            "invalid_blocks",
        ),
        ({"text": "t", "blocks": "nope"}, "invalid_blocks_format"),
        ({"response_type": "in_channel"}, "no_text"),
    ],
)
def test_invalid_replies_get_slacks_text_errors(state: SandboxState, payload, error) -> None:
    answer = WebhookClient(state.new_response_url(FRAUD, ADA)).send_dict(payload)
    assert (answer.status_code, answer.body) == (400, error)
    assert state.messages(FRAUD) == []


def test_a_body_that_is_not_json_is_invalid_payload(state: SandboxState) -> None:
    url = state.new_response_url(FRAUD, ADA)
    assert http(url, b"{nope", {"Content-Type": "application/json"}) == (400, "invalid_payload")


def test_a_url_works_five_times_within_thirty_minutes() -> None:
    now = [1_700_000_000.0]
    state = SandboxState(clock=lambda: now[0])
    with SandboxServer(state, bot_token=BOT_TOKEN, signing_secret="s") as sandbox:
        url = sandbox.state.new_response_url(FRAUD, ADA)
        hook = WebhookClient(url)
        for _ in range(RESPONSE_URL_MAX_USES):
            assert hook.send(text="again").status_code == 200
        assert (hook.send(text="once more").status_code, hook.send(text="x").body) == (
            404,
            "expired_url",
        )
        late = WebhookClient(sandbox.state.new_response_url(FRAUD, ADA))
        now[0] += RESPONSE_URL_TTL_SECONDS + 1
        assert (late.send(text="late").status_code, late.send(text="late").body) == (
            404,
            "expired_url",
        )
        unknown = WebhookClient(f"{sandbox.url}/response/not-a-token").send(text="x")
        assert (unknown.status_code, unknown.body) == (404, "no_active_hooks")


def test_response_url_posts_are_recorded(state: SandboxState) -> None:
    hook = WebhookClient(state.new_response_url(FRAUD, ADA))
    hook.send(text="fine")
    hook.send_dict({"text": "t", "blocks": [{"type": "nope"}]})
    calls = state.calls("response_url")
    assert [(c.ok, c.error) for c in calls] == [(True, None), (False, "invalid_blocks")]
    assert calls[0].params == {"text": "fine"}


@pytest.mark.parametrize(
    ("reply", "shown"),
    [
        (BotReply(200, ""), []),
        (BotReply(200, '{"text": "on it"}'), ["on it"]),
        (BotReply(200, "plain words"), ["plain words"]),
        (
            BotReply(200, '{"text": "t", "blocks": "x"}'),
            ['/cost failed with the error "invalid_blocks_format"'],
        ),
        (BotReply(500, "boom"), ['/cost failed with the error "http_service_error"']),
        (BotReply(0, "", error="timeout"), ['/cost failed with the error "operation_timeout"']),
        (BotReply(0, "", error="unreachable"), ['/cost failed with the error "dispatch_failed"']),
    ],
    ids=["bare ack", "json", "plain text", "bad blocks", "500", "timeout", "unreachable"],
)
def test_what_the_user_sees_of_a_command_answer(state: SandboxState, reply, shown) -> None:
    show_command_ack(state, FRAUD, ADA, reply, "/cost")
    messages = state.messages(FRAUD)
    assert [m.text for m in messages] == shown
    assert all(m.ephemeral_to == ADA for m in messages)
