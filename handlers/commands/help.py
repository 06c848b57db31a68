"""The answer to `/cost help`, and to text that is not a question (with the reason why)."""

from __future__ import annotations

from bot.domain.command_grammar import HelpQuery
from handlers.blocks import build_error_blocks, build_help_blocks, help_text
from handlers.commands.answer import Answer, Asked


def answer_help_query(query: HelpQuery, asked: Asked) -> Answer:
    blocks = build_help_blocks()
    if query.reason:
        blocks = [*build_error_blocks(query.reason, None), *blocks]
    return Answer(help_text(), blocks)
