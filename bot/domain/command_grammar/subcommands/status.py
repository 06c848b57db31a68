"""`status`: how fresh the data is and whether the bot is healthy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.command_grammar.limits import CommandError
from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.tokens import _Token


@dataclass(frozen=True)
class StatusQuery:
    """How fresh the data is and whether the bot is healthy."""


def _parse(word: str, rest: list[_Token], today: date) -> StatusQuery:
    if rest:
        raise CommandError(
            "`/cost status` takes nothing after it. "
            "For a project named status, type `/cost project status`."
        )
    return StatusQuery()


SUBCOMMAND = Subcommand(
    name="status",
    query=StatusQuery,
    words=frozenset({"status"}),
    known_words=("status",),
    usage="/cost status",
    summary="how fresh the billing data is",
    example="/cost status",
    parse=_parse,
    text=lambda query: "status",
)
