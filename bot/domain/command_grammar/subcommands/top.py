"""`top DIMENSION [PERIOD]`: the values of a dimension ranked by cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.command_grammar.keywords import _dimension
from bot.domain.command_grammar.limits import CommandError
from bot.domain.command_grammar.messages import _DIMENSION_LIST, _echo, _echo_period
from bot.domain.command_grammar.period_words import _period
from bot.domain.command_grammar.subcommand import DIRECT, Subcommand
from bot.domain.command_grammar.text import _period_text
from bot.domain.command_grammar.tokens import _joined, _Token, _try_period
from bot.domain.periods import Period


@dataclass(frozen=True)
class TopQuery:
    """The values of a dimension ranked by cost over a period."""

    dimension: str
    period: Period
    direct: bool = False  # direct cost, as billed, without shared cost


def top_text(query: TopQuery) -> str:
    return f"top {query.dimension} {_period_text(query.period)}"


def _parse(word: str, rest: list[_Token], today: date) -> TopQuery:
    if not rest:
        raise CommandError(
            f"Say what to rank, e.g. `/cost top project mtd`. You can rank by {_DIMENSION_LIST}."
        )
    dimension = _dimension(rest[0])
    if dimension is None:
        if _try_period(_joined(rest), today) is not None:
            raise CommandError(
                "Say what to rank before the period, e.g. "
                f"`/cost top project {_echo_period(rest)}`. You can rank by {_DIMENSION_LIST}."
            )
        raise CommandError(
            f"I can't rank by {_echo(rest[0].text)}. Use one of: {_DIMENSION_LIST}; "
            "e.g. `/cost top team last-month`."
        )
    period = _period(rest[1:], today, example=lambda good: top_text(TopQuery(dimension, good)))
    return TopQuery(dimension, period)


SUBCOMMAND = Subcommand(
    name="top",
    query=TopQuery,
    words=frozenset({"top"}),
    known_words=("top",),
    usage="/cost top <dimension> [period] [direct]",
    summary="the largest values of a dimension",
    example="/cost top team mtd",
    parse=_parse,
    text=top_text,
    modifiers=(DIRECT,),
)
