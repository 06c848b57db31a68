"""The real `costbot run` under attack over HTTP: nothing unverified, malformed, oversized,
retried or foreign ever acts, and nothing an attacker sends shows as a 500 or a trace."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import BoltContext, Respond

from bot.sandbox.signing import (
    FORM,
    app_home_opened_event,
    block_actions_payload,
    sign_request,
    slash_command_form,
)
from bot.slack_gate import MAX_BODY_BYTES
from handlers.blocks.buttons import share_value
from handlers.errors import handle_error
from tests.e2e.bot_process import SIGNING_SECRET, Catcher, RunningBot, running_bot
from tests.e2e.conftest import ADA, CHANNEL

JSON = "application/json"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    with running_bot(tmp_path_factory.mktemp("endpoint")) as running:
        yield running
        tally = sorted(running.tally.items(), key=str)
        print(f"\nhostile requests by status: {dict(tally)}")
        print(f"tracebacks in the bot's log: {running.log().count('Traceback')}")


@pytest.fixture(scope="module")
def catcher() -> Iterator[Catcher]:
    with Catcher() as catching:
        yield catching


def _command(bot: RunningBot, text: str = "help", **fields: str) -> dict[str, str]:
    form = slash_command_form(bot.state, channel_id=CHANNEL, user_id=ADA, text=text)
    return {**form, **fields}


def _wait_for(condition, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _quiet(bot: RunningBot, seconds: float = 0.3) -> None:
    """Give a (wrong) answer room to show up."""
    time.sleep(seconds)


def _no_trace(bot: RunningBot) -> None:
    assert "Traceback" not in bot.log(), bot.log()[-4000:]


# -- 1. an unverifiable request never acts ---------------------------------------------------
def _signed_as(body: bytes, timestamp: str) -> dict[str, str]:
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def _headers_for(case: str, body: bytes) -> dict[str, str]:
    now = int(time.time())
    good = sign_request(SIGNING_SECRET, body, now)
    digest = good["X-Slack-Signature"]
    cases = {
        "timestamp abc": {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": digest},
        "timestamp empty": {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": digest},
        "timestamp missing": {"X-Slack-Signature": digest},
        "timestamp huge": {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": digest},
        "timestamp negative": {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": digest},
        "timestamp float": {"X-Slack-Request-Timestamp": f"{now}.5", "X-Slack-Signature": digest},
        # Signed over the odd spelling itself: int() reads these, a timestamp has only digits.
        "timestamp plus": _signed_as(body, f"+{now}"),
        "timestamp underscore": _signed_as(body, f"{now}"[:4] + "_" + f"{now}"[4:]),
        "timestamp stale": sign_request(SIGNING_SECRET, body, now - 301),
        "timestamp future": sign_request(SIGNING_SECRET, body, now + 301),
        "signature missing": {"X-Slack-Request-Timestamp": str(now)},
        "signature empty": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": ""},
        "signature v1": {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": digest.replace("v0=", "v1="),
        },
        "signature bare": {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": digest.removeprefix("v0="),
        },
        "signature wrong": sign_request("not-the-secret", body, now),
        "nothing": {},
    }
    return {"Content-Type": FORM, **cases[case]}


UNVERIFIABLE = [
    "timestamp abc",
    "timestamp empty",
    "timestamp missing",
    "timestamp huge",
    "timestamp negative",
    "timestamp float",
    "timestamp plus",
    "timestamp underscore",
    "timestamp stale",
    "timestamp future",
    "signature missing",
    "signature empty",
    "signature v1",
    "signature bare",
    "signature wrong",
    "nothing",
]


def test_an_unverifiable_request_gets_401_and_nothing_happens(bot, catcher):
    calls = len(bot.state.calls())
    for case in UNVERIFIABLE:
        body = urlencode(_command(bot, response_url=catcher.url)).encode()
        reply = bot.post(body, _headers_for(case, body))
        assert reply.status == 401, (case, reply)
    # Headers no HTTP library would send: non-ASCII digits and bytes that are not UTF-8.
    body = urlencode(_command(bot, response_url=catcher.url)).encode()
    for timestamp in ("١٧٠٠٠٠٠٠٠٠".encode(), b"\xff\xfe", str(int(time.time())).encode()):
        signature = b"v0=\xe9" + b"0" * 63 if timestamp[0:1].isdigit() else b"v0=00"
        request = (
            b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: " + FORM.encode() + b"\r\n"
            b"X-Slack-Request-Timestamp: " + timestamp + b"\r\n"
            b"X-Slack-Signature: " + signature + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )
        assert bot.raw(request).status == 401, timestamp
    _quiet(bot)
    assert catcher.received == []
    assert bot.calls_since(calls) == []  # no listener answered, no error was reported
    assert "refused a request" in bot.log()
    _no_trace(bot)


def test_the_error_handler_never_answers_an_unverified_request(catcher):
    """Even when an error reaches it: the response_url of an unverified body is never used."""
    before = len(catcher.received)
    response = handle_error(
        ValueError("invalid literal for int() with base 10: 'abc'"),
        {"response_url": catcher.url},
        Respond(response_url=catcher.url),
        BoltContext(),
        logging.getLogger("test"),
    )
    assert response.status == 401
    assert catcher.received[before:] == []


# -- 2. verify before parsing ------------------------------------------------------------------
MALFORMED = [
    (b"{x", JSON),
    (b"payload=%7Bnot", FORM),
    (b"\xff\xfe\xfa not utf-8", FORM),
    (b'{"a": "\xc3\x28"}', JSON),
    (b"[" * 100_000, JSON),
    (b"payload=" + b"%5B" * 100_000, FORM),
    (b'{"type": "event_callback", "event": ' + b"[" * 5000 + b"]" * 5000 + b"}", JSON),
    (b"payload=%5B%5D", FORM),  # payload=[]
    (b"payload=%22text%22", FORM),  # a string where an object belongs
    (b"[]", JSON),
    (b"null", JSON),
]


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_malformed_bodies_get_4xx_without_a_trace(bot, signed):
    calls = len(bot.state.calls())
    for body, content_type in MALFORMED:
        if signed:
            reply = bot.post_signed(body, content_type)
            assert reply.status == 400, (body[:40], reply)
        else:
            reply = bot.post(body, {"Content-Type": content_type})
            assert reply.status == 401, (body[:40], reply)  # not even parsed
    _quiet(bot)
    assert bot.calls_since(calls) == []
    _no_trace(bot)


def _action_payload(bot: RunningBot, catcher_url: str | None = None) -> dict[str, Any]:
    payload = block_actions_payload(
        bot.state,
        user_id=ADA,
        action={"action_id": "share_answer", "block_id": "b", "value": share_value("help")},
    )
    payload["response_url"] = catcher_url or bot.state.new_response_url(CHANNEL, ADA)
    payload["channel"] = {"id": CHANNEL}
    return payload


def _form_payload(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_signed_payloads_of_the_wrong_shape_get_4xx_without_a_trace(bot):
    base = _action_payload(bot)
    broken = [
        {**base, "actions": []},
        {**base, "actions": [{"block_id": "b", "value": "x"}]},  # no action_id
        {**base, "actions": "share_answer"},
        {**base, "actions": [["share_answer"]]},
        {k: v for k, v in base.items() if k != "user"},
        {**base, "user": ["U1"]},
        {**base, "team": "T0SANDBOX1x"},
        {**base, "channel": 7},
        {**base, "authorizations": {"team_id": "T"}},
    ]
    for payload in broken:
        reply = bot.post_signed(_form_payload(payload), FORM)
        assert 400 <= reply.status < 500, (payload, reply)
    for fields in ({"user_id": ""}, {"command": ""}):
        reply = bot.post_signed(urlencode(_command(bot, **fields)).encode(), FORM)
        assert 400 <= reply.status < 500, (fields, reply)
    event = app_home_opened_event(bot.state, ADA)
    for broken_event in ({**event, "event": "home"}, {**event, "event": {"type": 5}}):
        assert 400 <= bot.post_signed(json.dumps(broken_event).encode(), JSON).status < 500
    _no_trace(bot)


_NESTED_SHAPES = {
    "event channel list": {"event": {"type": "app_home_opened", "user": ADA, "channel": ["id"]}},
    "event team list": {"event": {"type": "message", "team": ["id"]}},
    "event enterprise list": {"event": {"type": "message", "enterprise": ["id"]}},
    "event item channel list": {"event": {"type": "reaction_added", "item": {"channel": ["i"]}}},
    "authorization team list": {
        "event": {"type": "message"},
        "authorizations": [{"team_id": ["x"]}],
    },
}


def test_signed_payloads_with_a_list_deep_where_an_object_belongs_get_4xx(bot):
    """Bolt reads `event.channel`, `event.team`, `message.user`... before any listener."""
    for number, (name, shape) in enumerate(_NESTED_SHAPES.items()):
        for kind in (JSON, FORM):
            payload = {"type": "event_callback", "event_id": f"EvDeep{number}{kind[-4:]}", **shape}
            body = json.dumps(payload).encode() if kind == JSON else _form_payload(payload)
            reply = bot.post_signed(body, kind)
            # 400 from the gate, or 404 where no listener wants the event: never a 5xx.
            assert 400 <= reply.status < 500, (name, kind, reply)
    message_action = {"type": "message_action", "message": {"user": ["id"]}, "trigger_id": "t9"}
    assert 400 <= bot.post_signed(_form_payload(message_action), FORM).status < 500
    button = {**_action_payload(bot), "response_url": 5}
    assert 400 <= bot.post_signed(_form_payload(button), FORM).status < 500
    _no_trace(bot)


def test_a_command_without_text_gets_the_help(bot):
    form = {k: v for k, v in _command(bot).items() if k != "text"}
    before = len(bot.state.messages(CHANNEL, visible_to=ADA))
    reply = bot.post_signed(urlencode(form).encode(), FORM, hostile=False)
    assert reply.status == 200
    assert _wait_for(lambda: len(bot.state.messages(CHANNEL, visible_to=ADA)) > before)
    _no_trace(bot)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_FIELDS = ["type", "user", "team", "actions", "channel", "container", "message", "view", "state"]
_ACTION_FIELDS = ["action_id", "block_id", "value", "type"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.sampled_from(_FIELDS),
    action_field=st.sampled_from(_ACTION_FIELDS),
    value=_JSON_VALUES,
    where=st.sampled_from(["payload", "action", "drop", "drop action field"]),
)
def test_any_signed_payload_shape_gets_an_answer_without_a_trace(
    bot, field, action_field, value, where
):
    payload = _action_payload(bot)
    action = payload["actions"][0]
    if where == "payload":
        payload[field] = value
    elif where == "action":
        action[action_field] = value
    elif where == "drop":
        payload.pop(field, None)
    else:
        action.pop(action_field, None)
    reply = bot.post_signed(_form_payload(payload), FORM)
    assert reply.status < 500, (payload, reply)
    assert reply.status != 0


def test_after_the_shapes_the_log_has_no_trace(bot):
    time.sleep(0.5)  # lazy answers to the well-shaped ones have finished
    _no_trace(bot)


# -- 3. bounded resources ----------------------------------------------------------------------
def test_a_huge_declared_body_is_refused_413_before_it_is_read(bot):
    for length in (MAX_BODY_BYTES + 1, 10**12, 10**40):
        request = (
            b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            + JSON.encode()
            + b"\r\nContent-Length: "
            + str(length).encode()
            + b"\r\n\r\n{"
        )
        reply = bot.raw(request, timeout=3)
        assert reply.status in (413, 400), (length, reply)  # 10**40 is not even a length
        assert reply.seconds < 2


def test_a_chunked_body_without_length_is_not_read_past_the_limit(bot):
    with socket.create_connection(("127.0.0.1", bot.port), timeout=5) as connection:
        connection.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        )
        chunk = b"x" * 65536
        answer = b""
        for _ in range(MAX_BODY_BYTES // len(chunk) + 8):  # bounded: a little past the limit
            try:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
        try:
            answer = connection.recv(4096)
        except ConnectionResetError:
            answer = b""
    bot.tally[413 if b" 413 " in answer else 0] += 1
    assert b" 413 " in answer, answer[:200]


def test_a_body_just_under_the_limit_is_still_read(bot):
    payload = {**app_home_opened_event(bot.state, ADA), "padding": "p" * (MAX_BODY_BYTES - 4096)}
    body = json.dumps(payload).encode()
    assert len(body) <= MAX_BODY_BYTES
    assert bot.post_signed(body, JSON, hostile=False).status == 200


def test_held_open_connections_do_not_starve_real_requests(bot):
    flood: list[socket.socket] = []
    try:
        for _ in range(300):
            held = socket.create_connection(("127.0.0.1", bot.port), timeout=2)
            held.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n{")
            flood.append(held)
        bot.tally["held open"] += len(flood)
        time.sleep(0.3)
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/healthz", timeout=3) as health:
            assert health.status == 200
        body = urlencode(_command(bot)).encode()
        reply = bot.post_signed(body, FORM, hostile=False, timeout=3)
        assert reply.status == 200
        assert time.monotonic() - started < 2.5
    finally:
        for held in flood:
            held.close()


def test_it_listens_on_loopback_only_by_default(bot):
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    port = f"{bot.port:04X}"
    local = [line.split()[1] for line in listening if line.split()[1].endswith(f":{port}")]
    assert local and all(address == f"0100007F:{port}" for address in local), local


# -- 4. retries are not work twice ---------------------------------------------------------------
def test_an_event_retried_three_times_is_handled_once(bot):
    event = json.dumps(app_home_opened_event(bot.state, ADA)).encode()
    publishes = len(bot.state.calls("views.publish"))
    for retry in (None, "1", "2"):
        extra = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "timeout"} if retry else {}
        assert bot.post_signed(event, JSON, extra=extra, hostile=False).status == 200
    assert _wait_for(lambda: len(bot.state.calls("views.publish")) > publishes)
    _quiet(bot, 0.5)
    assert len(bot.state.calls("views.publish")) == publishes + 1


def test_a_command_sent_twice_is_answered_once(bot):
    body = urlencode(_command(bot, "help")).encode()
    before = len(bot.state.messages(CHANNEL, visible_to=ADA))
    for _ in range(2):
        assert bot.post_signed(body, FORM, hostile=False).status == 200
    assert _wait_for(lambda: len(bot.state.messages(CHANNEL, visible_to=ADA)) > before)
    _quiet(bot, 0.5)
    assert len(bot.state.messages(CHANNEL, visible_to=ADA)) == before + 1


def test_a_button_press_sent_twice_is_answered_once(bot, catcher):
    before = len(catcher.received)
    body = _form_payload(_action_payload(bot, catcher.url))
    for _ in range(2):
        assert bot.post_signed(body, FORM, hostile=False).status == 200
    assert _wait_for(lambda: len(catcher.received) > before)
    _quiet(bot, 0.5)
    # The share button answers twice in the channel and once privately: one press' worth.
    assert len(catcher.received) - before == 2, catcher.received[before:]


# -- 5. another workspace or app ---------------------------------------------------------------
def test_requests_for_another_workspace_or_app_are_refused(bot, catcher):
    calls, heard = len(bot.state.calls()), len(catcher.received)
    foreign = [
        _command(bot, team_id="T0ELSEWHRE", response_url=catcher.url),
        _command(bot, api_app_id="A0NOTOURS1", response_url=catcher.url),
    ]
    for form in foreign:
        assert bot.post_signed(urlencode(form).encode(), FORM).status == 403
    action = _action_payload(bot, catcher.url)
    action["team"] = {"id": "T0ELSEWHRE", "domain": "elsewhere"}
    assert bot.post_signed(_form_payload(action), FORM).status == 403
    event = {**app_home_opened_event(bot.state, ADA), "team_id": "T0ELSEWHRE"}
    event["authorizations"] = [{**event["authorizations"][0], "team_id": "T0ELSEWHRE"}]
    assert bot.post_signed(json.dumps(event).encode(), JSON).status == 403
    _quiet(bot)
    assert bot.calls_since(calls) == [] and catcher.received[heard:] == []
    assert "refused a request for another installation" in bot.log()
    assert "WARNING" in bot.log() or "another installation" in bot.log()


def test_the_installed_team_and_app_can_be_pinned(tmp_path):
    with running_bot(tmp_path, SLACK_TEAM_ID="T0PINNED01", SLACK_APP_ID="A0PINNED01") as pinned:
        body = urlencode(_command(pinned)).encode()  # the sandbox's own team: not the pinned
        assert pinned.post_signed(body, FORM).status == 403
        assert not pinned.state.calls("bots.info")  # pinned: nothing to learn
        ours = urlencode(_command(pinned, team_id="T0PINNED01", api_app_id="A0PINNED01"))
        assert pinned.post_signed(ours.encode(), FORM, hostile=False).status == 200


def test_the_bot_log_has_no_trace_and_no_5xx(bot):
    _quiet(bot, 0.5)
    _no_trace(bot)
    assert not [status for status in bot.tally if isinstance(status, int) and status >= 500]
