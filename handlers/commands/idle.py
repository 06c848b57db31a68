"""The answers to `/cost idle` (idle machines and their proposals) and `/cost savings [PERIOD]`
(what stopping them saved); private, like every `/cost` answer."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.command_grammar import IdleQuery, SavingsQuery
from handlers.blocks import build_error_blocks, error_text
from handlers.blocks.idle import describe_idle_overview, describe_savings
from handlers.commands.answer import Answer, Asked

UNAVAILABLE = (
    "Idle machines are not set up in this costbot: whoever runs it adds `idle:` with its "
    "`controllers:` to the config (see costbot.example.yml)."
)


def answer_idle_query(query: IdleQuery, asked: Asked) -> Answer:
    idle = asked.services.idle
    if idle is None:
        return Answer(error_text(UNAVAILABLE, None), build_error_blocks(UNAVAILABLE, None))
    text, blocks = describe_idle_overview(idle.overview())
    return Answer(text, blocks)


def answer_savings_query(query: SavingsQuery, asked: Asked) -> Answer:
    idle = asked.services.idle
    if idle is None:
        return Answer(error_text(UNAVAILABLE, None), build_error_blocks(UNAVAILABLE, None))
    # A period's end is its last day; the ledger's end is exclusive.
    report = idle.savings(query.period.start, query.period.end + timedelta(days=1))
    text, blocks = describe_savings(report)
    return Answer(text, blocks)
