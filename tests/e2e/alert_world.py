"""A bot on the alert tests' store and config, beside the fake Slack: Bolt on HTTP, signed."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app import Services, build_services
from bot.sandbox import BackgroundServer, SandboxServer
from bot.sandbox.signing import BotReply, action_json, send_block_action
from bot.sandbox.state import Message, SandboxState
from bot.server import EVENTS_PATH, build_wsgi_app
from bot.services.outbox import OutboxDelivery
from bot.settings import Settings, SlackSettings
from bot.slack_app import build_bolt_app, health
from bot.slack_notifier import SlackNotifier
from storage.db import make_session_factory
from storage.repositories.snapshots import SqlOutbox
from tests.alert_config import write_config
from tests.alert_data import TODAY, ingest_rows, standard_rows
from tests.e2e.conftest import find_button

TOKEN = "xoxb-0000000000-alerts"
FRAUD_CHANNEL = "C0FRAUDDT1"
DEFAULT_CHANNEL = "C0COSTS001"


@dataclass
class AlertWorld:
    sandbox: SandboxServer
    services: Services
    secret: str
    delivery: OutboxDelivery
    database_url: str
    config: Path

    @property
    def state(self) -> SandboxState:
        return self.sandbox.state

    def evaluate_and_deliver(self) -> list:
        report = self.services.alerts.evaluate()
        self.delivery.deliver_pending()
        return report.alerts

    def posted(self, channel: str) -> list[Message]:
        return [m for m in self.state.messages(channel) if m.ephemeral_to is None]

    def click(self, message: Message, action_id: str, user: str) -> BotReply:
        element = find_button(message.blocks, action_id)
        return send_block_action(
            self.sandbox.bot_url,
            self.secret,
            self.state,
            user_id=user,
            action=action_json(element, element["block_id"]),
            message=message,
        )


@contextmanager
def alert_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None = None
) -> Iterator[AlertWorld]:
    secret = secrets.token_hex(16)
    with SandboxServer(SandboxState(), bot_token=TOKEN, signing_secret=secret) as sandbox:
        # The bot resolves channel names through the fake's conversations.list.
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("COSTBOT_SLACK_API_URL", sandbox.api_url)
        url = database_url or f"sqlite:///{tmp_path / 'costbot.db'}"
        config = write_config(tmp_path)
        services = build_services(Settings(database_url=url, today=TODAY), config)
        ingest_rows(services, tmp_path, standard_rows())
        slack = SlackSettings(
            slack_bot_token=SecretStr(TOKEN),
            slack_signing_secret=SecretStr(secret),
            slack_app_token=None,
            costbot_slack_api_url=sandbox.api_url,
        )
        server = BackgroundServer(
            build_wsgi_app(build_bolt_app(services, slack), lambda: health(services))
        )
        sandbox.bot_url = server.start() + EVENTS_PATH
        client = WebClient(
            token=TOKEN,
            base_url=sandbox.api_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        )
        delivery = OutboxDelivery(
            SqlOutbox(make_session_factory(services.engine)), SlackNotifier(client)
        )
        try:
            yield AlertWorld(sandbox, services, secret, delivery, url, config)
        finally:
            server.stop()
            services.engine.dispose()
