"""The answer to `/cost top DIMENSION [PERIOD]`."""

from __future__ import annotations

from bot.domain.command_grammar import TopQuery
from handlers.blocks import build_top_report_blocks, top_report_text
from handlers.commands.answer import Answer, Asked


def answer_top_query(query: TopQuery, asked: Asked) -> Answer:
    report = asked.services.costs.top(query.dimension, query.period, shared=not query.direct)
    blocks = build_top_report_blocks(
        report, command_text=asked.command_text, shareable=asked.shareable
    )
    return Answer(top_report_text(report), blocks)
