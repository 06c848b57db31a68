"""`idle`: idle machines: the candidates of the last scan and the open stop proposals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.command_grammar.limits import CommandError
from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.tokens import _Token


@dataclass(frozen=True)
class IdleQuery:
    """The idle machines found, and which stop proposals wait for a decision."""


def _parse(word: str, rest: list[_Token], today: date) -> IdleQuery:
    if rest:
        raise CommandError(
            "`/cost idle` takes nothing after it; `/cost savings` shows what stopping saved. "
            'For a project named idle, type `/cost project idle` (or `/cost "idle"`).'
        )
    return IdleQuery()


SUBCOMMAND = Subcommand(
    name="idle",
    query=IdleQuery,
    words=frozenset({"idle"}),
    known_words=("idle",),
    usage="/cost idle",
    summary="idle machines and the stop proposals waiting for a decision",
    example="/cost idle",
    parse=_parse,
    text=lambda query: "idle",
)
