"""Modals and confirm dialogs end to end: a real Bolt app served over HTTP opens a modal with
the trigger_id the sandbox sent, and the page API fills, submits and closes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.sandbox import BackgroundServer, SandboxServer, SandboxState
from bot.sandbox.modal_submit import REQUIRED
from bot.sandbox.page_client import SandboxPage
from tests.sandbox.conftest import BOT_TOKEN, SIGNING_SECRET, wait_for
from tests.sandbox.modal_bot import (
    ADA,
    BEN,
    CHEN,
    COSTS,
    build_app,
    confirm_dialog,
    option,
    post_delete_button,
)


@pytest.fixture
def world() -> Iterator[tuple[SandboxServer, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    sb = SandboxServer(SandboxState(), bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET)
    with sb, BackgroundServer(SlackRequestHandler(build_app(sb, received))) as bot:
        sb.bot_url = f"{bot.url}/slack/events"
        yield sb, received


def test_submit_with_errors_then_values_in_slacks_shapes(world) -> None:
    sandbox, received = world
    page = SandboxPage(sandbox)
    page.command(COSTS, "/cost budget")
    view = page.wait_for_modal(callback_id="budget_edit")
    assert view["title"]["text"] == "Set a budget"

    missing = page.submit({})  # the Slack client refuses before sending anything
    assert missing["result"] == "errors" and missing["errors"] == {
        "amount": REQUIRED,
        "currency": REQUIRED,
    }
    assert received == [] and page.modal()["errors"] == missing["errors"]

    refused = page.submit({"amount": {"value": "-5"}, "currency": {"value": "usd"}})
    assert refused["result"] == "errors"
    assert refused["errors"] == {"amount": "A budget cannot be negative"}
    assert page.modal()["view"]["id"] == view["id"]

    entered = {
        "amount": {"value": "1200.50"},
        "currency": {"value": "eur"},
        "levels": {"value": ["50", "100"]},
        "channel": {"value": COSTS},
        "public": {"value": "C0GENERAL1"},
        "people": {"value": [BEN, CHEN]},
    }
    assert page.submit(entered)["result"] == "closed"
    assert page.modal()["view"] is None
    body = received[-1]
    assert body["type"] == "view_submission" and body["api_app_id"] == sandbox.state.app_id
    assert body["team"]["id"] == sandbox.state.team_id and body["user"]["id"] == ADA
    assert body["trigger_id"] and body["view"]["id"] == view["id"]
    assert body["view"]["callback_id"] == "budget_edit"
    assert body["view"]["private_metadata"] == "budget:fraud-detection"
    assert body["view"]["state"]["values"] == {
        "amount": {"value": {"type": "number_input", "value": "1200.50"}},
        "note": {"value": {"type": "plain_text_input", "value": "Q3"}},
        "period": {"value": {"type": "static_select", "selected_option": option("monthly")}},
        "currency": {"value": {"type": "radio_buttons", "selected_option": option("eur")}},
        "levels": {
            "value": {"type": "checkboxes", "selected_options": [option("50"), option("100")]}
        },
        "channel": {"value": {"type": "conversations_select", "selected_conversation": COSTS}},
        "public": {"value": {"type": "channels_select", "selected_channel": "C0GENERAL1"}},
        "people": {"value": {"type": "multi_users_select", "selected_users": [BEN, CHEN]}},
    }


def test_update_push_and_clear_answers(world) -> None:
    sandbox, _ = world
    page = SandboxPage(sandbox)
    base = {"amount": {"value": "10"}, "currency": {"value": "usd"}}
    page.command(COSTS, "/cost budget")
    view = page.wait_for_modal()
    assert page.submit({**base, "note": {"value": "update"}})["result"] == "updated"
    shown = page.modal()["view"]
    assert shown["id"] == view["id"] and shown["title"]["text"] == "Saved"
    assert page.submit({**base, "note": {"value": "push"}})["result"] == "pushed"
    assert page.modal()["depth"] == 2 and page.modal()["view"]["callback_id"] == "second"
    assert page.submit(base)["result"] == "closed"  # the pushed view goes, the root shows
    assert page.modal()["view"]["id"] == view["id"]
    assert page.submit({**base, "note": {"value": "clear"}})["result"] == "cleared"
    assert page.modal()["view"] is None


def test_close_tells_the_bot_only_when_asked(world) -> None:
    sandbox, received = world
    page = SandboxPage(sandbox)
    page.command(COSTS, "/cost budget")
    page.wait_for_modal()
    assert page.close()["reply"] is None and page.modal()["view"] is None
    page.command(COSTS, "/cost notify")
    view = page.wait_for_modal()
    answer = page.close()
    assert answer["reply"]["status"] == 200
    [closed] = received
    assert closed["type"] == "view_closed" and closed["view"]["id"] == view["id"]
    assert closed["is_cleared"] is False


def test_a_button_with_a_confirm_dialog(world) -> None:
    sandbox, received = world
    state = sandbox.state
    confirm = confirm_dialog()
    post_delete_button(sandbox.api_url)
    [message] = state.messages(COSTS)
    page = SandboxPage(sandbox)
    asked = page.press(COSTS, message.ts, "budget", "delete_budget", confirm=False)
    assert asked["confirm"] == confirm and received == []  # denied: nothing sent
    pressed = page.press(COSTS, message.ts, "budget", "delete_budget")
    assert pressed["confirmed"] == confirm and pressed["status"] == 200
    wait_for(lambda: state.find_message(COSTS, message.ts).text == "Budget deleted")
    [action] = received
    assert action["actions"][0]["value"] == "fraud-detection" and action["trigger_id"]


def test_a_button_in_a_modal_carries_what_was_entered(world) -> None:
    sandbox, received = world
    page = SandboxPage(sandbox)
    page.command(COSTS, "/cost budget")
    view = page.wait_for_modal()
    entered = {"amount": {"value": "900"}, "currency": {"value": "usd"}}
    answer = page.press(None, None, "preview", "preview", view="modal", values=entered)
    assert answer["status"] == 200
    shown = wait_for(
        lambda: page.modal()["view"]["title"]["text"] == "Preview 900" and page.modal()
    )
    assert shown["view"]["id"] == view["id"]
    [action] = received
    assert action["type"] == "block_actions" and action["container"] == {
        "type": "view",
        "view_id": view["id"],
    }
    assert action["state"]["values"]["amount"]["value"] == {"type": "number_input", "value": "900"}
    assert action["view"]["state"] == action["state"] and action["trigger_id"]
