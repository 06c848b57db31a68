"""The notifier's client sleeps out a short Retry-After itself, but hands a long one back to
the outbox at once, so a post never outlasts the outbox's lease (through the fake Slack's real
Web API)."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr

from bot.sandbox import SandboxServer
from bot.sandbox.state import SandboxState
from bot.services.outbox import LEASE_SECONDS, RateLimited
from bot.settings import SlackSettings
from bot.slack_notifier import CLIENT_RETRY_AFTER_LIMIT, CLIENT_TIMEOUT_SECONDS, build_notifier

TOKEN = "xoxb-0000000000-limits"
COSTS = "C0COSTS001"


@pytest.fixture
def sandbox():
    state = SandboxState()
    with SandboxServer(state, bot_token=TOKEN, signing_secret="s" * 32) as server:
        yield server, state


def _notifier(server):
    settings = SlackSettings(
        slack_bot_token=SecretStr(TOKEN),
        slack_signing_secret=SecretStr("s" * 32),
        costbot_slack_api_url=server.api_url,
    )
    notifier = build_notifier(settings)
    assert notifier is not None
    return notifier


def test_a_short_retry_after_is_waited_out_inside_the_client(sandbox):
    server, state = sandbox
    state.rate_limit("chat.postMessage", count=1, retry_after=1)
    posted = _notifier(server).post(COSTS, "short wait", [])
    assert posted.ts
    assert [m.text for m in state.messages(COSTS)].count("short wait") == 1


def test_a_long_retry_after_goes_back_to_the_outbox_at_once(sandbox):
    server, state = sandbox
    state.rate_limit("chat.postMessage", count=1, retry_after=120)
    started = time.monotonic()
    with pytest.raises(RateLimited) as raised:
        _notifier(server).post(COSTS, "long wait", [])
    assert time.monotonic() - started < 5
    assert raised.value.retry_after == 120
    assert "long wait" not in [m.text for m in state.messages(COSTS)]


def test_the_longest_post_the_client_can_make_ends_inside_the_lease():
    # One short 429 wait and three attempts of at most the timeout each (two connection retries).
    assert CLIENT_RETRY_AFTER_LIMIT + 1 + 3 * CLIENT_TIMEOUT_SECONDS < LEASE_SECONDS / 2
