"""Run the fake Slack (or any WSGI app, e.g. the bot) on a background thread.

    with SandboxServer(bot_token="xoxb-test", signing_secret="s3cret") as sandbox:
        client = WebClient(token="xoxb-test", base_url=sandbox.api_url)

``port=0`` (the default) takes a free port; ``start()`` returns the base URL. The server is
werkzeug's threaded WSGI server (a thread per request, HTTP/1.1), which stops cleanly from
another thread: what a test fixture or ``costbot demo`` needs.
"""

from __future__ import annotations

import secrets
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bot.sandbox.fake_slack import create_fake_slack
from bot.sandbox.guard import KEY_HEADER, KEY_PARAMETER
from bot.sandbox.signing import SLACK_TIMEOUT_SECONDS
from bot.sandbox.state import SandboxState


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log; errors are still logged."""


class BackgroundServer:
    """A WSGI app served on a background thread: ``start() -> url``, ``stop()``."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app, self.host, self.port = app, host, port
        self.url = ""
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        if self._server is not None:
            return self.url
        server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://{self.host}:{server.server_port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"wsgi {self.url}"
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server, self._thread = None, None
        server.shutdown()  # serve_forever returns, then closes the listening socket
        thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class SandboxServer(BackgroundServer):
    """The fake Slack for ``state``, served on ``host:port``.

    ``ui_key`` (random unless given) is the key the browser page sends with each of its calls;
    ``page_url`` is the page's address carrying it, what a person opens.
    """

    def __init__(
        self,
        state: SandboxState | None = None,
        *,
        bot_token: str,
        signing_secret: str,
        bot_url: str | None = None,
        app_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_timeout: float = SLACK_TIMEOUT_SECONDS,
        ui_key: str | None = None,
    ) -> None:
        self.state = state or SandboxState()
        self.ui_key = ui_key or secrets.token_urlsafe(24)
        app = create_fake_slack(
            self.state,
            bot_token=bot_token,
            signing_secret=signing_secret,
            bot_url=bot_url,
            app_token=app_token,
            bot_timeout=bot_timeout,
            ui_key=self.ui_key,
        )
        super().__init__(app, host=host, port=port)

    def start(self) -> str:
        url = super().start()
        self.state.base_url = url
        return url

    @property
    def page_url(self) -> str:
        """The browser page, with the key it needs (the page keeps it, then drops it from view)."""
        return f"{self.url}/?{KEY_PARAMETER}={self.ui_key}"

    @property
    def ui_headers(self) -> dict[str, str]:
        """What a client of the page's API (``/sandbox/api/*``) sends, as the page does."""
        return {KEY_HEADER: self.ui_key}

    @property
    def api_url(self) -> str:
        """What slack_sdk's WebClient takes as ``base_url``."""
        return f"{self.url}/api/"

    @property
    def bot_url(self) -> str | None:
        return self.state.bot_url

    @bot_url.setter
    def bot_url(self, url: str | None) -> None:
        """Point the sandbox at the bot (e.g. once the bot's own server knows its port)."""
        self.state.bot_url = url

    def __enter__(self) -> SandboxServer:
        self.start()
        return self
