"""`/cost` end to end: signed HTTP requests to the real bot, answers through the fake Slack."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from bot.sandbox.signing import post_signed, slash_command_form
from tests.e2e.conftest import ADA, CHANNEL, texts

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("project fraud-detection", ["fraud-detection", "project", "Top services"]),
        ("fraud-detection last-month", ["fraud-detection", "2026-10-01"]),
        ("team genai 30d", ["genai", "team"]),
        ("top project", ["fraud-detection", "llm-chat", "(unallocated)"]),
        ("top team last-month", ["genai", "platform"]),
        ("untagged 30d", ["no project or team tag", "% of cost is tagged"]),
        ("status", ["demo", "data through", "last success"]),
        ("help", ["/cost project fraud-detection last-month", "/cost top team mtd"]),
        ("", ["/cost untagged 30d"]),
    ],
)
def test_every_form_gets_its_answer(world, text, expected):
    message = world.ask(text)

    assert message.ephemeral_to == ADA
    shown = texts(message)
    for fragment in expected:
        assert fragment in shown, (fragment, shown[:2000])


def test_the_answer_explains_how_the_number_was_computed(world):
    shown = texts(world.ask("project fraud-detection mtd"))

    assert "$" in shown and "effective cost" in shown.lower()
    assert "project_name" in shown  # the tag keys behind the number
    assert "2026-11-27" in shown  # data freshness


def test_ack_comes_first_and_empty(world):
    started = time.monotonic()
    reply = world.command("top project 90d")
    assert reply.status == 200
    assert time.monotonic() - started < 3
    assert reply.body in (b"", "")


def test_an_unknown_name_offers_close_names_as_buttons(world):
    message = world.ask("project fraud-detektion")

    assert "fraud-detektion" in texts(message)
    buttons = [
        e for b in message.blocks for e in b.get("elements", []) if e.get("type") == "button"
    ]
    assert buttons[0]["value"] == "project fraud-detection mtd"

    before = len(world.state.messages(CHANNEL, visible_to=ADA))
    assert world.click(message, buttons[0]["action_id"]).status == 200
    answer = world.wait_for_message(CHANNEL, ADA, before - 1)  # replaces the original
    deadline = time.monotonic() + 10
    while "Top services" not in texts(answer) and time.monotonic() < deadline:
        time.sleep(0.05)
        answer = world.state.messages(CHANNEL, visible_to=ADA)[before - 1]
    assert "Top services" in texts(answer)


def test_share_reposts_the_answer_visibly(world):
    message = world.ask("top project mtd")
    visible_before = [m for m in world.state.messages(CHANNEL) if m.ephemeral_to is None]

    assert world.click(message, "share_answer").status == 200

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        visible = [m for m in world.state.messages(CHANNEL) if m.ephemeral_to is None]
        if len(visible) > len(visible_before):
            break
        time.sleep(0.05)
    shared = visible[-1]
    assert "llm-chat" in texts(shared) and "Shared by" in texts(shared)
    assert not any(
        e.get("action_id") == "share_answer" for b in shared.blocks for e in b.get("elements", [])
    )


def test_trend_uploads_a_chart_and_shows_it(world):
    message = world.ask("trend project llm-chat 30d")

    images = [b for b in message.blocks if b["type"] == "image"]
    assert images and images[0]["slack_file"]["id"]
    stored = world.state.file(images[0]["slack_file"]["id"])
    assert stored.content.startswith(b"\x89PNG")
    methods = [c.method for c in world.state.calls()]
    assert "files.getUploadURLExternal" in methods and "files.completeUploadExternal" in methods


def test_app_home_shows_this_months_top_projects(world):
    from bot.sandbox.signing import send_app_home_opened

    reply = send_app_home_opened(world.bot_url, world.demo.signing_secret, world.state, user_id=ADA)
    assert reply.status == 200
    deadline = time.monotonic() + 10
    while world.state.home_view(ADA) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    view = world.state.home_view(ADA)
    assert view is not None
    shown = json.dumps(view)
    assert "Top projects" in shown and "llm-chat" in shown


def _signed_command(world, text: str, *, secret: str, timestamp: int | None = None):
    form = slash_command_form(world.state, channel_id=CHANNEL, user_id=ADA, text=text)
    body = urllib.parse.urlencode(form).encode()
    return post_signed(world.bot_url, body, FORM, secret, timestamp=timestamp)


def test_a_bad_signature_gets_401_and_nothing_runs(world):
    world.settle()
    calls = len(world.state.calls())
    reply = _signed_command(world, "top project", secret="not-the-secret")
    time.sleep(0.3)
    assert reply.status == 401
    assert len(world.state.calls()) == calls


def test_a_stale_timestamp_gets_401_and_nothing_runs(world):
    world.settle()
    calls = len(world.state.calls())
    reply = _signed_command(
        world, "top project", secret=world.demo.signing_secret, timestamp=int(time.time()) - 600
    )
    time.sleep(0.3)
    assert reply.status == 401
    assert len(world.state.calls()) == calls


def test_healthz(world):
    import urllib.request

    base = world.bot_url.removesuffix("/slack/events")
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["ok"] is True


def test_a_failure_after_the_ack_is_told_to_the_user_with_an_error_id(world, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(world.demo.services.costs, "top", broken)

    message = world.ask("top project")

    shown = texts(message)
    assert "Something went wrong" in shown
    error_id = shown.split("error id")[-1].strip(" `:*()\n").split()[0].strip("`*().")
    assert len(error_id) == 12
    assert any(error_id in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("text", ["project payload-api", "payload"])
def test_the_word_payload_in_a_command_is_just_text(world, text):
    # slack_bolt alone would drop such a form body and leave the command unanswered.
    shown = texts(world.ask(text))
    assert "payload" in shown
