"""A local HTTP server that answers every AWS query-protocol call (EC2's) with one error, as
AWS writes it: the status and the XML body. moto never throttles or denies, so the controller's
reading of those answers is tested against this instead, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pytest

# EC2's error document (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html)
_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
    "<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>"
)


@dataclass
class AwsErrorServer:
    url: str
    status: int = 503
    code: str = "RequestLimitExceeded"
    message: str = "Request limit exceeded."
    actions: list[str] = field(default_factory=list)  # the Action of every request received

    def answer(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def _handler(server: AwsErrorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length).decode()
            action = dict(p.split("=", 1) for p in form.split("&") if "=" in p).get("Action", "")
            server.actions.append(action)
            body = _BODY.format(code=escape(server.code), message=escape(server.message))
            data = body.encode()
            self.send_response(server.status)
            self.send_header("Content-Type", "text/xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def aws_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsErrorServer]:
    """The error server, with boto3 pointed at it (AWS_ENDPOINT_URL) and dummy credentials."""
    state = AwsErrorServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", state.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield state
    httpd.shutdown()
    httpd.server_close()
