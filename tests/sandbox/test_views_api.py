"""views.open / views.push / views.update against the fake, with Slack's checks and errors."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SandboxServer, SandboxState
from bot.sandbox.modals import TRIGGER_TTL_SECONDS
from tests.sandbox.conftest import BOT_TOKEN, SIGNING_SECRET

ADA, BEN = "U0SANDBOX1", "U0SANDBOX2"


def modal(title: str = "Set a budget", **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "budget_edit",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "amount",
                "label": {"type": "plain_text", "text": "Monthly budget"},
                "element": {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": True,
                },
            }
        ],
    }
    view.update(extra)
    return view


def refusal(call, **kwargs) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value


def test_open_answers_the_view_as_slack_does(client: WebClient, state: SandboxState) -> None:
    view = client.views_open(trigger_id=state.modals.new_trigger(ADA), view=modal())["view"]
    assert view["id"].startswith("V") and view["type"] == "modal"
    assert view["callback_id"] == "budget_edit" and view["private_metadata"] == ""
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["state"] == {"values": {}} and view["hash"]
    assert (view["app_id"], view["bot_id"], view["team_id"]) == (
        state.app_id,
        state.bot_id,
        state.team_id,
    )
    assert state.modals.top(ADA)["id"] == view["id"] and state.modals.top(BEN) is None


def test_a_trigger_is_used_once_and_expires() -> None:
    now = [1_800_000_000.0]
    state = SandboxState(clock=lambda: now[0])
    with SandboxServer(state, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET) as sandbox:
        client = WebClient(token=BOT_TOKEN, base_url=sandbox.api_url)
        trigger = state.modals.new_trigger(ADA)
        client.views_open(trigger_id=trigger, view=modal())
        error = refusal(client.views_open, trigger_id=trigger, view=modal())
        assert error.response["error"] == "exchanged_trigger_id"
        late = state.modals.new_trigger(ADA)
        now[0] += TRIGGER_TTL_SECONDS + 1
        assert refusal(client.views_open, trigger_id=late, view=modal()).response["error"] == (
            "expired_trigger_id"
        )
        in_time = state.modals.new_trigger(ADA)
        now[0] += TRIGGER_TTL_SECONDS - 1
        assert client.views_open(trigger_id=in_time, view=modal())["ok"]
        error = refusal(client.views_open, trigger_id="123.456.abc", view=modal())
        assert error.response["error"] == "invalid_trigger_id"
        error = refusal(client.views_open, trigger_id="", view=modal())
        assert error.response["error"] == "invalid_arguments"


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        (modal(title="A title that is too long!!"), "/view/title/text"),
        (modal(type="home"), "/view/type"),
        (modal(submit={"type": "plain_text", "text": "S" * 25}), "/view/submit/text"),
        (modal(close={"type": "mrkdwn", "text": "Cancel"}), "/view/close"),
        (modal(callback_id="c" * 256), "/view/callback_id"),
        (modal(private_metadata="m" * 3001), "/view/private_metadata"),
        (modal(submit=None), "/view/submit"),
        (modal(blocks=[{"type": "divider"}] * 101), "/view/blocks"),
        (
            modal(blocks=[{"type": "input", "label": {"type": "plain_text", "text": "x"}}]),
            "/view/blocks/0",
        ),
        (
            modal(
                blocks=[
                    {
                        "type": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "text": {"type": "plain_text", "text": "Delete"},
                                "confirm": {"title": {"type": "plain_text", "text": "Sure?"}},
                            }
                        ],
                    }
                ]
            ),
            "/view/blocks/0/elements/0/confirm/text",
        ),
    ],
)
def test_views_slack_refuses(client: WebClient, state: SandboxState, view, pointer: str) -> None:
    error = refusal(client.views_open, trigger_id=state.modals.new_trigger(ADA), view=view)
    assert error.response["error"] == "invalid_arguments"
    messages = error.response["response_metadata"]["messages"]
    assert any(m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages
    assert state.modals.top(ADA) is None


def test_update_by_id_or_external_id_with_hash(client: WebClient, state: SandboxState) -> None:
    first = client.views_open(
        trigger_id=state.modals.new_trigger(ADA), view=modal(external_id="budget-ada")
    )["view"]
    updated = client.views_update(view_id=first["id"], hash=first["hash"], view=modal("Saved"))
    assert updated["view"]["id"] == first["id"] and updated["view"]["title"]["text"] == "Saved"
    assert updated["view"]["external_id"] == "budget-ada"
    stale = refusal(client.views_update, view_id=first["id"], hash="1.stale", view=modal())
    assert stale.response["error"] == "hash_conflict"
    by_external = client.views_update(external_id="budget-ada", view=modal("Again"))["view"]
    assert by_external["id"] == first["id"] and state.modals.top(ADA)["title"]["text"] == "Again"
    assert refusal(client.views_update, view_id="V0NOPE", view=modal()).response["error"] == (
        "not_found"
    )
    missing_id = refusal(client.api_call, api_method="views.update", json={"view": modal()})
    assert missing_id.response["error"] == "invalid_arguments"
    duplicate = refusal(
        client.views_open,
        trigger_id=state.modals.new_trigger(BEN),
        view=modal(external_id="budget-ada"),
    )
    assert duplicate.response["error"] == "duplicate_external_id"


def test_push_stacks_three_views_at_most(client: WebClient, state: SandboxState) -> None:
    root = client.views_open(trigger_id=state.modals.new_trigger(ADA), view=modal())["view"]
    second = client.views_push(trigger_id=state.modals.new_trigger(ADA), view=modal("Two"))
    assert second["view"]["previous_view_id"] == root["id"]
    assert second["view"]["root_view_id"] == root["id"]
    client.views_push(trigger_id=state.modals.new_trigger(ADA), view=modal("Three"))
    assert state.modals.depth(ADA) == 3
    error = refusal(client.views_push, trigger_id=state.modals.new_trigger(ADA), view=modal("4"))
    assert error.response["error"] == "push_limit_reached"
    state.modals.pop(ADA)
    assert state.modals.top(ADA)["title"]["text"] == "Two"
