"""Bots with idle machines on the simulated fleet, beside the fake Slack: Bolt on HTTP, signed
clicks, and a clock the tests can move (the service's and the fleet's, one clock)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr
from slack_sdk import WebClient

from bot.app import Services, build_idle_service, build_services
from bot.cloud.simulated import SimulatedFleet, forget_fleet, simulated_fleet
from bot.sandbox import BackgroundServer, SandboxServer
from bot.sandbox.modal_submit import Outcome, submit_modal
from bot.sandbox.signing import BotReply, action_json, send_block_action
from bot.sandbox.state import Message, SandboxState
from bot.server import EVENTS_PATH, build_wsgi_app
from bot.services.idle_views import ScanReport
from bot.services.outbox import OutboxDelivery
from bot.settings import Settings, SlackSettings
from bot.slack_app import build_bolt_app, health
from bot.slack_notifier import SlackNotifier
from storage.db import make_session_factory
from storage.repositories.snapshots import SqlOutbox
from tests.e2e.conftest import find_button, texts

TOKEN = "xoxb-0000000000-idle"
RECSYS = "C0RECSYS01"
FRAUD = "C0FRAUDDT1"
ADA, BEN, CHEN = "U0SANDBOX1", "U0SANDBOX2", "U0SANDBOX3"
CONTROLLER = "simulated-e2e"


class Clock:
    """Real time, plus however far a test moved it on."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **span: float) -> None:
        self.offset += timedelta(**span)


def idle_config(**idle: Any) -> dict[str, Any]:
    return {
        "currency": "USD",
        "channels": {
            "default": "#cloud-costs",
            "by_project": {"recsys": "#recsys", "fraud-detection": "#fraud-detection"},
        },
        "idle": {
            "dry_run": False,
            "approvers": {"default": [ADA]},
            "controllers": [{"type": "simulated", "name": CONTROLLER}],
            **idle,
        },
    }


@dataclass
class Bot:
    services: Services
    url: str


@dataclass
class IdleWorld:
    sandbox: SandboxServer
    bots: list[Bot]
    secret: str
    delivery: OutboxDelivery
    clock: Clock
    database_url: str
    config: Path
    stopped: list[Callable[[], None]] = field(default_factory=list)

    @property
    def state(self) -> SandboxState:
        return self.sandbox.state

    @property
    def services(self) -> Services:
        return self.bots[0].services

    @property
    def fleet(self) -> SimulatedFleet:
        return simulated_fleet(CONTROLLER)

    def scan_and_deliver(self, bot: int = 0) -> ScanReport:
        report = self.bots[bot].services.idle.scan()
        self.delivery.deliver_pending()
        return report

    def posted(self, channel: str) -> list[Message]:
        return [m for m in self.state.messages(channel) if m.ephemeral_to is None]

    def proposal_message(self, channel: str = RECSYS) -> Message:
        (message,) = [m for m in self.posted(channel) if "Idle machine" in m.text]
        return message

    def private(self, channel: str, user: str) -> list[Message]:
        return [m for m in self.state.messages(channel, visible_to=user) if m.ephemeral_to == user]

    def click(self, message: Message, action_id: str, user: str, bot: int = 0) -> BotReply:
        element = find_button(message.blocks, action_id)
        return send_block_action(
            self.bots[bot].url,
            self.secret,
            self.state,
            user_id=user,
            action=action_json(element, element["block_id"]),
            message=message,
        )

    def submit_keep(self, user: str, choice: str, reason: str) -> Outcome:
        return submit_modal(
            self.state,
            self.bots[0].url,
            self.secret,
            user,
            {"duration": {"value": choice}, "reason": {"value": reason}},
        )

    def message_saying(self, channel: str, words: str, timeout: float = 30) -> Message:
        """The proposal's channel message once it says `words` (rewritten in place)."""
        return wait_for(
            lambda: next((m for m in self.posted(channel) if words in texts(m)), None), timeout
        )

    def told(self, channel: str, user: str, words: str, timeout: float = 30) -> Message:
        """The private message to `user` that says `words`."""
        return wait_for(
            lambda: next((m for m in self.private(channel, user) if words in texts(m)), None),
            timeout,
        )

    def settle(self, quiet: float = 0.3, timeout: float = 15) -> None:
        """Wait until no bot calls Slack for `quiet` seconds (its lazy listeners are done)."""
        deadline = time.monotonic() + timeout
        count, since = len(self.state.calls()), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = len(self.state.calls())
            if now != count:
                count, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
        raise AssertionError("the bot kept calling Slack")


def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the bot did not answer in time")


@contextmanager
def idle_world(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str | None = None,
    *,
    bots: int = 1,
    **idle: Any,
) -> Iterator[IdleWorld]:
    """The fake Slack, a fresh simulated fleet, and `bots` app instances over one store."""
    secret = secrets.token_hex(16)
    forget_fleet(CONTROLLER)
    clock = Clock()
    with ExitStack() as stack:
        sandbox = stack.enter_context(
            SandboxServer(SandboxState(), bot_token=TOKEN, signing_secret=secret)
        )
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("COSTBOT_SLACK_API_URL", sandbox.api_url)
        url = database_url or f"sqlite:///{tmp_path / 'costbot.db'}"
        config = tmp_path / "costbot.yml"
        config.write_text(yaml.safe_dump(idle_config(**idle)))
        slack = SlackSettings(
            slack_bot_token=SecretStr(TOKEN),
            slack_signing_secret=SecretStr(secret),
            slack_app_token=None,
            costbot_slack_api_url=sandbox.api_url,
        )
        running: list[Bot] = []
        for _ in range(bots):
            services = build_services(Settings(database_url=url), config)
            stack.callback(services.engine.dispose)
            # The service and its fleet on the test's clock.
            services.idle = build_idle_service(
                services.config, make_session_factory(services.engine), clock
            )
            server = BackgroundServer(
                build_wsgi_app(build_bolt_app(services, slack), lambda s=services: health(s))
            )
            bot_url = server.start() + EVENTS_PATH
            stack.callback(server.stop)
            running.append(Bot(services, bot_url))
        sandbox.bot_url = running[0].url
        client = WebClient(token=TOKEN, base_url=sandbox.api_url)
        delivery = OutboxDelivery(
            SqlOutbox(make_session_factory(running[0].services.engine)), SlackNotifier(client)
        )
        yield IdleWorld(sandbox, running, secret, delivery, clock, url, config)
