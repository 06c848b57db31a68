"""A fix for slack_bolt's form-body parsing, applied before any request is served.

slack_bolt (1.30) parses a form-encoded body as an interactive `payload=` request whenever the
text "payload" appears anywhere in it, and then drops every field. A slash command such as
`/cost project payload-api` (or a user or channel with "payload" in its name) reached no
listener and Slack showed the user an error. The replacement reads the form first and uses its
`payload` field only when there is one.

A body that is not what Slack sends (broken JSON, a payload that is not an object, nesting no
Slack payload has) raises MalformedBody; the request gate answers 400 for it. Bolt, which calls
the same function, gets an empty body instead and handles nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.request import request as bolt_request

# Slack's payloads nest about a dozen levels (view > blocks > elements > options > text).
MAX_NESTING = 64


class MalformedBody(ValueError):
    """The body is not a Slack request body."""


def parse_body(body: str, content_type: str | None) -> dict[str, Any]:
    """Slack's request body as a dict: JSON, an interactive `payload` form field, or a form."""
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        return _json_object(body)
    form = dict(parse_qsl(body, keep_blank_values=True))
    payload = form.get("payload")
    return _json_object(payload) if payload is not None else form


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except RecursionError:
        raise MalformedBody("JSON nested too deeply") from None
    except ValueError as exc:
        raise MalformedBody(f"not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise MalformedBody("JSON is not an object")
    if _nesting(value) > MAX_NESTING:
        raise MalformedBody("JSON nested too deeply")
    return value


def _nesting(value: Any) -> int:
    """How deeply containers nest in `value`, walked without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            return deepest
        children = node.values() if isinstance(node, dict) else node
        pending.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


def _parse_body_for_bolt(body: str, content_type: str | None) -> dict[str, Any]:
    try:
        return parse_body(body, content_type)
    except MalformedBody:
        return {}


def apply() -> None:
    bolt_request.parse_body = _parse_body_for_bolt  # the name BoltRequest.__init__ calls
