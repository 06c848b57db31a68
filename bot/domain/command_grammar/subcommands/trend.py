"""`trend DIMENSION NAME [PERIOD]`: the daily cost of one named thing, as a chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.command_grammar.keywords import _dimension
from bot.domain.command_grammar.limits import CommandError
from bot.domain.command_grammar.messages import _DIMENSION_LIST, _suggestion
from bot.domain.command_grammar.period_words import _name_and_period
from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.text import _name_text, _period_text
from bot.domain.command_grammar.tokens import _PLAUSIBLE_NAME, _normalise_name, _Token
from bot.domain.periods import Period


@dataclass(frozen=True)
class TrendQuery:
    """Daily cost of one named thing over a period, for a chart."""

    dimension: str
    name: str
    period: Period


def trend_text(query: TrendQuery) -> str:
    name = _name_text(query.name)
    return f"trend {query.dimension} {name} {_period_text(query.period)}"


def _parse(word: str, rest: list[_Token], today: date) -> TrendQuery:
    if not rest:
        raise CommandError(
            "Say what to chart, e.g. `/cost trend project fraud-detection 30d`. "
            f"You can chart by {_DIMENSION_LIST}."
        )
    dimension = _dimension(rest[0])
    if dimension is None:
        example = "fraud-detection"
        typed = _normalise_name(rest[0].text)
        if typed and (rest[0].quoted or _PLAUSIBLE_NAME.fullmatch(typed)):
            example = _name_text(typed)
        suggestion = _suggestion(f"/cost trend project {example} 30d")
        raise CommandError(
            f"Say what kind of thing to chart before its name, e.g. `{suggestion}`. "
            f"You can chart by {_DIMENSION_LIST}."
        )

    def write(name: str, period: Period) -> str:
        return trend_text(TrendQuery(dimension, name, period))

    name, period = _name_and_period(dimension, rest[1:], today, chart=True, write=write)
    return TrendQuery(dimension, name, period)


SUBCOMMAND = Subcommand(
    name="trend",
    query=TrendQuery,
    words=frozenset({"trend", "trends"}),
    known_words=("trend",),
    usage="/cost trend <dimension> <name> [period]",
    summary="daily cost over the period",
    example="/cost trend project llm-chat 90d",
    parse=_parse,
    text=trend_text,
)
