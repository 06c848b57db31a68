"""manifest.yml is a valid Slack app manifest, and every command and button has a listener."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from slack_bolt import App

import handlers
from handlers import HandlerServices, blocks

ROOT = Path(__file__).parents[2]
SCHEMA = Path(__file__).parents[1] / "fixtures" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.fixture(scope="module")
def app() -> App:
    """The real listener registration, on an app that never talks to Slack."""
    bolt = App(signing_secret="test-secret", token_verification_enabled=False, token="xoxb-test")
    handlers.register(
        bolt, HandlerServices(costs=None, coverage=None, source_status=None, today=None)
    )  # type: ignore[arg-type]
    return bolt


def test_the_manifest_matches_slacks_schema(manifest):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(manifest, schema)


def test_the_manifest_asks_for_what_the_issue_lists(manifest):
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "chat:write.public",
        "files:write",
        "channels:read",
        "groups:read",
        "usergroups:read",
        "users:read",
        "users:read.email",
        "im:write",
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "socket_mode_enabled" in manifest["settings"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/cost" and command["usage_hint"]


def _handles(app: App, body: dict) -> bool:
    from slack_bolt.request import BoltRequest

    request = BoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]})
    return any(
        all(matcher.matches(request, None) for matcher in listener.matchers)
        for listener in app._listeners
    )


def test_the_listener_check_can_fail(app):
    assert not _handles(app, {"command": "/other", "text": ""})
    assert not _handles(app, {"type": "block_actions", "actions": [{"action_id": "nope"}]})


def test_every_manifest_command_has_a_listener(manifest, app):
    for command in manifest["features"]["slash_commands"]:
        body = {"command": command["command"], "text": "", "type": None}
        assert _handles(app, body), f"no listener for {command['command']}"


def test_every_bot_event_has_a_listener(manifest, app):
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        body = {"type": "event_callback", "event": {"type": event}}
        assert _handles(app, body), f"no listener for event {event}"


def test_every_action_id_in_our_blocks_has_a_listener(app):
    action_ids = [a.value for a in blocks.ActionId]
    assert action_ids, "blocks define no action ids"
    for action_id in action_ids:
        body = {"type": "block_actions", "actions": [{"action_id": action_id, "type": "button"}]}
        assert _handles(app, body), f"no listener for action {action_id}"
