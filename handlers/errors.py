"""The one error handler: the user gets a friendly message and an id; the log gets the trace."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, BoltResponse, Respond

from handlers.blocks import build_error_blocks, error_text, to_payload

SORRY = "Something went wrong while answering. The team can find what happened with this id."


def register(app: App) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception, body: dict[str, Any], respond: Respond | None, logger: logging.Logger
) -> BoltResponse:
    """Log the failure with an id, and tell the person who asked, so nothing fails silently."""
    error_id = uuid.uuid4().hex[:12]
    logger.error("listener failed (error id %s)", error_id, exc_info=error)
    if respond is not None:
        try:
            respond(
                text=error_text(SORRY, error_id),
                blocks=to_payload(build_error_blocks(SORRY, error_id)),
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception:  # already logged; a second failure must not hide the first
            logger.exception("could not tell the user about error %s", error_id)
    return BoltResponse(status=200, body="")
