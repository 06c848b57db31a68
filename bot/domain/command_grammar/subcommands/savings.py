"""`savings [PERIOD]`: what stopping idle machines saved, estimated, by currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.command_grammar.period_words import _period
from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.text import _period_text
from bot.domain.command_grammar.tokens import _Token
from bot.domain.periods import Period


@dataclass(frozen=True)
class SavingsQuery:
    """The estimated saving of every stop while it stayed stopped within the period."""

    period: Period


def savings_text(query: SavingsQuery) -> str:
    return f"savings {_period_text(query.period)}"


def _parse(word: str, rest: list[_Token], today: date) -> SavingsQuery:
    example = lambda good: savings_text(SavingsQuery(good))  # noqa: E731
    return SavingsQuery(_period(rest, today, example=example))


SUBCOMMAND = Subcommand(
    name="savings",
    query=SavingsQuery,
    words=frozenset({"savings", "saving", "saved"}),
    known_words=("savings",),
    usage="/cost savings [period]",
    summary="what stopping idle machines saved",
    example="/cost savings last-month",
    parse=_parse,
    text=savings_text,
)
