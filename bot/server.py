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

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16

logger = logging.getLogger("costbot.server")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_wsgi_app(bolt_app: App, health: Callable[[], dict[str, Any]]) -> WsgiApp:
    """Route Slack's requests to Bolt (which verifies signatures) and answer health checks."""
    slack = SlackRequestHandler(bolt_app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            return slack(environ, start_response)
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            body = json.dumps(health()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
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
    serve(
        build_wsgi_app(bolt_app, health),
        host=host,
        port=port,
        threads=HTTP_THREADS,
        ident="costbot",
    )


def serve_socket_mode(bolt_app: App, settings: SlackSettings) -> None:
    """Block on a Socket Mode connection opened with SLACK_APP_TOKEN."""
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(bolt_app, settings.slack_app_token.get_secret_value())
    handler.start()
