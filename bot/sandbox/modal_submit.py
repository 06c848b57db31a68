"""What the Slack client does with an open modal: submit it (``view_submission``) or close it
(``view_closed``, only when the view asked with notify_on_close), and act on the bot's answer.

Values come in as a person enters them, per block and action id: text for plain_text_input and
number_input, an option value for static_select and radio_buttons, a list of option values for
checkboxes, a channel id for conversations_select / channels_select, a list of user ids for
multi_users_select. They go out in Slack's exact shapes (``value``, ``selected_option``,
``selected_options``, ``selected_conversation``, ``selected_channel``, ``selected_users`` ...),
and an element left alone keeps its initial value, as in Slack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.signing import (
    FORM,
    SLACK_TIMEOUT_SECONDS,
    VERIFICATION_TOKEN,
    BotReply,
    post_signed,
)
from bot.sandbox.state import SandboxState
from bot.sandbox.views_api import modal_problems

REQUIRED = "Please complete this required field."  # what the Slack client says
NOT_A_NUMBER = "Please enter a number."
TROUBLE = "We had some trouble connecting. Try again?"  # the bot failed or was too slow
NOT_STATEFUL = {"button", "overflow", "workflow_button"}

# element type -> (state key, initial-value key, how a raw value becomes Slack's shape)
_TEXT = ("value", "initial_value")
_SHAPES: dict[str, tuple[str, str]] = {
    "plain_text_input": _TEXT,
    "number_input": _TEXT,
    "email_text_input": _TEXT,
    "url_text_input": _TEXT,
    "static_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "checkboxes": ("selected_options", "initial_options"),
    "multi_static_select": ("selected_options", "initial_options"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
}
_LISTS = {"selected_options", "selected_users", "selected_conversations", "selected_channels"}


def stateful_elements(view: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every element whose value Slack keeps in ``state.values``."""
    found = []
    for block in view.get("blocks") or []:
        candidates = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
        for element in candidates:
            if isinstance(element, dict) and element.get("type") in _SHAPES:
                found.append((block, element))
    return found


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return [*(element.get("options") or []), *(o for g in groups for o in g.get("options", []))]


def _shape(element: dict[str, Any], raw: Any) -> Any:
    """A person's raw entry as Slack shows it; ValueError if it is not one of the choices."""
    key, _ = _SHAPES[element["type"]]
    if key in ("selected_option", "selected_options"):
        by_value = {o.get("value"): o for o in _options(element)}
        wanted = [] if raw in (None, "") else raw if isinstance(raw, list) else [raw]
        unknown = [v for v in wanted if v not in by_value]
        if unknown:
            raise ValueError(f"not an option: {unknown[0]}")
        chosen = [by_value[v] for v in wanted]
        return chosen if key == "selected_options" else (chosen[0] if chosen else None)
    if key in _LISTS:
        return [] if raw in (None, "") else list(raw) if isinstance(raw, list) else [raw]
    return None if raw in (None, "") else str(raw)


def state_values(view: dict[str, Any], entered: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``view.state.values`` for what was entered (``{block_id: {action_id: raw}}``)."""
    values: dict[str, Any] = {}
    for block, element in stateful_elements(view):
        key, initial = _SHAPES[element["type"]]
        given = entered.get(block["block_id"], {})
        if element["action_id"] in given:
            shaped = _shape(element, given[element["action_id"]])
        else:
            shaped = element.get(initial, [] if key in _LISTS else None)
        values.setdefault(block["block_id"], {})[element["action_id"]] = {
            "type": element["type"],
            key: shaped,
        }
    return values


def client_errors(view: dict[str, Any], values: dict[str, Any]) -> dict[str, str]:
    """What the Slack client itself refuses before sending: empty required inputs, non-numbers."""
    errors: dict[str, str] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict) or element.get("type") not in _SHAPES:
            continue
        entry = values[block["block_id"]][element["action_id"]]
        value = entry[_SHAPES[element["type"]][0]]
        if value in (None, "", []) and not block.get("optional"):
            errors[block["block_id"]] = REQUIRED
        elif element["type"] == "number_input" and value not in (None, ""):
            message = _number_problem(element, str(value))
            if message:
                errors[block["block_id"]] = message
    return errors


def _number_problem(element: dict[str, Any], text: str) -> str | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return NOT_A_NUMBER
    if not number.is_finite() or (
        not element.get("is_decimal_allowed") and number != number.to_integral_value()
    ):
        return NOT_A_NUMBER if not number.is_finite() else "Please enter a whole number."
    low, high = element.get("min_value"), element.get("max_value")
    if low is not None and number < Decimal(str(low)):
        return f"Please enter a number of at least {low}."
    if high is not None and number > Decimal(str(high)):
        return f"Please enter a number of at most {high}."
    return None


def _user(state: SandboxState, user_id: str) -> dict[str, str]:
    user = state.user(user_id)
    name = user.name if user else user_id
    return {"id": user_id, "username": name, "name": name, "team_id": state.team_id}


def view_payload(
    state: SandboxState, kind: str, user_id: str, view: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """A ``view_submission`` or ``view_closed`` payload as Slack sends it."""
    payload: dict[str, Any] = {
        "type": kind,
        "team": {"id": state.team_id, "domain": state.team_domain},
        "user": _user(state, user_id),
        "api_app_id": state.app_id,
        "token": VERIFICATION_TOKEN,
        "view": view,
        "enterprise": None,
        "is_enterprise_install": False,
        **extra,
    }
    return payload


@dataclass(frozen=True)
class Outcome:
    """What happened: ``closed``, ``errors``, ``updated``, ``pushed``, ``cleared``, ``kept``."""

    result: str
    errors: dict[str, str] = field(default_factory=dict)
    reply: BotReply | None = None


def _send(bot_url: str, secret: str, payload: dict[str, Any], timeout: float) -> BotReply:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post_signed(bot_url, body, FORM, secret, timeout=timeout)


def submit_modal(
    state: SandboxState,
    bot_url: str,
    signing_secret: str,
    user_id: str,
    entered: dict[str, dict[str, Any]],
    *,
    timeout: float = SLACK_TIMEOUT_SECONDS,
) -> Outcome:
    """Press Submit on the user's open modal with these entries; LookupError if none is open."""
    view = state.modals.top(user_id)
    if view is None:
        raise LookupError("no modal is open")
    view["state"] = {"values": state_values(view, entered)}
    refused = client_errors(view, view["state"]["values"])
    if refused:
        state.modals.show_errors(user_id, refused)
        return Outcome("errors", refused)
    payload = view_payload(
        state,
        "view_submission",
        user_id,
        view,
        trigger_id=state.modals.new_trigger(user_id),
        response_urls=[],
    )
    reply = _send(bot_url, signing_secret, payload, timeout)
    return _apply(state, user_id, reply)


def _apply(state: SandboxState, user_id: str, reply: BotReply) -> Outcome:
    if reply.error or reply.status != 200:
        state.modals.show_errors(user_id, {}, TROUBLE)
        return Outcome("kept", reply=reply)
    try:
        answer = reply.json()
    except ValueError:
        answer = None
    if not answer:
        state.modals.pop(user_id)
        return Outcome("closed", reply=reply)
    action = answer.get("response_action") if isinstance(answer, dict) else None
    if action == "errors" and isinstance(answer.get("errors"), dict):
        errors = {str(k): str(v) for k, v in answer["errors"].items()}
        state.modals.show_errors(user_id, errors)
        return Outcome("errors", errors, reply)
    if action == "clear":
        state.modals.clear(user_id)
        return Outcome("cleared", reply=reply)
    if action in ("update", "push") and not modal_problems(answer.get("view")):
        if action == "push":
            state.modals.push(user_id, answer["view"])
            return Outcome("pushed", reply=reply)
        top = state.modals.top(user_id)
        assert top is not None
        state.modals.update(answer["view"], view_id=top["id"])
        return Outcome("updated", reply=reply)
    state.modals.show_errors(user_id, {}, TROUBLE)  # Slack shows a generic failure
    return Outcome("kept", reply=reply)


def close_modal(
    state: SandboxState,
    bot_url: str | None,
    signing_secret: str,
    user_id: str,
    *,
    timeout: float = SLACK_TIMEOUT_SECONDS,
) -> Outcome:
    """Press Close (or the ×): the view goes; the bot hears of it only with notify_on_close."""
    view = state.modals.top(user_id)
    if view is None:
        raise LookupError("no modal is open")
    cleared = bool(view.get("clear_on_close"))
    state.modals.clear(user_id) if cleared else state.modals.pop(user_id)
    reply = None
    if view.get("notify_on_close") and bot_url:
        payload = view_payload(state, "view_closed", user_id, view, is_cleared=cleared)
        reply = _send(bot_url, signing_secret, payload, timeout)
    return Outcome("cleared" if cleared else "closed", reply=reply)
