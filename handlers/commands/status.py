"""The answer to `/cost status`: every source's freshness and health."""

from __future__ import annotations

from bot.domain.command_grammar import StatusQuery
from handlers.blocks.source_status import build_source_status_blocks, source_status_text
from handlers.commands.answer import Answer, Asked


def answer_status_query(query: StatusQuery, asked: Asked) -> Answer:
    report = asked.services.source_status.report()
    return Answer(source_status_text(report), build_source_status_blocks(report))
