"""What a Slack request body must look like before Bolt or a listener reads it.

Bolt's own readers (team, user and channel extraction, the action matcher) index into the body
as Slack shapes it and raise on anything else: `"actions": []`, a list where `user` belongs.
A signed body that breaks these rules is refused as bad input (400), never a 500 and a trace.
"""

from __future__ import annotations

from typing import Any

# Fields Bolt reads as objects wherever they appear at the top level (None is allowed).
_OBJECT_FIELDS = ("team", "enterprise", "channel", "container", "view", "message", "state")


def payload_problem(body: dict[str, Any]) -> str | None:
    """Why this body is not a Slack request costbot can read, or None when it is."""
    for name in _OBJECT_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    user = body.get("user")
    if user is not None and not isinstance(user, dict | str):
        return "user is not an object"
    url = body.get("response_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        return "response_url is not a URL"
    if not _list_of_objects(body.get("authorizations"), allow_missing=True):
        return "authorizations is not a list of objects"
    if "command" in body:
        return _command_problem(body)
    kind = body.get("type")
    if kind == "block_actions":
        return _block_actions_problem(body)
    if kind == "event_callback":
        return _event_problem(body)
    return None


def _command_problem(body: dict[str, Any]) -> str | None:
    fields = ("command", "user_id", "channel_id")
    if not all(isinstance(body.get(name), str) and body[name] for name in fields):
        return "a slash command needs command, user_id and channel_id"
    if not isinstance(body.get("text", ""), str):
        return "a slash command's text is not text"
    return None


def _block_actions_problem(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not actions or not _list_of_objects(actions, allow_missing=False):
        return "block_actions needs a list of actions"
    if not all(isinstance(action.get("action_id"), str) for action in actions):
        return "an action has no action_id"
    if not isinstance(user := body.get("user"), dict) or not isinstance(user.get("id"), str):
        return "block_actions needs the user who acted"
    return None


def _event_problem(body: dict[str, Any]) -> str | None:
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event_callback needs an event with a type"
    if event.get("user") is not None and not isinstance(event["user"], str | dict):
        return "the event's user is not a user"
    if event["type"] == "app_home_opened" and not isinstance(event.get("user"), str):
        return "app_home_opened needs the user who opened it"
    return None


def _list_of_objects(value: Any, *, allow_missing: bool) -> bool:
    if value is None:
        return allow_missing
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)
