"""A local stand-in for the OpenCost API: replays recorded answers over real HTTP on
127.0.0.1 (port 0) and records each request it was sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

OPENCOST_FIXTURES = Path(__file__).parent / "fixtures" / "opencost"


@dataclass
class Reply:
    body: bytes
    status: int = 200
    delay_seconds: float = 0.0
    content_type: str = "application/json"

    @classmethod
    def fixture(cls, name: str, **kwargs: object) -> Reply:
        return cls((OPENCOST_FIXTURES / name).read_bytes(), **kwargs)  # type: ignore[arg-type]


@dataclass
class ReplayServer:
    url: str
    replies: list[Reply]  # served in turn; the last one again once the others are used
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


@contextmanager
def opencost_server(*replies: Reply) -> Iterator[ReplayServer]:
    state = ReplayServer(url="", replies=list(replies))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            state.requests.append((parts.path, parse_qs(parts.query, keep_blank_values=True)))
            reply = state.next_reply()
            if reply.delay_seconds:
                time.sleep(reply.delay_seconds)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: what a timeout test wants

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
