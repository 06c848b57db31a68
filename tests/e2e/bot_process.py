"""The real `costbot run` process against the fake Slack, plus the tools to attack it over HTTP."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.sandbox import SandboxServer
from bot.sandbox.signing import sign_request
from bot.sandbox.state import SandboxState

RUN = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
BOT_TOKEN = "xoxb-0000000000-endpoint"
SIGNING_SECRET = "5b0c1d2e3f405162738495a6b7c8d9e0"
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(database: Path, **variables: str) -> dict[str, str]:
    """This environment without Slack's or costbot's variables or proxies, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "COSTBOT_")) and "proxy" not in name.lower()
    }
    return {**env, "COSTBOT_DATABASE_URL": f"sqlite:///{database}", **variables}


@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float


@dataclass
class RunningBot:
    """`costbot run` on a free port; every request sent through it is tallied by status."""

    process: subprocess.Popen
    port: int
    log_path: Path
    state: SandboxState
    tally: Counter = field(default_factory=Counter)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def post(
        self,
        body: bytes,
        headers: dict[str, str],
        *,
        hostile: bool = True,
        timeout: float = 5,
    ) -> Reply:
        """POST raw `body` with exactly `headers` (no signing added)."""
        request = urllib.request.Request(self.events_url, data=body, headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                reply = Reply(response.status, response.read(), time.monotonic() - started)
        except urllib.error.HTTPError as exc:
            reply = Reply(exc.code, exc.read(), time.monotonic() - started)
        if hostile:
            self.tally[reply.status] += 1
        return reply

    def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        extra: dict[str, str] | None = None,
        hostile: bool = True,
        timeout: float = 5,
    ) -> Reply:
        headers = {
            "Content-Type": content_type,
            **sign_request(SIGNING_SECRET, body, int(time.time())),
            **(extra or {}),
        }
        return self.post(body, headers, hostile=hostile, timeout=timeout)

    def raw(self, request: bytes, *, hostile: bool = True, timeout: float = 5) -> Reply:
        """Send bytes as they are (headers no HTTP client would write) and read the status."""
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as connection:
            connection.sendall(request)
            answer = b""
            while b"\r\n" not in answer:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        if hostile:
            self.tally[status] += 1
        return Reply(status, answer, time.monotonic() - started)

    def calls_since(self, count: int) -> list[str]:
        return [call.method for call in self.state.calls()[count:]]


def _wait_until_serving(bot: RunningBot) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    url = f"http://127.0.0.1:{bot.port}/healthz"
    while True:
        assert bot.process.poll() is None, f"costbot run exited:\n{bot.log()}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                return
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, f"{url} never answered:\n{bot.log()}"
            time.sleep(0.1)


@contextmanager
def running_bot(folder: Path, **variables: str) -> Iterator[RunningBot]:
    """The fake Slack and `costbot run` (HTTP mode, default host) wired to each other."""
    with SandboxServer(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET) as sandbox:
        port = free_port()
        sandbox.bot_url = f"http://127.0.0.1:{port}/slack/events"
        env = clean_env(
            folder / "costbot.db",
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            COSTBOT_PORT=str(port),
            COSTBOT_SLACK_API_URL=sandbox.api_url,
            **variables,
        )
        log_path = folder / "bot.log"
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                RUN, env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT
            )
        bot = RunningBot(process, port, log_path, sandbox.state)
        try:
            _wait_until_serving(bot)
            yield bot
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


class Catcher:
    """An HTTP server on 127.0.0.1 that records every request it gets (it must get none)."""

    def __init__(self) -> None:
        received: list[tuple[str, str, bytes]] = []

        class Record(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append(("POST", self.path, self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(json.dumps({"ok": True}).encode())

            do_GET = do_PUT = do_POST

            def log_message(self, *_args: object) -> None:
                """Quiet."""

        self.received = received
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/response"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Catcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
