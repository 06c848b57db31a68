"""Only this machine's browser tab drives the sandbox: Host header and per-run key, over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient

from bot.sandbox import BackgroundServer, SandboxServer
from bot.sandbox.guard import host_name
from tests.sandbox.conftest import BOT_TOKEN, http, post_json

FRAUD = "C0FRAUDDT1"
PAGE_API = [
    ("GET", "/sandbox/api/workspace"),
    ("GET", f"/sandbox/api/messages?channel={FRAUD}"),
    ("GET", "/sandbox/api/home"),
    ("POST", "/sandbox/api/command"),
    ("POST", "/sandbox/api/action"),
    ("POST", "/sandbox/api/home/open"),
]


@pytest.fixture
def catcher() -> Iterator[tuple[BackgroundServer, list[dict[str, Any]]]]:
    """A stand-in bot that records every request the sandbox sends it, and answers 200."""
    received: list[dict[str, Any]] = []

    def app(environ, start_response):
        received.append({"path": environ.get("PATH_INFO"), "body": environ["wsgi.input"].read()})
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    with BackgroundServer(app) as server:
        yield server, received


def call(sandbox: SandboxServer, method: str, path: str, headers: dict[str, str]):
    if method == "POST":
        return post_json(f"{sandbox.url}{path}", {"channel": FRAUD, "text": "/cost top"}, headers)
    return http(f"{sandbox.url}{path}", headers=headers)


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:3000",
        "127.0.0.1.evil.example",
        "localhost.evil.example:80",
        "[::1].evil.example",
        "10.0.0.5:3000",
        "",
    ],
)
def test_a_foreign_host_header_is_refused_everywhere(sandbox: SandboxServer, host: str) -> None:
    # What a DNS-rebinding page sends: its own name, now resolving to 127.0.0.1.
    headers = {"Host": host, **sandbox.ui_headers}
    for path in ("/", "/sandbox/api/workspace", "/sandbox/static/sandbox.js", "/response/x"):
        status, body = http(f"{sandbox.url}{path}", headers=headers)
        assert status == 403, (path, body)
        assert "answers only http://127.0.0.1" in body and len(body) < 200
    status, body = http(f"{sandbox.api_url}auth.test", b"", {"Host": host})
    assert status == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LocalHost", "[::1]"])
def test_the_loopback_names_with_any_port_are_served(sandbox: SandboxServer, host: str) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    for shown in (host, f"{host}:{port}", f"{host}:8080"):
        status, page = http(f"{sandbox.url}/", headers={"Host": shown})
        assert status == 200 and "costbot sandbox" in page
        status, _ = http(
            f"{sandbox.url}/sandbox/api/workspace", headers={"Host": shown, **sandbox.ui_headers}
        )
        assert status == 200


@pytest.mark.parametrize("method,path", PAGE_API)
def test_the_page_api_needs_the_runs_key(sandbox: SandboxServer, method: str, path: str) -> None:
    key = sandbox.ui_key
    for wrong in ({}, {"X-Sandbox-Key": ""}, {"X-Sandbox-Key": key[:-1]}, {"X-Sandbox-Key": "x"}):
        status, body = call(sandbox, method, path, wrong)
        assert status == 403, (wrong, body)
        assert "open the URL that costbot demo printed" in body
    # The key in the query string (as in the printed URL) is not enough for the API either.
    status, _ = http(f"{sandbox.url}{path}{'&' if '?' in path else '?'}key={key}")
    assert status == 403


def test_with_the_key_the_page_api_works(sandbox: SandboxServer) -> None:
    status, body = http(f"{sandbox.url}/sandbox/api/workspace", headers=sandbox.ui_headers)
    assert status == 200 and json.loads(body)["team"]["id"] == sandbox.state.team_id
    status, _ = post_json(
        f"{sandbox.url}/sandbox/api/command",
        {"channel": FRAUD, "text": "hello"},
        sandbox.ui_headers,
    )
    assert status == 200
    assert [m.text for m in sandbox.state.messages(FRAUD)] == ["hello"]


def test_each_sandbox_has_its_own_key_and_the_page_url_carries_it() -> None:
    with (
        SandboxServer(bot_token=BOT_TOKEN, signing_secret="s") as one,
        SandboxServer(bot_token=BOT_TOKEN, signing_secret="s") as two,
    ):
        assert one.ui_key != two.ui_key and len(one.ui_key) >= 32
        assert one.page_url == f"{one.url}/?key={one.ui_key}"
        assert http(f"{one.url}/sandbox/api/workspace", headers=two.ui_headers)[0] == 403
        assert http(one.page_url)[0] == 200  # the page itself loads; its calls carry the key


def test_a_cross_site_form_post_sends_nothing_to_the_bot(sandbox: SandboxServer, catcher) -> None:
    server, received = catcher
    sandbox.bot_url = f"{server.url}/slack/events"
    form = urlencode({"channel": FRAUD, "text": "/cost top project"}).encode()
    # A form on another site can post here, but cannot add a header: no key, no command.
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": "https://evil.example",
    }
    assert http(f"{sandbox.url}/sandbox/api/command", form, headers)[0] == 403
    assert (
        post_json(f"{sandbox.url}/sandbox/api/command", {"channel": FRAUD, "text": "/cost"})[0]
        == 403
    )
    time.sleep(0.2)
    assert received == [] and sandbox.state.messages(FRAUD) == []
    # The same command with the key reaches the bot: the catcher was listening.
    status, _ = post_json(
        f"{sandbox.url}/sandbox/api/command",
        {"channel": FRAUD, "text": "/cost top project"},
        sandbox.ui_headers,
    )
    assert status == 200
    deadline = time.monotonic() + 5  # the sandbox forwards it to the bot on its own thread
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["path"] for r in received] == ["/slack/events"]


def test_the_web_api_and_response_urls_do_not_need_the_key(
    sandbox: SandboxServer, client: WebClient
) -> None:
    assert client.auth_test()["ok"] is True  # the bot token is the Web API's authentication
    posted = client.chat_postMessage(channel=FRAUD, text="from the bot")
    assert posted["ok"] is True
    status, body = http(f"{sandbox.url}/response/not-a-token", b"{}")
    assert status != 403, body  # Slack's own answer for an unknown response_url


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("127.0.0.1:3000", "127.0.0.1"),
        ("LOCALHOST", "localhost"),
        ("[::1]:3000", "[::1]"),
        ("[::1]", "[::1]"),
        ("::1", "::1"),  # not a valid Host header: kept whole, and not a loopback name
        ("evil.example:3000", "evil.example"),
    ],
)
def test_host_names_are_read_without_their_port(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize(
    "header", ["[::1].evil.example", "localhost:abc", "[::1]x:1", "localhost.:3000", "127.0.0.1:"]
)
def test_a_name_followed_by_anything_but_a_port_is_not_loopback(header: str) -> None:
    from bot.sandbox.guard import is_loopback_host

    assert not is_loopback_host(header)
