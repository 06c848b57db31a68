"""`costbot run` as a real process: it refuses bad credentials, and serves HTTP through waitress."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr

from bot.sandbox import SandboxServer
from bot.sandbox.signing import FORM, post_signed, slash_command_form
from bot.sandbox.state import SandboxState
from bot.settings import ConfigError, SlackSettings
from tests.e2e.conftest import ADA, CHANNEL, texts

RUN = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
BOT_TOKEN = "xoxb-0000000000-run-command"
SIGNING_SECRET = "8f742231b10e8888abcd99ffe0c285a5"
START_TIMEOUT = 20


def _env(database: Path, **variables: str) -> dict[str, str]:
    """This environment without Slack's or costbot's variables or proxies, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "COSTBOT_")) and "proxy" not in name.lower()
    }
    return {**env, "COSTBOT_DATABASE_URL": f"sqlite:///{database}", **variables}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The stderr of `costbot run` started with bad Slack settings, each expected to fail.

    Both processes run at once: each spends seconds importing before it gets to the check.
    """
    folder = tmp_path_factory.mktemp("refusals")
    cases = {
        "missing": {},
        "placeholder": {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "your-signing-secret",
        },
    }
    started = {
        case: subprocess.Popen(
            RUN,
            env=_env(folder / f"{case}.db", **variables),
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for case, variables in cases.items()
    }
    stderr = {}
    try:
        for case, process in started.items():
            _, stderr[case] = process.communicate(timeout=20)
            assert process.returncode != 0, (case, stderr[case])
    finally:
        for process in started.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
    return stderr


def test_without_slack_variables_it_names_each_one_and_where_to_find_it(refusals):
    stderr = refusals["missing"]

    assert "SLACK_BOT_TOKEN is not set" in stderr
    assert "OAuth & Permissions > Bot User OAuth Token" in stderr
    assert "SLACK_SIGNING_SECRET is not set" in stderr
    assert "Basic Information > App Credentials > Signing Secret" in stderr
    assert "https://api.slack.com/apps" in stderr
    assert "Traceback" not in stderr


def test_a_placeholder_signing_secret_is_refused(refusals):
    stderr = refusals["placeholder"]

    assert "SLACK_SIGNING_SECRET is still a placeholder" in stderr
    assert "Signing Secret" in stderr
    assert "SLACK_BOT_TOKEN" not in stderr  # the real-looking token is fine


@pytest.mark.parametrize(
    ("token", "refused"),
    [
        ("xoxb-xxxxxxxxxxxx-xxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx", True),
        ("xoxb-your-bot-token", True),
        ("xoxb-...", True),
        ("xoxb-17653672481-19874698323-pdFZKVeTuXxXk7oOcBrzbqgy", False),  # "xxx" by chance
    ],
)
def test_placeholder_tokens_are_told_from_real_ones(token, refused):
    slack = SlackSettings(
        slack_bot_token=SecretStr(token), slack_signing_secret=SecretStr(SIGNING_SECRET)
    )
    if refused:
        with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is still a placeholder"):
            slack.check()
    else:
        slack.check()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def _wait_until_serving(url: str, bot: subprocess.Popen, log: Path) -> tuple[int, str, str]:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert bot.poll() is None, f"costbot run exited ({bot.returncode}):\n{log.read_text()}"
        try:
            return _get(url)
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, f"{url} never answered:\n{log.read_text()}"
            time.sleep(0.1)


def test_http_mode_serves_health_and_verified_slack_requests(tmp_path):
    with SandboxServer(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET) as sandbox:
        port = _free_port()
        env = _env(
            tmp_path / "costbot.db",
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            COSTBOT_HOST="127.0.0.1",
            COSTBOT_PORT=str(port),
            COSTBOT_SLACK_API_URL=sandbox.api_url,
        )
        log = tmp_path / "bot.log"
        with log.open("wb") as out:
            bot = subprocess.Popen(RUN, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
        try:
            _check_http_mode(f"http://127.0.0.1:{port}", sandbox.state, bot, log)
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait(timeout=5)


def _check_http_mode(url: str, state: SandboxState, bot: subprocess.Popen, log: Path) -> None:
    status, content_type, body = _wait_until_serving(f"{url}/healthz", bot, log)
    assert (status, content_type) == (200, "application/json")
    assert json.loads(body)["ok"] is True
    assert state.calls("auth.test")  # the bot's Web API client uses COSTBOT_SLACK_API_URL

    def form(text: str) -> bytes:
        fields = slash_command_form(state, channel_id=CHANNEL, user_id=ADA, text=text)
        return urlencode(fields).encode()

    events = f"{url}/slack/events"
    forged = post_signed(events, form("help"), FORM, "not-the-secret")
    stale = post_signed(
        events, form("help"), FORM, SIGNING_SECRET, timestamp=int(time.time()) - 600
    )
    assert (forged.status, stale.status) == (401, 401)

    reply = post_signed(events, form("help"), FORM, SIGNING_SECRET)
    assert reply.status == 200, reply
    deadline = time.monotonic() + 10
    while not state.messages(CHANNEL) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # room for a (wrong) answer to a rejected request to show up too
    [answer] = state.messages(CHANNEL, visible_to=ADA)  # one answer: the rejected ones ran nothing
    assert answer.ephemeral_to == ADA and answer.user == state.bot_user.id
    assert "/cost top team mtd" in texts(answer)

    bot.send_signal(signal.SIGTERM)
    assert bot.wait(timeout=5) in (0, -signal.SIGTERM)  # no handler: the default, at once
