"""A local stand-in for Slack: speaks the Web API, response_url and signed requests to the bot.

Used by `costbot demo` and the end-to-end tests; the real Bolt app and slack_sdk run against it
unchanged (``WebClient(base_url=f"{url}/api/")``).
"""

from bot.sandbox.fake_slack import create_fake_slack
from bot.sandbox.server import BackgroundServer, SandboxServer
from bot.sandbox.state import SandboxState

__all__ = ["BackgroundServer", "SandboxServer", "SandboxState", "create_fake_slack"]
