"""handlers/access.py on a real Bolt app: the listener runs only for allowed users; anyone else
gets the refusal (in the command's ack, or on the modal) and the listener never runs."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult

from handlers.access import only_allowed, user_of

REFUSAL = "Sorry, only budget editors may change budgets: ask <@U0EDITOR>. Nothing was changed."


def app_with(ran: list[str]) -> App:
    app = App(
        signing_secret="secret",
        request_verification_enabled=False,
        # No Slack to ask who the token is: the installation is told, not looked up.
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="U0BOT"
        ),
    )
    guard = only_allowed(
        lambda user: user == "U0EDITOR",
        lambda: REFUSAL,
        applies=lambda body: "set" in str(body.get("text", "set")),
        block_id="amount",
    )

    @app.command("/cost", middleware=[guard])
    def command(ack, body):
        ran.append(body["user_id"])
        ack(text="done")

    @app.view("budget_modal", middleware=[guard])
    def submission(ack, body):
        ran.append(body["user"]["id"])
        ack()

    return app


def command(user: str, text: str) -> BoltRequest:
    form = {"command": "/cost", "text": text, "user_id": user, "team_id": "T1", "channel_id": "C1"}
    return BoltRequest(body=urlencode(form), headers={})


def submission(user: str) -> BoltRequest:
    payload = {
        "type": "view_submission",
        "user": {"id": user},
        "team": {"id": "T1"},
        "view": {"type": "modal", "callback_id": "budget_modal", "state": {"values": {}}},
    }
    return BoltRequest(body=urlencode({"payload": json.dumps(payload)}), headers={})


def test_an_allowed_user_reaches_the_listener() -> None:
    ran: list[str] = []
    response = app_with(ran).dispatch(command("U0EDITOR", "budget set all 5"))
    assert response.status == 200 and ran == ["U0EDITOR"]


def test_anyone_else_gets_the_refusal_privately_and_the_listener_never_runs() -> None:
    ran: list[str] = []
    response = app_with(ran).dispatch(command("U0OTHER", "budget set all 5"))
    assert ran == []
    reply = json.loads(response.body)
    assert response.status == 200 and reply["response_type"] == "ephemeral"
    assert "only budget editors" in reply["text"] and "<@U0EDITOR>" in reply["text"]


def test_requests_the_rule_does_not_apply_to_go_through_for_anyone() -> None:
    ran: list[str] = []
    app_with(ran).dispatch(command("U0OTHER", "budget"))
    assert ran == ["U0OTHER"]


def test_a_refused_modal_submission_shows_the_refusal_on_the_modal() -> None:
    ran: list[str] = []
    response = app_with(ran).dispatch(submission("U0OTHER"))
    assert ran == []
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"amount": REFUSAL[:150]},
    }
    app_with(ran).dispatch(submission("U0EDITOR"))
    assert ran == ["U0EDITOR"]


def test_the_user_is_read_from_commands_and_interactions() -> None:
    assert user_of({"user_id": "U1"}) == "U1"
    assert user_of({"user": {"id": "U2"}}) == "U2"
    assert user_of({}) == ""
