"""Fixtures for the fake Slack: a running sandbox on a free port and a real WebClient on it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.sandbox import SandboxServer, SandboxState

BOT_TOKEN = "xoxb-sandbox-test-token"
APP_TOKEN = "xapp-1-sandbox-test-token"
SIGNING_SECRET = "sandbox-signing-secret"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(
        SandboxState(), bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, app_token=APP_TOKEN
    ) as server:
        yield server


@pytest.fixture
def state(sandbox: SandboxServer) -> SandboxState:
    return sandbox.state


@pytest.fixture
def client(sandbox: SandboxServer) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=sandbox.api_url, timeout=10)


def http_bytes(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """(status, body) of a GET, or a POST when there is a body; never raises on HTTP errors."""
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    status, raw = http_bytes(url, body, headers)
    return status, raw.decode()


def post_json(url: str, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", **(headers or {})}
    return http(url, json.dumps(payload).encode(), headers)


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until check() is truthy (the bot answers Slack from its own threads)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "timed out waiting for the sandbox"
            return result
        time.sleep(0.02)
