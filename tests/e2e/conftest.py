"""The real bot on HTTP and the fake Slack on free ports, talking with genuinely signed requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.demo import RunningDemo, start_demo
from bot.sandbox.signing import BotReply, action_json, send_block_action, send_slash_command
from bot.sandbox.state import Message
from bot.settings import Settings

TODAY = date(2026, 11, 27)
ADA = "U0SANDBOX1"
CHANNEL = "C0FRAUDDT1"


@dataclass
class SlackWorld:
    demo: RunningDemo

    @property
    def state(self):
        return self.demo.sandbox.state

    @property
    def bot_url(self) -> str:
        return self.demo.sandbox.bot_url

    def command(self, text: str, *, user: str = ADA, channel: str = CHANNEL) -> BotReply:
        """Send `/cost text` as Slack would: form-encoded, signed, with a response_url."""
        return send_slash_command(
            self.bot_url,
            self.demo.signing_secret,
            self.state,
            channel_id=channel,
            user_id=user,
            text=text,
        )

    def settle(self, quiet: float = 0.15, timeout: float = 15) -> None:
        """Wait until the bot has finished earlier work (no API call for `quiet` seconds)."""
        deadline = time.monotonic() + timeout
        count, since = len(self.state.calls()), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = len(self.state.calls())
            if now != count:
                count, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
        raise AssertionError("the bot kept calling Slack")

    def ask(self, text: str, *, user: str = ADA, channel: str = CHANNEL) -> Message:
        """`/cost text`, then the ephemeral answer the user sees."""
        self.settle()
        before = len(self.state.messages(channel, visible_to=user))
        reply = self.command(text, user=user, channel=channel)
        assert reply.status == 200, reply
        return self.wait_for_message(channel, user, before)

    def wait_for_message(
        self, channel: str, user: str | None, before: int, timeout: float = 15
    ) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.state.messages(channel, visible_to=user)
            if len(messages) > before:
                return messages[before]
            time.sleep(0.02)
        raise AssertionError(f"no new message in {channel} after {timeout} s")

    def click(self, message: Message, action_id: str, *, user: str = ADA) -> BotReply:
        """Press a button of a message, as Slack sends it: a signed block_actions payload."""
        element = find_button(message.blocks, action_id)
        return send_block_action(
            self.bot_url,
            self.demo.signing_secret,
            self.state,
            user_id=user,
            action=action_json(element, element["block_id"]),
            message=message,
        )


def find_button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id", "")}
    raise AssertionError(f"no button {action_id!r} in {blocks}")


def texts(message: Message) -> str:
    """Every text of a message's blocks, joined: what a person reads."""
    found: list[str] = [message.text]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.blocks)
    return "\n".join(found)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackWorld]:
    folder: Path = tmp_path_factory.mktemp("e2e")
    settings = Settings(database_url=f"sqlite:///{folder / 'costbot.db'}", today=TODAY)
    demo = start_demo(settings=settings, data_dir=folder / "demo-data", port=0, days=60, seed=7)
    yield SlackWorld(demo)
    demo.stop()
