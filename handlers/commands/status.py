"""The answer to `/cost status`."""

from __future__ import annotations

from bot.domain.command_grammar import StatusQuery
from handlers.blocks import build_status_blocks, status_text
from handlers.commands.answer import Answer, Asked


def answer_status_query(query: StatusQuery, asked: Asked) -> Answer:
    status = asked.services.coverage.status()
    return Answer(status_text(status), build_status_blocks(status))
