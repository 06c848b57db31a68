"""The fake Slack driven by the real slack_sdk WebClient, over HTTP on a free port."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SandboxServer, SandboxState
from tests.sandbox.conftest import APP_TOKEN, BOT_TOKEN, PNG, http, http_bytes

GENERAL, ML_PLATFORM, FRAUD = "C0GENERAL1", "C0MLPLATF1", "C0FRAUDDT1"
ADA, BEN = "U0SANDBOX1", "U0SANDBOX2"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Stop it", value: str = "i-123", action_id: str = "stop") -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


def slack_error(call, **kwargs) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value


# -- identity and auth -----------------------------------------------------------------------
def test_auth_test_names_the_bot(client: WebClient, state: SandboxState) -> None:
    answer = client.auth_test()
    assert answer["ok"] is True
    assert answer["user_id"] == state.bot_user.id
    assert answer["bot_id"] == state.bot_id
    assert answer["team_id"] == state.team_id
    assert answer["url"].startswith("http://127.0.0.1:")


def test_a_wrong_token_is_invalid_auth(sandbox: SandboxServer) -> None:
    stranger = WebClient(token="xoxb-not-the-right-one", base_url=sandbox.api_url)
    assert slack_error(stranger.auth_test).response["error"] == "invalid_auth"
    error = slack_error(stranger.chat_postMessage, channel=GENERAL, text="hi")
    assert error.response["error"] == "invalid_auth"
    assert sandbox.state.messages(GENERAL) == []


def test_no_token_is_not_authed(sandbox: SandboxServer) -> None:
    status, body = http(f"{sandbox.api_url}auth.test", b"")
    assert status == 200
    assert json.loads(body) == {"ok": False, "error": "not_authed"}


def test_a_token_in_the_form_body_is_accepted(sandbox: SandboxServer) -> None:
    _, body = http(f"{sandbox.api_url}auth.test", f"token={BOT_TOKEN}".encode())
    assert json.loads(body)["ok"] is True


def test_tokens_of_the_wrong_kind_are_refused(sandbox: SandboxServer) -> None:
    app_client = WebClient(token=APP_TOKEN, base_url=sandbox.api_url)
    error = slack_error(app_client.chat_postMessage, channel=GENERAL, text="hi")
    assert error.response["error"] == "not_allowed_token_type"
    bot_client = WebClient(token=BOT_TOKEN, base_url=sandbox.api_url)
    error = slack_error(bot_client.apps_connections_open, app_token=BOT_TOKEN)
    assert error.response["error"] == "not_allowed_token_type"


def test_apps_connections_open_returns_the_configured_url(sandbox: SandboxServer) -> None:
    sandbox.state.socket_mode_url = "ws://127.0.0.1:9/link/?ticket=sandbox"
    answer = WebClient(base_url=sandbox.api_url).apps_connections_open(app_token=APP_TOKEN)
    assert answer["url"] == "ws://127.0.0.1:9/link/?ticket=sandbox"


def test_an_unknown_method_is_unknown_method(client: WebClient) -> None:
    error = slack_error(client.api_call, api_method="chat.postMessageTwice")
    assert error.response["error"] == "unknown_method"


# -- messages --------------------------------------------------------------------------------
def test_post_message_is_stored_with_its_ts(client: WebClient, state: SandboxState) -> None:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Top projects"}}]
    first = client.chat_postMessage(channel="#ml-platform", text="Top projects", blocks=blocks)
    second = client.chat_postMessage(channel=ML_PLATFORM, text="second")
    assert first["channel"] == ML_PLATFORM
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "Top projects"
    assert first["message"]["bot_id"] == state.bot_id
    stored = state.messages(ML_PLATFORM)
    assert [m.ts for m in stored] == [first["ts"], second["ts"]]
    assert stored[0].blocks[0]["text"]["text"] == "Top projects"
    assert stored[0].blocks[0]["block_id"]  # Slack fills in block ids


def test_form_encoded_calls_work_too(client: WebClient, state: SandboxState) -> None:
    blocks = json.dumps([section("*form* body")])
    answer = client.api_call(
        "chat.postMessage", params={"channel": FRAUD, "text": "form", "blocks": blocks}
    )
    assert answer["ok"] is True
    assert state.messages(FRAUD)[0].blocks[0]["text"]["text"] == "*form* body"


def test_post_message_to_a_user_opens_a_dm(client: WebClient, state: SandboxState) -> None:
    answer = client.chat_postMessage(channel=BEN, text="Your GPU box is idle")
    assert answer["channel"].startswith("D")
    assert state.messages(answer["channel"])[0].text == "Your GPU box is idle"


def test_post_ephemeral_is_seen_by_one_user(client: WebClient, state: SandboxState) -> None:
    answer = client.chat_postEphemeral(channel=FRAUD, user=ADA, text="only you", blocks=[])
    assert answer["message_ts"]
    assert [m.text for m in state.messages(FRAUD, visible_to=ADA)] == ["only you"]
    assert state.messages(FRAUD, visible_to=BEN) == []
    assert state.ephemeral_messages(ADA)[0].ephemeral_to == ADA
    error = slack_error(client.chat_postEphemeral, channel=FRAUD, user="U0NOBODY", text="x")
    assert error.response["error"] == "user_not_in_channel"


def test_update_and_delete(client: WebClient, state: SandboxState) -> None:
    posted = client.chat_postMessage(channel=GENERAL, text="v1", blocks=[section("v1")])
    updated = client.chat_update(channel=GENERAL, ts=posted["ts"], text="v2")
    assert updated["ts"] == posted["ts"]
    assert updated["message"]["blocks"][0]["text"]["text"] == "v1"  # blocks kept
    message = state.find_message(GENERAL, posted["ts"])
    assert message is not None and message.text == "v2" and message.edited_ts
    client.chat_delete(channel=GENERAL, ts=posted["ts"])
    assert state.messages(GENERAL) == []
    error = slack_error(client.chat_delete, channel=GENERAL, ts=posted["ts"])
    assert error.response["error"] == "message_not_found"
    error = slack_error(client.chat_update, channel=GENERAL, ts="1.000001", text="x")
    assert error.response["error"] == "message_not_found"


def test_calls_are_recorded_without_the_token(client: WebClient, state: SandboxState) -> None:
    client.chat_postMessage(channel=GENERAL, text="hello")
    slack_error(client.chat_postMessage, channel="#nowhere", text="hello")
    calls = state.calls("chat.postMessage")
    assert [(c.ok, c.error) for c in calls] == [(True, None), (False, "channel_not_found")]
    assert calls[0].params == {"channel": GENERAL, "text": "hello"}
    assert calls[0].time > 0
    assert all("token" not in c.params for c in state.calls())


# -- Slack's limits --------------------------------------------------------------------------
def blocks_of(*blocks: dict[str, Any]) -> list[dict[str, Any]]:
    return list(blocks)


LIMIT_CASES = {
    "text over 40,000 characters": ({"text": "x" * 40_001}, "msg_too_long"),
    "more than 50 blocks": ({"blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
    "a block without a type": ({"blocks": [{"text": "hi"}]}, "invalid_blocks"),
    "a block that is not an object": ({"blocks": ["divider"]}, "invalid_blocks"),
    "an unknown block type": ({"blocks": [{"type": "marquee"}]}, "invalid_blocks"),
    "section text over 3000": ({"blocks": [section("x" * 3001)]}, "invalid_blocks"),
    "empty section text": ({"blocks": [section("")]}, "invalid_blocks"),
    "header text over 150": (
        {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]},
        "invalid_blocks",
    ),
    "a mrkdwn header": (
        {"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}]},
        "invalid_blocks",
    ),
    "more than 10 fields": (
        {"blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]},
        "invalid_blocks",
    ),
    "more than 25 action elements": (
        {
            "blocks": [
                {"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}
            ]
        },
        "invalid_blocks",
    ),
    "button text over 75": (
        {"blocks": [{"type": "actions", "elements": [button(text="x" * 76)]}]},
        "invalid_blocks",
    ),
    "button value over 2000": (
        {"blocks": [{"type": "actions", "elements": [button(value="x" * 2001)]}]},
        "invalid_blocks",
    ),
    "duplicate block ids": (
        {"blocks": [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}]},
        "invalid_blocks",
    ),
    "blocks that are not JSON": ({"blocks": "[{not json"}, "invalid_blocks_format"),
    "blocks that are not a list": ({"blocks": json.dumps(section("x"))}, "invalid_blocks_format"),
    "neither text nor blocks": ({}, "no_text"),
    "an unknown channel": ({"channel": "C0NOWHERE", "text": "hi"}, "channel_not_found"),
}


@pytest.mark.filterwarnings("ignore:.*always provide a `text` argument:UserWarning")
@pytest.mark.parametrize("case", LIMIT_CASES, ids=list(LIMIT_CASES))
def test_limits_answer_with_slacks_errors(client: WebClient, state: SandboxState, case) -> None:
    arguments, expected = LIMIT_CASES[case]
    fallback = {} if expected == "no_text" else {"text": "fallback"}
    arguments = {"channel": GENERAL, **fallback, **arguments}
    error = slack_error(client.chat_postMessage, **arguments)
    assert error.response["error"] == expected
    if expected == "invalid_blocks":
        messages = error.response["response_metadata"]["messages"]
        assert messages and all("[json-pointer:/blocks" in m for m in messages)
    ephemeral = slack_error(client.chat_postEphemeral, user=ADA, **arguments)
    assert ephemeral.response["error"] == expected
    assert state.messages(GENERAL) == []


def test_messages_exactly_at_the_limits_are_accepted(client: WebClient) -> None:
    at_limits = [
        {"type": "header", "text": {"type": "plain_text", "text": "x" * 150}},
        section("x" * 3000),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 10},
        {"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(25)]},
        {"type": "actions", "elements": [button(text="x" * 75, value="v" * 2000)]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "as of today"}]},
        {"type": "image", "image_url": "http://127.0.0.1/chart.png", "alt_text": "chart"},
    ]
    blocks = at_limits + [{"type": "divider"}] * (50 - len(at_limits))
    assert client.chat_postMessage(channel=GENERAL, text="x" * 40_000, blocks=blocks)["ok"]


# -- App Home --------------------------------------------------------------------------------
def home(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "home", "blocks": list(blocks)}


def test_views_publish_stores_the_home_view(client: WebClient, state: SandboxState) -> None:
    answer = client.views_publish(user_id=ADA, view=home(section("*This month:* $12,400")))
    assert answer["view"]["type"] == "home"
    assert answer["view"]["id"].startswith("V")
    stored = state.home_view(ADA)
    assert stored is not None and stored["blocks"][0]["text"]["text"] == "*This month:* $12,400"
    again = client.views_publish(user_id=ADA, view=home(section("v2")), hash=answer["view"]["hash"])
    assert again["view"]["id"] == answer["view"]["id"]
    stale = slack_error(client.views_publish, user_id=ADA, view=home(), hash="stale")
    assert stale.response["error"] == "hash_conflict"


@pytest.mark.parametrize(
    "view",
    [
        {"type": "modal", "blocks": []},
        home(*[{"type": "divider"}] * 101),
        home(section("x" * 3001)),
        home({"text": "no type"}),
    ],
    ids=["not a home view", "over 100 blocks", "section too long", "block without type"],
)
def test_views_publish_refuses_invalid_views(client: WebClient, view: dict) -> None:
    error = slack_error(client.views_publish, user_id=ADA, view=view)
    assert error.response["error"] == "invalid_arguments"
    assert error.response["response_metadata"]["messages"]


# -- users and conversations -----------------------------------------------------------------
def test_users_info(client: WebClient) -> None:
    user = client.users_info(user=ADA)["user"]
    assert (user["id"], user["name"], user["is_bot"]) == (ADA, "ada", False)
    assert user["profile"]["real_name"] == "Ada Park"
    assert slack_error(client.users_info, user="U0NOBODY").response["error"] == "user_not_found"


def test_conversations_list_and_info(client: WebClient) -> None:
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert {"general", "ml-platform", "fraud-detection"} <= set(names)
    first = client.conversations_list(limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_list(limit=100, cursor=cursor)
    paged = [c["name"] for c in first["channels"] + rest["channels"]]
    assert paged == names and rest["response_metadata"]["next_cursor"] == ""
    info = client.conversations_info(channel=FRAUD)["channel"]
    assert (info["id"], info["name"], info["is_channel"]) == (FRAUD, "fraud-detection", True)
    error = slack_error(client.conversations_info, channel="C0NOWHERE")
    assert error.response["error"] == "channel_not_found"


# -- files -----------------------------------------------------------------------------------
def test_files_upload_v2_end_to_end(client: WebClient, state: SandboxState) -> None:
    answer = client.files_upload_v2(
        channel=FRAUD,
        content=PNG,
        filename="spend.png",
        title="Spend by day",
        initial_comment="Here is the chart",
    )
    file = answer["file"]
    assert file["name"] == "spend.png" and file["title"] == "Spend by day"
    assert file["mimetype"] == "image/png" and file["size"] == len(PNG)
    [message] = state.messages(FRAUD)
    assert message.text == "Here is the chart"
    assert message.file_ids == [file["id"]]
    assert state.message_json(message)["files"][0]["id"] == file["id"]
    assert http_bytes(file["url_private"]) == (200, PNG)
    stored = state.file(file["id"])
    assert stored is not None and stored.content == PNG
    methods = [c.method for c in state.calls()]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_files_upload_v2_from_a_path_in_a_thread(client, state: SandboxState, tmp_path) -> None:
    parent = client.chat_postMessage(channel=GENERAL, text="report")
    path = tmp_path / "report.csv"
    path.write_text("project,cost\nfraud,1200\n")
    answer = client.files_upload_v2(channel=GENERAL, file=str(path), thread_ts=parent["ts"])
    reply = state.messages(GENERAL)[-1]
    assert reply.thread_ts == parent["ts"] and reply.file_ids == [answer["file"]["id"]]


def test_files_upload_v2_without_a_channel_keeps_the_file_private(client, state) -> None:
    answer = client.files_upload_v2(content=b"a,b\n", filename="private.csv")
    assert answer["file"]["channels"] == []
    assert all(state.messages(c) == [] for c in state.channels)


def test_complete_upload_refuses_unknown_files_and_channels(client: WebClient) -> None:
    error = slack_error(client.files_completeUploadExternal, files=[{"id": "F0NOPE"}])
    assert error.response["error"] == "file_not_found"
    url = client.files_getUploadURLExternal(filename="a.txt", length=1)
    http(url["upload_url"], b"a")
    error = slack_error(
        client.files_completeUploadExternal, files=[{"id": url["file_id"]}], channel_id="C0NOPE"
    )
    assert error.response["error"] == "channel_not_found"


def test_an_image_can_show_a_private_upload_by_id(client: WebClient, state, sandbox) -> None:
    upload = client.files_upload_v2(content=PNG, filename="trend.png", title="Trend")
    image = {"type": "image", "slack_file": {"id": upload["file"]["id"]}, "alt_text": "trend"}
    answer = client.chat_postEphemeral(channel=FRAUD, user=ADA, text="trend", blocks=[image])
    assert answer["ok"]
    assert http_bytes(f"{sandbox.url}/sandbox/files/{upload['file']['id']}") == (200, PNG)
    missing = {**image, "slack_file": {"id": "F0NOSUCHFILE"}}
    error = slack_error(client.chat_postMessage, channel=FRAUD, text="t", blocks=[missing])
    assert error.response["error"] == "invalid_blocks"
    assert "/blocks/0/slack_file" in error.response["response_metadata"]["messages"][0]
