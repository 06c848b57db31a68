"""The one error handler: the user gets a friendly message and an id; the log gets the trace."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse, Respond

from bot.services.answer_pool import turned_away
from bot.services.errors import UserFacingError
from handlers.blocks import build_error_blocks, error_text, to_payload
from handlers.middleware import VERIFIED

SORRY = "Something went wrong while answering. The team can find what happened with this id."
BUSY = "costbot is busy answering other questions right now: try again in a moment."


def register(app: App) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    respond: Respond | None,
    context: BoltContext,
    logger: logging.Logger,
) -> BoltResponse:
    """Log the failure with an id, and tell the person who asked, so nothing fails silently.

    Only a verified request's `response_url` is answered: an unsigned body names any URL.
    """
    verified = bool(context.get(VERIFIED))
    report_error(error, respond if verified else None, logger)
    return BoltResponse(status=200 if verified else 401, body="")


def report_error(error: Exception, respond: Respond | None, logger: logging.Logger) -> str:
    if isinstance(error, UserFacingError):
        return _report_known(error, respond, logger)
    error_id = uuid.uuid4().hex[:12]
    logger.error(
        "listener failed (error id %s)", error_id, exc_info=error, extra={"error_id": error_id}
    )
    tell(respond, SORRY, logger, error_id=error_id)
    return error_id


def _report_known(error: UserFacingError, respond: Respond | None, logger: logging.Logger) -> str:
    """A failure the user can act on: their message, no trace (it is not a bug)."""
    logger.warning("answered with: %s (%s)", error, type(error).__name__)
    tell(respond, str(error), logger)
    return ""


def tell(
    respond: Respond | None,
    message: str,
    logger: logging.Logger,
    *,
    error_id: str | None = None,
) -> None:
    """Say `message` (and the error id, if any) privately to whoever asked, if they can be
    answered."""
    if respond is None:
        return
    try:
        respond(
            text=error_text(message, error_id),
            blocks=to_payload(build_error_blocks(message, error_id)),
            response_type="ephemeral",
            replace_original=False,
        )
    except Exception:  # already logged; a second failure must not hide the first
        logger.exception("could not tell the user: %s (error id %s)", message, error_id)


def reported(answer: Callable[..., None]) -> Callable[..., None]:
    """Route a lazy listener's failure to the error handler.

    Bolt runs lazy listeners after the ack and only logs what they raise, without the trace
    and without telling anyone; the listener must take `respond` and `logger`.
    """

    @functools.wraps(answer)
    def run(*args: Any, **kwargs: Any) -> None:
        logger = kwargs.get("logger") or logging.getLogger()
        if turned_away():  # every worker busy and the waiting line full: say so, do not queue
            tell(kwargs.get("respond"), BUSY, logger)
            return
        try:
            answer(*args, **kwargs)
        except Exception as error:
            report_error(error, kwargs.get("respond"), logger)

    return run
