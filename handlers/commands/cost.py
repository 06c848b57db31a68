"""The answer to `/cost DIMENSION NAME [PERIOD]`."""

from __future__ import annotations

from bot.domain.command_grammar import CostQuery
from handlers.blocks import build_cost_report_blocks, cost_report_text
from handlers.commands.answer import Answer, Asked


def answer_cost_query(query: CostQuery, asked: Asked) -> Answer:
    report = asked.services.costs.cost(
        query.dimension, query.name, query.period, shared=not query.direct
    )
    blocks = build_cost_report_blocks(
        report, command_text=asked.command_text, shareable=asked.shareable
    )
    return Answer(cost_report_text(report), blocks)
