"""Turn the text after `/cost` into a Slack message: parse, look up its answer, answer."""

from __future__ import annotations

from bot.domain.command_grammar import CommandError, Query, command_text, parse_command
from bot.domain.periods import PeriodError
from bot.services.costs import UnknownDimensionError, UnknownNameError
from handlers import HandlerServices
from handlers.blocks import (
    build_error_blocks,
    build_unknown_name_blocks,
    error_text,
    unknown_name_text,
)
from handlers.commands.answer import Answer, Asked, Asker
from handlers.commands.table import ANSWERS


def answer_text(
    text: str | None, services: HandlerServices, asker: Asker, *, shareable: bool = True
) -> Answer:
    """Answer whatever was typed after `/cost`; every input gets a helpful message."""
    try:
        query = parse_command(text, services.today())
    except (CommandError, PeriodError) as exc:
        return Answer(error_text(str(exc), None), build_error_blocks(str(exc), None))
    return answer_query(query, services, asker, shareable=shareable)


def answer_query(
    query: Query, services: HandlerServices, asker: Asker, *, shareable: bool = True
) -> Answer:
    """The answer to one parsed question; an unknown name gets "did you mean" buttons."""
    asked = Asked(services, asker, command_text(query), shareable)
    try:
        return ANSWERS[type(query)](query, asked)
    except UnknownNameError as exc:
        period = getattr(query, "period", None)
        label = period.label if period else ""
        return Answer(
            unknown_name_text(exc.dimension, exc.name, exc.suggestions, label),
            build_unknown_name_blocks(exc.dimension, exc.name, exc.suggestions, label),
        )
    except UnknownDimensionError as exc:
        return Answer(error_text(str(exc), None), build_error_blocks(str(exc), None))
