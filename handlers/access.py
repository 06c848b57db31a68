"""Per-listener middleware: only people a rule allows get through; others get a private no.

`only_allowed(allowed, refusal, applies=...)` is attached to a listener (`middleware=[...]`).
When `applies(body)` (default: always) and `allowed(user_id)` is false, the listener does not
run and nothing changes: a command or button gets `refusal()` privately through its response
URL, a modal submission shows it on the modal (`response_action: errors` on `block_id`). The
service behind the listener checks again: this is the friendly first line, not the only one.

The check runs before the listener's ack, so `allowed` must be quick (the user-group lookup
behind it is cached).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse, Respond

from handlers.blocks import to_payload
from handlers.blocks.elements import _section

Next = Callable[[], None]


def user_of(body: dict[str, Any]) -> str:
    """The Slack user id of whoever sent a command, pressed a button or submitted a modal."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def only_allowed(
    allowed: Callable[[str], bool],
    refusal: Callable[[], str],
    *,
    applies: Callable[[dict[str, Any]], bool] = lambda body: True,
    block_id: str | None = None,
    about: Callable[[str, dict[str, Any]], bool] | None = None,
    refusal_about: Callable[[dict[str, Any]], str] | None = None,
):
    """Listener middleware that lets through only users `allowed` names (see the module).

    `about(user, body)` instead decides by what the request is about too (the alert a button
    names, whose mentions may act on it); `refusal_about(body)` words the refusal for it (who
    may decide on this proposal)."""

    def check_access(
        body: dict[str, Any], respond: Respond | None, logger: logging.Logger, next: Next
    ) -> BoltResponse | None:
        if not applies(body):
            next()
            return None
        user = user_of(body)
        if user and (about(user, body) if about is not None else allowed(user)):
            next()
            return None
        logger.info("refused %s to %s: not allowed", body.get("type") or "a command", user)
        message = refusal_about(body) if refusal_about is not None else refusal()
        if body.get("type") == "view_submission":
            errors = {block_id: message[:150]} if block_id else {}
            answer = {"response_action": "errors", "errors": errors} if errors else {}
            return BoltResponse(
                status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
            )
        # The refusal is ours (it names who may, as mentions): sent as it is, not escaped.
        reply = {
            "response_type": "ephemeral",
            "text": message,
            "blocks": to_payload([_section(f":no_entry: {message}")]),
        }
        if "command" in body:  # a slash command's ack may carry the private reply itself
            return BoltResponse(
                status=200, body=json.dumps(reply), headers={"content-type": "application/json"}
            )
        if respond is not None:  # a button: through its response URL
            try:
                respond(**reply, replace_original=False)
            except Exception:  # the refusal stands even if it could not be said
                logger.exception("could not tell %s they may not do this", user)
        return BoltResponse(status=200, body="")

    return check_access
