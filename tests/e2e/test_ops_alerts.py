"""A source that keeps failing is told once to #costbot-ops through the Slack Web API (the
sandbox), and once when it recovers; a 429 is waited out and a 500 retried, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.demo import DEMO_OPS_CHANNEL, build_demo_services
from bot.sandbox import SandboxServer
from bot.sandbox.state import SandboxState
from bot.services.outbox import OutboxDelivery
from bot.settings import Settings
from bot.slack_notifier import SlackNotifier
from storage.db import make_session_factory
from storage.repositories.snapshots import SqlOutbox

TOKEN = "xoxb-0000000000-ops"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_failing_then_back_is_posted_once_each_through_429_and_500(tmp_path: Path):
    blocked = tmp_path / "demo-data"
    blocked.write_text("a file where the demo's folder should be")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'costbot.db'}")
    services = build_demo_services(settings, blocked, days=5, seed=7)
    with SandboxServer(SandboxState(), bot_token=TOKEN, signing_secret="s" * 32) as sandbox:
        client = WebClient(
            token=TOKEN,
            base_url=sandbox.api_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        )
        clock = Clock()
        outbox = OutboxDelivery(
            SqlOutbox(make_session_factory(services.engine)), SlackNotifier(client), clock=clock
        )
        for _ in range(5):
            assert services.snapshots.run_source("demo").status == "failed"
        sandbox.state.fail_next("chat.postMessage", 429, retry_after=1)
        assert outbox.deliver_pending() == 1  # the 429 waited out inside the client
        posted = sandbox.state.messages(DEMO_OPS_CHANNEL)
        assert len(posted) == 1 and "has failed 3 runs in a row" in posted[0].text

        blocked.unlink()  # the folder can be written again: the source recovers
        assert services.snapshots.run_source("demo").status == "ok"
        sandbox.state.fail_next("chat.postMessage", 500)
        assert outbox.deliver_pending() == 0  # kept, to be retried after a wait
        clock.now += timedelta(minutes=2)
        assert outbox.deliver_pending() == 1
        assert outbox.deliver_pending() == 0
        texts = [m.text for m in sandbox.state.messages(DEMO_OPS_CHANNEL)]
        assert len(texts) == 2 and "is back" in texts[1]
        statuses = [c.error for c in sandbox.state.calls("chat.postMessage")]
        assert statuses == ["ratelimited", None, "internal_error", None]
    services.engine.dispose()
