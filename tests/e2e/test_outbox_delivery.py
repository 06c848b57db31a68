"""The outbox through the fake Slack's real Web API: a channel the bot is not in (or that does
not exist) falls back to the fallback channel saying so, images are shown, a 429 or a 500 is
retried and the message arrives once, a lasting 429 waits out Retry-After, posts to one channel
are paced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import select

from bot.sandbox import SandboxServer
from bot.sandbox.state import SandboxState
from bot.services.alert_ports import AlertClaim, AlertKind, AlertState
from bot.services.outbox import OutboxDelivery
from bot.services.snapshot_state import OutboxFile, OutboxItem
from bot.settings import Settings
from bot.slack_notifier import SlackNotifier
from storage.db import create_store_engine, make_session_factory, upgrade_store
from storage.models import OutboxMessage
from storage.repositories.alerts import SqlAlertLedger
from storage.repositories.snapshots import SqlOutbox

TOKEN = "xoxb-0000000000-outbox"
COSTS = "C0COSTS001"
RESEARCH = "C0RESEARCH"  # the sandbox's channel the bot is not a member of


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(tmp_path: Path):
    engine = create_store_engine(
        Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}").database_url
    )
    upgrade_store(engine)
    sessions = make_session_factory(engine)
    with SandboxServer(SandboxState(), bot_token=TOKEN, signing_secret="s" * 32) as sandbox:
        client = WebClient(
            token=TOKEN,
            base_url=sandbox.api_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
        )
        yield (
            sandbox,
            SqlAlertLedger(sessions),
            SqlOutbox(sessions),
            SlackNotifier(client),
            sessions,
        )
    engine.dispose()


def _queue(ledger: SqlAlertLedger, key: str, item: OutboxItem) -> None:
    claim = AlertClaim(
        key,
        AlertKind.THRESHOLD,
        "all",
        AlertState.PENDING,
        item.channel,
        date(2026, 11, 1),
        message=item,
    )
    assert ledger.commit_evaluation([claim], {}, datetime.now(UTC)) == {key}


@pytest.mark.parametrize(
    ("channel", "reason"), [(RESEARCH, "not_in_channel"), ("C0NOSUCH01", "channel_not_found")]
)
def test_a_channel_the_bot_cannot_post_in_falls_back_and_says_so(world, channel, reason):
    sandbox, ledger, outbox, notifier, sessions = world
    _queue(ledger, "a", OutboxItem("", channel, "Budget crossed 80%", fallback_channel=COSTS))
    assert OutboxDelivery(outbox, notifier).deliver_pending() == 1
    assert sandbox.state.calls("chat.postMessage")[0].error == reason
    [posted] = sandbox.state.messages(COSTS)
    note = f"costbot could not post in <#{channel}> ({reason}): invite @costbot there."
    assert posted.text.startswith(note) and "Budget crossed 80%" in posted.text
    assert posted.blocks[0]["type"] == "context"
    assert posted.blocks[0]["elements"] == [{"type": "mrkdwn", "text": note}]
    assert ledger.record("a").state is AlertState.POSTED
    with sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.posted_channel, row.posted_ts) == (COSTS, posted.ts)


def test_without_a_fallback_channel_the_message_waits_and_is_not_lost(world):
    sandbox, ledger, outbox, notifier, _sessions = world
    _queue(ledger, "a", OutboxItem("", RESEARCH, "Budget crossed 80%"))
    clock = Clock()
    assert OutboxDelivery(outbox, notifier, clock=clock).deliver_pending() == 0
    assert ledger.record("a").state is AlertState.PENDING
    WebClient(token=TOKEN, base_url=sandbox.api_url).conversations_join(channel=RESEARCH)
    clock.now += timedelta(hours=1)
    assert OutboxDelivery(outbox, notifier, clock=clock).deliver_pending() == 1
    assert [m.text for m in sandbox.state.messages(RESEARCH)] == ["Budget crossed 80%"]


@pytest.mark.parametrize("status", [429, 500])
def test_a_failed_post_is_retried_and_arrives_exactly_once(world, status):
    sandbox, ledger, outbox, notifier, _sessions = world
    _queue(ledger, "r", OutboxItem("", COSTS, "Forecast over budget"))
    sandbox.state.fail_next("chat.postMessage", status, retry_after=1)
    clock = Clock()
    delivery = OutboxDelivery(outbox, notifier, clock=clock)
    first = delivery.deliver_pending()  # a single 429 is waited out by the client itself
    if status == 500:
        assert first == 0 and ledger.record("r").state is AlertState.PENDING
        clock.now += timedelta(minutes=1)
        assert delivery.deliver_pending() == 1
    else:
        assert first == 1
    assert delivery.deliver_pending() == 0
    assert [m.text for m in sandbox.state.messages(COSTS)] == ["Forecast over budget"]
    assert ledger.record("r").state is AlertState.POSTED


def test_an_image_is_uploaded_and_shown_in_the_message(world):
    sandbox, ledger, outbox, notifier, _sessions = world
    image = OutboxFile("digest.png", "Daily cost", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    _queue(ledger, "d", OutboxItem("", COSTS, "Daily digest", file=image))
    assert OutboxDelivery(outbox, notifier).deliver_pending() == 1
    [posted] = sandbox.state.messages(COSTS)
    [shown] = [b for b in posted.blocks if b.get("type") == "image"]
    assert sandbox.state.file(shown["slack_file"]["id"]) is not None
    assert shown["alt_text"] == "Daily cost"


def test_an_image_in_the_fallback_channel_is_uploaded_once(world):
    sandbox, ledger, outbox, notifier, _sessions = world
    image = OutboxFile("digest.png", "Daily cost", b"\x89PNG\r\n\x1a\n" + b"1" * 64)
    _queue(
        ledger, "d", OutboxItem("", RESEARCH, "Daily digest", fallback_channel=COSTS, file=image)
    )
    assert OutboxDelivery(outbox, notifier).deliver_pending() == 1
    [posted] = sandbox.state.messages(COSTS)
    [shown] = [b for b in posted.blocks if b.get("type") == "image"]
    assert sandbox.state.file(shown["slack_file"]["id"]) is not None
    assert len(sandbox.state.calls("files.completeUploadExternal")) == 1


def test_a_lasting_429_waits_out_retry_after_and_the_message_arrives_once(world):
    sandbox, ledger, outbox, notifier, sessions = world
    _queue(ledger, "one", OutboxItem("", COSTS, "first"))
    _queue(ledger, "two", OutboxItem("", COSTS, "second"))
    clock = Clock()
    delivery = OutboxDelivery(outbox, notifier, clock=clock)
    for _ in range(2):  # the client retries once, then gives up
        sandbox.state.fail_next("chat.postMessage", 429, retry_after=1)
    assert delivery.deliver_pending() == 0  # both kept: the channel is rate limited
    assert sandbox.state.messages(COSTS) == []
    assert delivery.deliver_pending() == 0  # still inside Retry-After
    with sessions() as session:  # waiting out a rate limit is no failed attempt
        assert session.scalars(select(OutboxMessage.attempts)).all() == [0, 0]
    clock.now += timedelta(seconds=2)
    assert delivery.deliver_pending() == 2
    assert [m.text for m in sandbox.state.messages(COSTS)] == ["first", "second"]
    assert delivery.deliver_pending() == 0


def test_posts_to_one_channel_are_paced(world):
    _sandbox, ledger, outbox, notifier, _sessions = world
    for index in range(3):
        _queue(ledger, f"p{index}", OutboxItem("", COSTS, f"alert {index}"))
    _queue(ledger, "other", OutboxItem("", "C0GENERAL1", "elsewhere"))
    ticks = Ticks()
    delivery = OutboxDelivery(
        outbox, notifier, sleep=ticks.sleep, ticks=ticks, channel_interval=1.0
    )
    assert delivery.deliver_pending() == 4
    # The second and third post to one channel each wait out the rest of its second; the
    # post to another channel waits for nothing.
    assert ticks.slept == [pytest.approx(1.0), pytest.approx(1.0)]


class Ticks:
    """A monotonic clock that moves only when the delivery sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_long_outage_never_gives_a_message_up(world):
    sandbox, ledger, outbox, notifier, _sessions = world
    _queue(ledger, "outage", OutboxItem("", COSTS, "Budget crossed 80%"))
    clock = Clock()
    delivery = OutboxDelivery(outbox, notifier, clock=clock)
    for _ in range(12):  # twelve failed posts: hours of a Slack outage, with growing waits
        sandbox.state.fail_next("chat.postMessage", 503)
        assert delivery.deliver_pending() == 0
        clock.now += timedelta(hours=1, seconds=1)  # the wait is at most an hour
    assert ledger.record("outage").state is AlertState.PENDING
    assert delivery.deliver_pending() == 1  # Slack is back
    assert [m.text for m in sandbox.state.messages(COSTS)] == ["Budget crossed 80%"]


def test_a_message_slack_refuses_as_such_is_given_up_at_once(world):
    _sandbox, ledger, outbox, notifier, _sessions = world
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    _queue(ledger, "bad", OutboxItem("", COSTS, "too long a section", blocks=blocks))
    assert OutboxDelivery(outbox, notifier).deliver_pending() == 0
    assert ledger.record("bad").state is AlertState.FAILED
