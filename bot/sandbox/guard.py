"""Only this machine's browser tab may drive the sandbox.

Two checks, on every request, before any route runs:
- the ``Host`` header must name the loopback (127.0.0.1, localhost or [::1], any port): a page
  on another site that re-points its own name at 127.0.0.1 (DNS rebinding) sends its own name;
- the page's own API (``/sandbox/api/*``) needs the per-run key in ``X-Sandbox-Key``. The key
  reaches the page once, in the URL ``costbot demo`` prints; a cross-site form cannot set a
  header, and a cross-site ``fetch`` with one needs a CORS preflight the sandbox never grants.

The Web API (``/api/``) is authenticated by the bot token and response URLs by their own
random token, as on Slack, so neither needs the key.
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
KEY_HEADER = "X-Sandbox-Key"
KEY_PARAMETER = "key"
PAGE_API_PREFIX = "/sandbox/api/"


def host_name(host_header: str) -> str:
    """The name in a Host header without its port: ``[::1]:3000`` -> ``[::1]``."""
    host = host_header.strip().lower()
    # Only a literal port may follow the name; anything else (``[::1].evil``) stays whole.
    end = host.find("]") + 1 if host.startswith("[") else host.find(":")
    if end <= 0 or (not host.startswith("[") and host.count(":") > 1):
        return host
    port = host[end:]
    if port == "" or (port.startswith(":") and port[1:].isdigit()):
        return host[:end]
    return host


def is_loopback_host(host_header: str | None) -> bool:
    return bool(host_header) and host_name(host_header or "") in LOOPBACK_HOSTS


def _refuse(message: str) -> Response:
    return Response(message + "\n", status=403, mimetype="text/plain")


def guard_sandbox(app: Flask, *, ui_key: str) -> None:
    """Refuse foreign Host headers everywhere, and page API calls without ``ui_key``."""

    @app.before_request
    def check_host_and_key() -> Response | None:
        if not is_loopback_host(request.headers.get("Host")):
            return _refuse(
                "This sandbox answers only http://127.0.0.1, http://localhost or http://[::1]."
            )
        if request.path.startswith(PAGE_API_PREFIX):
            given = request.headers.get(KEY_HEADER, "")
            if not hmac.compare_digest(given.encode(), ui_key.encode()):
                return _refuse(
                    "This sandbox needs its key: open the URL that costbot demo printed "
                    "(it ends in ?key=...)."
                )
        return None
