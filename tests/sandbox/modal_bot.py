"""A tiny real Bolt app that opens a budget modal with every input element Slack has, and a
confirm-guarded button: what the modal tests (page API and browser) drive."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.sandbox import SandboxServer
from tests.sandbox.conftest import BOT_TOKEN, SIGNING_SECRET

COSTS, ADA, BEN, CHEN = "C0COSTS001", "U0SANDBOX1", "U0SANDBOX2", "U0SANDBOX3"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(value: str) -> dict[str, Any]:
    return {"text": plain(value.title()), "value": value}


def budget_modal(**extra: Any) -> dict[str, Any]:
    def field(block_id: str, element: dict[str, Any], *, optional: bool = False) -> dict:
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": plain(block_id),
            "element": {"action_id": "value", **element},
        }

    view = {
        "type": "modal",
        "callback_id": "budget_edit",
        "private_metadata": "budget:fraud-detection",
        "title": plain("Set a budget"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Editors: <!subteam^S0BUDGET01>"},
            },
            {
                "type": "section",
                "block_id": "preview",
                "text": {"type": "mrkdwn", "text": "See it before saving"},
                "accessory": {"type": "button", "action_id": "preview", "text": plain("Preview")},
            },
            {"type": "divider"},
            field("amount", {"type": "number_input", "is_decimal_allowed": True}),
            field("note", {"type": "plain_text_input", "multiline": True, "initial_value": "Q3"}),
            field(
                "period",
                {
                    "type": "static_select",
                    "options": [option("monthly"), option("quarterly")],
                    "initial_option": option("monthly"),
                },
            ),
            field("currency", {"type": "radio_buttons", "options": [option("usd"), option("eur")]}),
            field(
                "levels",
                {"type": "checkboxes", "options": [option("50"), option("80"), option("100")]},
                optional=True,
            ),
            field("channel", {"type": "conversations_select"}, optional=True),
            field("public", {"type": "channels_select"}, optional=True),
            field("people", {"type": "multi_users_select"}, optional=True),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Amounts in whole units"}]},
        ],
    }
    view.update(extra)
    return view


def build_app(sandbox: SandboxServer, received: list[dict[str, Any]]) -> App:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=sandbox.api_url), signing_secret=SIGNING_SECRET
    )

    @app.command("/cost")
    def cost(ack, body, client):
        ack()
        extra = {"notify_on_close": True} if body["text"] == "notify" else {}
        client.views_open(trigger_id=body["trigger_id"], view=budget_modal(**extra))

    @app.view("budget_edit")
    def save(ack, body, view):
        received.append(body)
        amount = view["state"]["values"]["amount"]["value"]["value"]
        note = view["state"]["values"]["note"]["value"]["value"]
        if amount.startswith("-"):
            ack(response_action="errors", errors={"amount": "A budget cannot be negative"})
        elif note == "update":
            ack(response_action="update", view=budget_modal(title=plain("Saved")))
        elif note == "push":
            ack(response_action="push", view=budget_modal(callback_id="second"))
        elif note == "clear":
            ack(response_action="clear")
        else:
            ack()

    @app.view("second")
    def second(ack):
        ack()

    @app.view_closed("budget_edit")
    def closed(ack, body):
        ack()
        received.append(body)

    @app.action("preview")
    def preview(ack, body, client):
        ack()
        received.append(body)
        amount = body["view"]["state"]["values"]["amount"]["value"]["value"]
        client.views_update(
            view_id=body["view"]["id"],
            hash=body["view"]["hash"],
            view=budget_modal(title=plain(f"Preview {amount}")),
        )

    @app.action("delete_budget")
    def delete(ack, body, respond):
        ack()
        received.append(body)
        respond(replace_original=True, text="Budget deleted")

    return app


def confirm_dialog() -> dict[str, Any]:
    return {
        "title": plain("Delete the budget?"),
        "text": plain("fraud-detection loses its monthly budget."),
        "confirm": plain("Delete"),
        "deny": plain("Keep it"),
        "style": "danger",
    }


def post_delete_button(api_url: str) -> None:
    """A message in #cloud-costs with a Delete button guarded by a confirm dialog."""
    WebClient(token=BOT_TOKEN, base_url=api_url).chat_postMessage(
        channel=COSTS,
        text="Budget for fraud-detection",
        blocks=[
            {
                "type": "actions",
                "block_id": "budget",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "delete_budget",
                        "value": "fraud-detection",
                        "text": plain("Delete"),
                        "confirm": confirm_dialog(),
                    }
                ],
            }
        ],
    )
