"""`costbot run` in Socket Mode: the real bot process, a local websocket standing in for Slack's."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from bot.demo import build_demo_services, ensure_demo_data
from bot.sandbox import SandboxServer
from bot.sandbox.signing import slash_command_form
from bot.sandbox.state import Message, SandboxState
from bot.settings import Settings
from tests.e2e.conftest import ADA, CHANNEL, TODAY, texts

BOT_TOKEN = "xoxb-0000000000-socket"
APP_TOKEN = "xapp-1-A0COSTBOT1-0000000000-socket"
START_TIMEOUT = 20
RUN = [sys.executable, "-c", "from bot.cli import main; main()", "run"]


class FakeSocketModeEndpoint:
    """Slack's Socket Mode websocket on 127.0.0.1: says hello, sends envelopes, records replies."""

    def __init__(self) -> None:
        self.url = ""
        self.connected = threading.Event()
        self.received: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Any = None
        self._connection: ServerConnection | None = None

    def start(self) -> None:
        self._thread.start()
        self._server = self._call(self._open())
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/link"

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._call(self._server.wait_closed())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def send(self, message: dict[str, Any]) -> None:
        assert self._connection is not None, "the bot is not connected"
        self._call(self._connection.send(json.dumps(message)))

    def next_message(self, timeout: float) -> tuple[float, dict[str, Any]]:
        """(monotonic time it arrived, message) of the next text frame the bot sent."""
        try:
            return self.received.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing came over the websocket in {timeout} s") from None

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=5)

    async def _open(self) -> Any:
        return await serve(self._session, "127.0.0.1", 0)

    async def _session(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-sandbox", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0COSTBOT1"},
        }
        await connection.send(json.dumps(hello))
        self._connection = connection
        self.connected.set()
        async for raw in connection:
            self.received.put((time.monotonic(), json.loads(raw)))


def _fill_store(folder: Path) -> str:
    """A SQLite store with a week of demo billing data, as `costbot ingest` leaves it."""
    url = f"sqlite:///{folder / 'costbot.db'}"
    services = build_demo_services(
        Settings(database_url=url, today=TODAY), folder / "demo-data", days=7, seed=7
    )
    ensure_demo_data(services)
    services.engine.dispose()
    return url


@pytest.fixture
def endpoint() -> Iterator[FakeSocketModeEndpoint]:
    running = FakeSocketModeEndpoint()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def sandbox(endpoint: FakeSocketModeEndpoint) -> Iterator[SandboxServer]:
    """The fake Web API; its apps.connections.open hands out the endpoint's ws:// URL."""
    with SandboxServer(bot_token=BOT_TOKEN, signing_secret="unused", app_token=APP_TOKEN) as fake:
        fake.state.socket_mode_url = endpoint.url
        yield fake


@pytest.fixture
def bot_log(tmp_path: Path, endpoint, sandbox) -> Iterator[Path]:
    """`costbot run` in Socket Mode, connected to the endpoint; its output's file."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # loopback only
    env.update(
        COSTBOT_DATABASE_URL=_fill_store(tmp_path),
        COSTBOT_TODAY=TODAY.isoformat(),
        COSTBOT_SLACK_API_URL=sandbox.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        bot = subprocess.Popen(RUN, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not endpoint.connected.wait(0.1):
            assert bot.poll() is None, f"costbot run exited ({bot.returncode}):\n{log.read_text()}"
            assert time.monotonic() < deadline, f"costbot run never connected:\n{log.read_text()}"
        yield log
    finally:
        bot.kill()
        bot.wait(timeout=10)


def _wait_for_message(state: SandboxState, before: int, timeout: float) -> Message:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = state.messages(CHANNEL, visible_to=ADA)
        if len(messages) > before:
            return messages[before]
        time.sleep(0.02)
    raise AssertionError(f"no answer in {CHANNEL} after {timeout} s")


def test_a_slash_command_over_socket_mode_is_acked_and_answered(endpoint, sandbox, bot_log):
    opened = sandbox.state.calls("apps.connections.open")
    assert opened and all(call.ok for call in opened)  # with the app token, on our Web API
    before = len(sandbox.state.messages(CHANNEL, visible_to=ADA))
    envelope_id = str(uuid.uuid4())
    form = slash_command_form(sandbox.state, channel_id=CHANNEL, user_id=ADA, text="top project")

    sent = time.monotonic()
    endpoint.send(
        {
            "envelope_id": envelope_id,
            "type": "slash_commands",
            "payload": form,
            "accepts_response_payload": True,
        }
    )
    arrived, ack = endpoint.next_message(timeout=3)

    assert ack["envelope_id"] == envelope_id, ack
    assert arrived - sent < 3
    answer = _wait_for_message(sandbox.state, before, timeout=15)
    assert answer.ephemeral_to == ADA, bot_log.read_text()
    assert "llm-chat" in texts(answer) and "fraud-detection" in texts(answer)
