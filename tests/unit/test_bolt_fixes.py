"""Slack's form bodies parse whatever words the user typed."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.bolt_fixes import parse_body

FORM = "application/x-www-form-urlencoded"


def test_a_slash_command_mentioning_payload_keeps_its_fields():
    body = urlencode({"command": "/cost", "text": "project payload-api", "user_name": "payload"})
    assert parse_body(body, FORM)["text"] == "project payload-api"


def test_an_interactive_payload_is_read_from_its_field():
    body = urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})})
    assert parse_body(body, FORM)["type"] == "block_actions"


def test_json_and_empty_bodies():
    assert parse_body('{"type": "event_callback"}', "application/json")["type"] == "event_callback"
    assert parse_body("", FORM) == {}
