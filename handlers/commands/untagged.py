"""The answer to `/cost untagged [PERIOD]`."""

from __future__ import annotations

from bot.domain.command_grammar import UntaggedQuery
from handlers.blocks import build_untagged_blocks, untagged_text
from handlers.commands.answer import Answer, Asked


def answer_untagged_query(query: UntaggedQuery, asked: Asked) -> Answer:
    report = asked.services.coverage.untagged(query.period)
    return Answer(
        untagged_text(report), build_untagged_blocks(report, command_text=asked.command_text)
    )
