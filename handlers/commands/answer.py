"""What an answer to `/cost` is, and what an answer function is given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from handlers import HandlerServices
from handlers.blocks import to_payload


@dataclass(frozen=True)
class Answer:
    """A message ready for `respond()` or `chat.postMessage`: fallback text and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    posted: bool = False  # already in the channel (a shared chart upload): nothing left to send

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": to_payload(self.blocks)}


@dataclass(frozen=True)
class Asker:
    """Who asked, and where: needed to upload a chart."""

    user_id: str
    channel_id: str
    client: WebClient


@dataclass(frozen=True)
class Asked:
    """Everything an answer function may use besides its query."""

    services: HandlerServices
    asker: Asker
    command_text: str  # the question as canonical `/cost` text, for the share button
    shareable: bool  # False when the answer is itself being shared in the channel


# One per subcommand, in `handlers.commands.table.ANSWERS`: (its query, asked) -> the answer.
AnswerFunction = Callable[[Any, Asked], Answer]
