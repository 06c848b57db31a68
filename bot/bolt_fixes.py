"""A fix for slack_bolt's form-body parsing, applied before any request is served.

slack_bolt (1.30) parses a form-encoded body as an interactive `payload=` request whenever the
text "payload" appears anywhere in it, and then drops every field. A slash command such as
`/cost project payload-api` (or a user or channel with "payload" in its name) reached no
listener and Slack showed the user an error. The replacement reads the form first and uses its
`payload` field only when there is one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.request import request as bolt_request


def parse_body(body: str, content_type: str | None) -> dict[str, Any]:
    """Slack's request body as a dict: JSON, an interactive `payload` form field, or a form."""
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        return json.loads(body)
    form = dict(parse_qsl(body, keep_blank_values=True))
    payload = form.get("payload")
    return json.loads(payload) if payload is not None else form


def apply() -> None:
    bolt_request.parse_body = parse_body  # the name BoltRequest.__init__ calls
