"""The Slack adapters idle-machine proposals use, against the fake Slack over HTTP: rewriting a
proposal's channel message (SlackNotifier.update) and finding an owner's Slack user
(SlackOwnerDirectory)."""

from __future__ import annotations

import dataclasses
import time

import pytest
from pydantic import SecretStr
from slack_sdk import WebClient

from bot.sandbox import SandboxServer, SandboxState
from bot.sandbox.state import Message
from bot.services.idle_ports import MessageEditor, OwnerDirectory
from bot.services.outbox import ChannelUnavailable, PermanentPostError, RateLimited
from bot.settings import SlackSettings
from bot.slack_directory import FAILURE_SECONDS, SlackOwnerDirectory
from bot.slack_notifier import SlackNotifier, build_notifier
from tests.sandbox.conftest import BOT_TOKEN, wait_for

ML_PLATFORM = "C0MLPLATF1"
ADA, BEN = "U0SANDBOX1", "U0SANDBOX2"


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


BUTTONS = {
    "type": "actions",
    "elements": [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Approve stop"},
            "action_id": "idle_approve",
            "value": "p1",
        }
    ],
}


@pytest.fixture
def notifier(sandbox: SandboxServer) -> SlackNotifier:
    """The notifier exactly as `costbot run` builds it (its retry handlers included)."""
    settings = SlackSettings(
        slack_bot_token=SecretStr(BOT_TOKEN), costbot_slack_api_url=sandbox.api_url
    )
    built = build_notifier(settings)
    assert built is not None
    return built


# -- SlackNotifier.update ---------------------------------------------------------------------
def test_update_rewrites_the_message_in_place(notifier: SlackNotifier, state) -> None:
    editor: MessageEditor = notifier
    posted = notifier.post(ML_PLATFORM, "proposed", [section("proposed"), BUTTONS])
    editor.update(posted.channel, posted.ts, "stopped by Ada", [section("stopped")])
    message = state.find_message(ML_PLATFORM, posted.ts)
    assert message.text == "stopped by Ada" and message.edited_ts
    assert [b["type"] for b in message.blocks] == ["section"]  # the buttons are gone
    assert len(state.messages(ML_PLATFORM)) == 1


def test_update_with_no_blocks_removes_them(notifier: SlackNotifier, state) -> None:
    posted = notifier.post(ML_PLATFORM, "proposed", [section("proposed"), BUTTONS])
    notifier.update(posted.channel, posted.ts, "expired", [])
    message = state.find_message(ML_PLATFORM, posted.ts)
    assert message.text == "expired" and message.blocks == []


def test_update_of_a_message_that_is_not_the_bots_is_permanent(
    notifier: SlackNotifier, state: SandboxState
) -> None:
    theirs = state.add_message(Message(ML_PLATFORM, state.next_ts(), ADA, "mine"))
    with pytest.raises(PermanentPostError, match="cant_update_message"):
        notifier.update(ML_PLATFORM, theirs.ts, "x", [section("x")])
    with pytest.raises(PermanentPostError, match="message_not_found"):
        notifier.update(ML_PLATFORM, "1.000001", "x", [section("x")])
    with pytest.raises(ChannelUnavailable):
        notifier.update("C0NOWHERE1", "1.000001", "x", [section("x")])


def test_update_waits_out_one_rate_limit(notifier: SlackNotifier, sandbox) -> None:
    posted = notifier.post(ML_PLATFORM, "proposed", [section("proposed")])
    sandbox.state.rate_limit("chat.update", count=1, retry_after=1)
    started = time.monotonic()
    notifier.update(posted.channel, posted.ts, "stopped", [section("stopped")])
    assert time.monotonic() - started >= 1
    assert [c.error for c in sandbox.state.calls("chat.update")] == ["ratelimited", None]
    assert sandbox.state.find_message(ML_PLATFORM, posted.ts).text == "stopped"


def test_a_longer_rate_limit_is_raised_with_its_wait(notifier: SlackNotifier, sandbox) -> None:
    posted = notifier.post(ML_PLATFORM, "proposed", [section("proposed")])
    sandbox.state.rate_limit("chat.update", count=2, retry_after=1)
    with pytest.raises(RateLimited) as caught:
        notifier.update(posted.channel, posted.ts, "stopped", [section("stopped")])
    assert caught.value.retry_after == 1
    assert sandbox.state.find_message(ML_PLATFORM, posted.ts).text == "proposed"


# -- SlackOwnerDirectory ----------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(client: WebClient, clock: Clock) -> SlackOwnerDirectory:
    return SlackOwnerDirectory(
        client, {"Ben Okafor": BEN, "team-lead@corp.example": ADA}, ttl=600, clock=clock
    )


def lookups(state: SandboxState) -> int:
    return len(state.calls("users.lookupByEmail"))


def test_a_user_id_is_itself(directory: SlackOwnerDirectory, state: SandboxState) -> None:
    port: OwnerDirectory = directory
    assert port.user_for("U0SANDBOX2") == BEN
    assert directory.user_for("<@U0SANDBOX1>") == ADA
    assert directory.user_for("UNKNOWN") is None  # capitals, no digit: a word, not an id
    assert lookups(state) == 0


def test_a_configured_name_or_email(directory: SlackOwnerDirectory, state) -> None:
    assert directory.user_for("ben okafor") == BEN
    assert directory.user_for(" Team-Lead@corp.example ") == ADA
    assert directory.user_for("somebody") is None
    assert directory.user_for("") is None
    assert lookups(state) == 0


def test_an_email_is_looked_up_once(directory: SlackOwnerDirectory, state) -> None:
    assert directory.user_for("ada@example.com") == ADA
    assert directory.user_for("ADA@example.com") == ADA
    assert directory.user_for("mailto:ada@example.com") == ADA
    assert lookups(state) == 1


def test_a_miss_is_remembered(directory: SlackOwnerDirectory, state) -> None:
    assert directory.user_for("nobody@example.com") is None
    assert directory.user_for("nobody@example.com") is None
    assert lookups(state) == 1


def test_slack_failing_is_none_and_asked_again_later(
    directory: SlackOwnerDirectory, state: SandboxState, clock: Clock
) -> None:
    state.fail_next("users.lookupByEmail", 500)
    assert directory.user_for("ben@example.com") is None  # never raises
    assert directory.user_for("ben@example.com") is None  # resting: Slack is not asked
    assert lookups(state) == 1
    clock.now += FAILURE_SECONDS
    assert directory.user_for("ben@example.com") == BEN
    assert lookups(state) == 2


def test_a_stale_answer_is_given_at_once_and_refreshed(
    directory: SlackOwnerDirectory, state: SandboxState, clock: Clock
) -> None:
    assert directory.user_for("chen@example.com") == "U0SANDBOX3"
    clock.now += 600
    assert directory.user_for("chen@example.com") == "U0SANDBOX3"  # the known answer, now
    wait_for(lambda: lookups(state) == 2)
    assert directory.user_for("chen@example.com") == "U0SANDBOX3"
    assert lookups(state) == 2  # fresh again


def test_a_bot_is_no_owner(client: WebClient, state: SandboxState) -> None:
    bot = state.bot_user.id
    state.users[bot] = dataclasses.replace(state.users[bot], email="costbot@example.com")
    assert SlackOwnerDirectory(client).user_for("costbot@example.com") is None
