"""A real Bolt app, served over HTTP, driven through the sandbox page's own endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.sandbox import BackgroundServer, SandboxServer, SandboxState
from tests.sandbox.conftest import BOT_TOKEN, PNG, SIGNING_SECRET, http, post_json, wait_for

FRAUD, ADA = "C0FRAUDDT1", "U0SANDBOX1"
APPROVAL = [
    {"type": "header", "text": {"type": "plain_text", "text": "Idle GPU box"}},
    {
        "type": "actions",
        "block_id": "idle",
        "elements": [
            {
                "type": "button",
                "action_id": "stop_instance",
                "value": "i-0abc",
                "text": {"type": "plain_text", "text": "Stop it"},
            }
        ],
    },
]


def build_bolt_app(sandbox: SandboxServer) -> App:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=sandbox.api_url),
        signing_secret=SIGNING_SECRET,
    )

    @app.command("/cost")
    def cost(ack, command, respond, say, client):
        if command["text"] == "fail":
            raise RuntimeError("the bot broke")
        ack(text=f"Working on `{command['text']}`…")
        respond(text="Approve?", blocks=APPROVAL)
        say(text="Top projects this month: fraud-detection $1,200")
        client.files_upload_v2(
            channel=command["channel_id"], content=PNG, filename="spend.png", title="Spend"
        )

    @app.action("stop_instance")
    def stop_instance(ack, body, respond):
        ack()
        respond(replace_original=True, text=f"Stopped {body['actions'][0]['value']}")

    @app.event("app_home_opened")
    def home(client, event):
        view = {
            "type": "home",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Spend:* $1,200"}},
                {
                    "type": "actions",
                    "block_id": "home_actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "refresh",
                            "text": {"type": "plain_text", "text": "Refresh"},
                        }
                    ],
                },
            ],
        }
        client.views_publish(user_id=event["user"], view=view)

    @app.action("refresh")
    def refresh(ack, body, client):
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="Refreshed from the Home tab")

    return app


@pytest.fixture
def sandbox_with_bot() -> Iterator[SandboxServer]:
    with SandboxServer(
        SandboxState(), bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET
    ) as sandbox:
        handler = SlackRequestHandler(build_bolt_app(sandbox))
        with BackgroundServer(handler) as bot:
            sandbox.bot_url = f"{bot.url}/slack/events"
            yield sandbox


def test_a_slash_command_a_click_and_the_home_tab(sandbox_with_bot: SandboxServer) -> None:
    sandbox, state = sandbox_with_bot, sandbox_with_bot.state
    status, body = post_json(
        f"{sandbox.url}/sandbox/api/command",
        {"channel": FRAUD, "text": "/cost top project"},
        sandbox.ui_headers,
    )
    assert status == 200, body

    def everything_arrived():
        messages = state.messages(FRAUD)
        return len(messages) >= 4 and messages

    messages = wait_for(everything_arrived)
    ack = next(m for m in messages if m.text.startswith("Working on"))
    assert ack.ephemeral_to == ADA and ack.text == "Working on `top project`…"
    approval = next(m for m in messages if m.text == "Approve?")
    assert approval.ephemeral_to == ADA
    said = next(m for m in messages if m.text.startswith("Top projects"))
    assert said.ephemeral_to is None
    assert any(m.file_ids for m in messages)

    status, body = post_json(
        f"{sandbox.url}/sandbox/api/action",
        {"channel": FRAUD, "ts": approval.ts, "block_id": "idle", "action_id": "stop_instance"},
        sandbox.ui_headers,
    )
    assert status == 200, body
    wait_for(lambda: state.find_message(FRAUD, approval.ts).text == "Stopped i-0abc")

    status, body = post_json(
        f"{sandbox.url}/sandbox/api/home/open", {"user": ADA}, sandbox.ui_headers
    )
    assert status == 200, body
    view = wait_for(lambda: state.home_view(ADA))
    assert view["blocks"][0]["text"]["text"] == "*Spend:* $1,200"
    status, body = post_json(
        f"{sandbox.url}/sandbox/api/action",
        {"view": "home", "block_id": "home_actions", "action_id": "refresh"},
        sandbox.ui_headers,
    )
    assert status == 200, body
    dm = state.open_dm(ADA).id
    wait_for(lambda: [m.text for m in state.messages(dm)] == ["Refreshed from the Home tab"])


def test_a_failing_command_shows_slacks_error(sandbox_with_bot: SandboxServer) -> None:
    sandbox, state = sandbox_with_bot, sandbox_with_bot.state
    status, _ = post_json(
        f"{sandbox.url}/sandbox/api/command",
        {"channel": FRAUD, "text": "/cost fail"},
        sandbox.ui_headers,
    )
    assert status == 200
    [failure] = state.messages(FRAUD)
    assert failure.user == "USLACKBOT" and failure.ephemeral_to == ADA
    assert failure.text == '/cost failed with the error "http_service_error"'


def test_the_page_and_its_json(sandbox_with_bot: SandboxServer) -> None:
    sandbox = sandbox_with_bot
    status, page = http(f"{sandbox.url}/")
    assert status == 200 and "/sandbox/static/sandbox.js" in page
    for name in ("sandbox.js", "blocks.js", "mrkdwn.js", "sandbox.css"):
        assert http(f"{sandbox.url}/sandbox/static/{name}")[0] == 200
    post_json(
        f"{sandbox.url}/sandbox/api/command",
        {"channel": FRAUD, "text": "hello team"},
        sandbox.ui_headers,
    )
    status, body = http(
        f"{sandbox.url}/sandbox/api/messages?channel=fraud-detection", headers=sandbox.ui_headers
    )
    assert status == 200
    [message] = json.loads(body)["messages"]
    assert (message["text"], message["ephemeral"], message["user_name"]) == (
        "hello team",
        False,
        "Ada Park",
    )
    assert (
        http(f"{sandbox.url}/sandbox/api/messages?channel=C0NOPE", headers=sandbox.ui_headers)[0]
        == 404
    )
