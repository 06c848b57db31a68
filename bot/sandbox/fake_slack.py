"""The fake Slack as one WSGI app: Web API, uploads, response_url, and the browser page.

URLs served:
  POST|GET /api/<method>               the Web API (slack_sdk: base_url=f"{url}/api/")
  POST     /upload/v1/<token>          upload URLs from files.getUploadURLExternal
  GET      /files-pri/<team>-<id>/<n>  a file's bytes (url_private)
  POST     /response/<token>           response_url for commands and actions
  GET      /                           the sandbox page; its JSON API lives under /sandbox/api/
                                       (needs the per-run key: bot/sandbox/guard.py)
"""

from __future__ import annotations

from flask import Flask

# chat, files, user groups and views register their Web API methods on import.
from bot.sandbox import chat, files, usergroups_api, views_api  # noqa: F401
from bot.sandbox.files import files_blueprint
from bot.sandbox.guard import guard_sandbox
from bot.sandbox.modal_ui import modal_blueprint
from bot.sandbox.response_url import response_blueprint
from bot.sandbox.signing import SLACK_TIMEOUT_SECONDS
from bot.sandbox.state import SandboxState
from bot.sandbox.ui import ui_blueprint
from bot.sandbox.web_api import api_blueprint

__all__ = ["SandboxState", "create_fake_slack"]


def create_fake_slack(
    state: SandboxState,
    *,
    bot_token: str,
    signing_secret: str,
    bot_url: str | None,
    app_token: str | None = None,
    bot_timeout: float = SLACK_TIMEOUT_SECONDS,
    ui_key: str,
) -> Flask:
    """A Flask app that answers like Slack for ``state``.

    ``bot_token`` is the only token the Web API accepts (``app_token`` only for
    apps.connections.open); ``signing_secret`` signs what the sandbox sends to ``bot_url``;
    ``ui_key`` is what the browser page must send (see bot/sandbox/guard.py).
    """
    state.bot_url = bot_url
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    guard_sandbox(app, ui_key=ui_key)
    app.register_blueprint(api_blueprint(state, bot_token=bot_token, app_token=app_token))
    app.register_blueprint(files_blueprint(state))
    app.register_blueprint(response_blueprint(state))
    app.register_blueprint(ui_blueprint(state, signing_secret=signing_secret, timeout=bot_timeout))
    app.register_blueprint(
        modal_blueprint(state, signing_secret=signing_secret, timeout=bot_timeout)
    )
    return app
