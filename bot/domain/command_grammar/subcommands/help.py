"""`help` (also `?`, `-h`, `--help` and empty text): how to ask."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.tokens import _Token


@dataclass(frozen=True)
class HelpQuery:
    """Show help. `reason` is None when the user asked for help, else why help is shown.

    The reason does not take part in equality: every HelpQuery asks for the same help, so
    `parse_command(command_text(q), today) == q` holds for help too.
    """

    reason: str | None = field(default=None, compare=False)


def _parse(word: str, rest: list[_Token], today: date) -> HelpQuery:
    return HelpQuery()  # whatever follows: the user asked for help


SUBCOMMAND = Subcommand(
    name="help",
    query=HelpQuery,
    # "?" and "-h" are too short to be misspelt, so only "help" is compared with typos.
    words=frozenset({"help", "?", "-h", "--help"}),
    known_words=("help",),
    usage="/cost help",
    summary="this message",
    example="/cost help",
    parse=_parse,
    text=lambda query: "help",
)
