"""`untagged [PERIOD]`: cost with no project or team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.command_grammar.period_words import _period
from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.text import _period_text
from bot.domain.command_grammar.tokens import _Token
from bot.domain.periods import Period


@dataclass(frozen=True)
class UntaggedQuery:
    """Cost with no project or team over a period."""

    period: Period


def untagged_text(query: UntaggedQuery) -> str:
    return f"untagged {_period_text(query.period)}"


def _parse(word: str, rest: list[_Token], today: date) -> UntaggedQuery:
    example = lambda good: untagged_text(UntaggedQuery(good))  # noqa: E731
    return UntaggedQuery(_period(rest, today, example=example))


SUBCOMMAND = Subcommand(
    name="untagged",
    query=UntaggedQuery,
    words=frozenset({"untagged", "unallocated"}),
    known_words=("untagged", "unallocated"),
    usage="/cost untagged [period]",
    summary="cost that no tag assigns to anyone",
    example="/cost untagged 30d",
    parse=_parse,
    text=untagged_text,
)
