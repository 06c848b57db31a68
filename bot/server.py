"""Serve the Bolt app: HTTP (waitress, `/slack/events` and `/healthz`) or Socket Mode."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.logs import with_request_id
from bot.settings import SlackSettings
from bot.slack_gate import MAX_BODY_BYTES, guard_slack_requests

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16
# waitress holds a connection until its request is complete, and stops accepting at
# connection_limit (100 by default): 120 half-sent requests made the bot unreachable for the
# 120 s of its default channel_timeout. Slack sends a whole request at once and needs no idle
# keep-alive, so a connection silent for 10 s is closed (checked every 2 s), and room is left
# for 1,000 of them (poll() has no 1,024-descriptor ceiling as select() has). A flood larger
# than that needs a reverse proxy in front, as any public endpoint does.
HTTP_ADJUSTMENTS: dict[str, Any] = {
    "connection_limit": 1000,
    "channel_timeout": 10,
    "cleanup_interval": 2,
    "asyncore_use_poll": True,
    "backlog": 1024,
    "max_request_header_size": 64 * 1024,
    # waitress refuses (413) at this size: a chunked body without a length is not read beyond.
    "max_request_body_size": MAX_BODY_BYTES + 1,
}

logger = logging.getLogger("costbot.server")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_wsgi_app(
    bolt_app: App, health: Callable[[], dict[str, Any]], *, signing_secret: str | None = None
) -> WsgiApp:
    """Route verified Slack requests to Bolt (which verifies them again) and answer health checks.

    The signing secret defaults to the Bolt app's own.
    """
    secret = signing_secret or bolt_app._signing_secret
    slack = guard_slack_requests(SlackRequestHandler(bolt_app), secret)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            return slack(environ, start_response)
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            report = health()
            status = "200 OK" if report.get("ok") else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            body = json.dumps(report).encode()
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return with_request_id(application)


def serve_http(
    bolt_app: App, settings: SlackSettings, health: Callable[[], dict[str, Any]]
) -> None:
    """Block serving HTTP on COSTBOT_HOST:COSTBOT_PORT."""
    from waitress import serve

    host, port = settings.costbot_host, settings.costbot_port
    logger.info("costbot listening on http://%s:%s%s", host, port, EVENTS_PATH)
    if host in ("127.0.0.1", "localhost", "::1"):
        logger.info(
            "only this machine can reach it: put an HTTPS reverse proxy in front, or set "
            "COSTBOT_HOST=0.0.0.0 to listen on every interface"
        )
    serve(
        build_wsgi_app(bolt_app, health),
        host=host,
        port=port,
        threads=HTTP_THREADS,
        ident="costbot",
        **HTTP_ADJUSTMENTS,
    )


def serve_socket_mode(bolt_app: App, settings: SlackSettings) -> None:
    """Block on a Socket Mode connection opened with SLACK_APP_TOKEN."""
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(bolt_app, settings.slack_app_token.get_secret_value())
    handler.start()
