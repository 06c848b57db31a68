"""`DIMENSION NAME [PERIOD]`: what one project, team, owner, ... cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.allocation import DIMENSIONS
from bot.domain.command_grammar.keywords import _DIMENSION_ALIASES
from bot.domain.command_grammar.period_words import NamedWriter, _name_and_period
from bot.domain.command_grammar.subcommand import DIRECT, Subcommand
from bot.domain.command_grammar.text import _name_text, _period_text
from bot.domain.command_grammar.tokens import _Token
from bot.domain.periods import Period


@dataclass(frozen=True)
class CostQuery:
    """Cost of one named thing, e.g. project fraud-detection, over a period."""

    dimension: str
    name: str
    period: Period
    direct: bool = False  # direct cost, as billed, without shared cost


def cost_text(query: CostQuery) -> str:
    return f"{query.dimension} {_name_text(query.name)} {_period_text(query.period)}"


def cost_writer(dimension: str) -> NamedWriter:
    """The command text of the cost of any name of `dimension`, for examples in messages."""
    return lambda name, period: cost_text(CostQuery(dimension, name, period))


def _parse(word: str, rest: list[_Token], today: date) -> CostQuery:
    dimension = _DIMENSION_ALIASES[word]
    write = cost_writer(dimension)
    name, period = _name_and_period(dimension, rest, today, chart=False, write=write)
    return CostQuery(dimension, name, period)


SUBCOMMAND = Subcommand(
    name="cost",
    query=CostQuery,
    words=frozenset(_DIMENSION_ALIASES),
    known_words=DIMENSIONS,
    usage="/cost <dimension> <name> [period] [direct]",
    summary="what one project, team, owner or model cost",
    example="/cost project fraud-detection last-month",
    parse=_parse,
    text=cost_text,
    modifiers=(DIRECT,),
)
