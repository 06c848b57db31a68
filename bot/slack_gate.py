"""The door in front of Bolt: a Slack request is bounded, verified, then parsed, in that order.

Bolt parses a body before it checks the signature, and slack_sdk's verifier raises on a
timestamp that is not an integer; the raised error reached the error handler, which answered
through the `response_url` the unsigned body named. Here nothing of the body is believed before
its signature holds: an oversized body is refused (413) before it is read, an unverifiable one
(401) before it is parsed, a malformed one (400) before Bolt sees it. Bolt verifies again.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.bolt_fixes import MalformedBody, parse_body
from handlers.payloads import payload_problem

# Slack's largest request is an interaction carrying the message it came from (at most 50
# blocks of at most 3,000 characters, sent URL-encoded): a few hundred KB even for text that
# encodes at 9 bytes a character. 1 MiB is well above anything Slack sends, and small enough
# that 16 requests in flight hold little memory.
MAX_BODY_BYTES = 1024 * 1024
# Slack refuses a timestamp more than five minutes away; so does its verifier.
MAX_CLOCK_SKEW_SECONDS = 5 * 60
SIGNATURE_VERSION = "v0"

logger = logging.getLogger("costbot.slack_gate")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Refusal(Exception):
    """A request turned away: the HTTP status and a short reason (logged, and answered)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def signature_problem(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float
) -> str | None:
    """Why this signature cannot be trusted, or None when it is Slack's own."""
    if not timestamp or not signature:
        return "missing signature headers"
    # Only ASCII digits: int() would take " 12", "+12", "1_2" and non-ASCII digits too.
    if len(timestamp) > 12 or not (timestamp.isascii() and timestamp.isdigit()):
        return "timestamp is not a number of seconds"
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return "timestamp is more than five minutes away"
    version, _, digest = signature.partition("=")
    if version != SIGNATURE_VERSION or not digest.isascii():
        return "signature is not a v0 signature"
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    expected = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, digest):
        return "signature does not match"
    return None


def declared_length(environ: dict[str, Any]) -> int:
    """The body's length as declared; refused when it is not a length or too long."""
    raw = str(environ.get("CONTENT_LENGTH") or "0").strip()
    if not (raw.isascii() and raw.isdigit()):
        raise Refusal("400 Bad Request", "Content-Length is not a number")
    if len(raw) > 12 or int(raw) > MAX_BODY_BYTES:
        raise Refusal("413 Payload Too Large", f"body over {MAX_BODY_BYTES} bytes")
    return int(raw)


def admit(environ: dict[str, Any], secret: str, now: float) -> bytes:
    """The verified, well-formed body of a Slack request; raise Refusal otherwise."""
    if environ.get("REQUEST_METHOD") != "POST":
        raise Refusal("405 Method Not Allowed", "Slack only POSTs")
    length = declared_length(environ)
    body = environ["wsgi.input"].read(length) if length else b""
    problem = signature_problem(
        secret,
        body,
        environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
        environ.get("HTTP_X_SLACK_SIGNATURE"),
        now,
    )
    if problem:
        raise Refusal("401 Unauthorized", problem)
    try:
        parsed = parse_body(body.decode("utf-8"), environ.get("CONTENT_TYPE"))
    except (UnicodeDecodeError, MalformedBody) as exc:
        raise Refusal("400 Bad Request", f"malformed body: {exc}") from None
    if problem := payload_problem(parsed):
        raise Refusal("400 Bad Request", f"malformed payload: {problem}")
    return body


def _refuse(
    environ: dict[str, Any], start_response: Callable[..., Any], refusal: Refusal
) -> Iterable[bytes]:
    logger.warning(
        "refused a request to %s from %s: %s",
        environ.get("PATH_INFO", ""),
        environ.get("REMOTE_ADDR", "?"),
        refusal.reason,
    )
    answer = json.dumps({"ok": False, "error": refusal.reason}).encode()
    start_response(
        refusal.status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))],
    )
    return [answer]


def guard_slack_requests(
    app: WsgiApp, signing_secret: str, clock: Callable[[], float] = time.time
) -> WsgiApp:
    """Wrap Bolt's WSGI handler so it only ever sees verified, well-formed Slack requests."""
    if not signing_secret:
        raise ValueError("a signing secret is needed to verify Slack's requests")

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            body = admit(environ, signing_secret, clock())
        except Refusal as refusal:
            return _refuse(environ, start_response, refusal)
        # Bolt reads the body again: hand it exactly the bytes that were verified.
        inner = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        try:
            return app(inner, start_response)
        except (AttributeError, TypeError, KeyError, ValueError, IndexError) as error:
            # Bolt's own reading of a payload (its context, before any listener) fails on a
            # shape Slack never sends, such as a list where an object belongs. Listener errors
            # never get here: the error handler takes those. Nothing was answered yet.
            reason = f"the payload is not shaped as Slack sends it ({type(error).__name__})"
            return _refuse(environ, start_response, Refusal("400 Bad Request", reason))

    return guarded
