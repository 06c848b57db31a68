"""The real `costbot run` process on a free port, with the fake Slack beside it, for e2e tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox import SandboxServer
from bot.sandbox.signing import BotReply, send_slash_command
from bot.sandbox.state import Message, SandboxState
from tests.e2e.conftest import ADA, CHANNEL

RUN = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
BOT_TOKEN = "xoxb-0000000000-running-bot"
SIGNING_SECRET = "5b0f4e1c2d3a49f8a7e6d5c4b3a29180"
START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_environment(database_url: str, **variables: str) -> dict[str, str]:
    """This environment without Slack's or costbot's variables or proxies, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "COSTBOT_")) and "proxy" not in name.lower()
    }
    return {**env, "COSTBOT_DATABASE_URL": database_url, **variables}


def get_health(url: str, timeout: float = 2) -> tuple[int, dict]:
    """GET /healthz: its status and JSON body, whatever the status."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        assert error.headers["Content-Type"] == "application/json"
        return error.code, json.loads(error.read())


@dataclass
class RunningBot:
    url: str
    process: subprocess.Popen
    log: Path
    state: SandboxState

    def command(self, text: str) -> BotReply:
        return send_slash_command(
            f"{self.url}/slack/events",
            SIGNING_SECRET,
            self.state,
            channel_id=CHANNEL,
            user_id=ADA,
            text=text,
        )

    def answers(self) -> list[Message]:
        return self.state.messages(CHANNEL, visible_to=ADA)

    def wait_for_answers(self, count: int, timeout: float) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.answers()) < count:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"{len(self.answers())} of {count} answers"
            time.sleep(0.02)
        return self.answers()

    def memory_mb(self, field: str = "VmRSS") -> float:
        """The process's resident memory now (VmRSS) or at its peak (VmHWM), in MB (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        raise AssertionError(f"no {field} for the bot process")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running_bot(folder: Path, database_url: str, **variables: str) -> Iterator[RunningBot]:
    """`costbot run` on 127.0.0.1 until the block ends; it is killed whatever happens."""
    with SandboxServer(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET) as sandbox:
        port = free_port()
        env = bot_environment(
            database_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            COSTBOT_HOST="127.0.0.1",
            COSTBOT_PORT=str(port),
            COSTBOT_SLACK_API_URL=sandbox.api_url,
            **variables,
        )
        log = folder / f"bot-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                RUN, env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT
            )
        bot = RunningBot(f"http://127.0.0.1:{port}", process, log, sandbox.state)
        try:
            _wait_until_serving(bot)
            yield bot
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def _wait_until_serving(bot: RunningBot) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        assert bot.process.poll() is None, f"costbot run exited:\n{bot.log_text()}"
        try:
            get_health(bot.url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert time.monotonic() < deadline, f"never served:\n{bot.log_text()}"
            time.sleep(0.1)
