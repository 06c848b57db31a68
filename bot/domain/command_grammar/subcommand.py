"""What one `/cost` subcommand is: the words that start it, its help, how it parses and writes.

Every subcommand is one `Subcommand` in `table.SUBCOMMANDS`; the parser, the help text, the
round-trip `command_text` and the Slack dispatcher all read that one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.command_grammar.tokens import _Token


@dataclass(frozen=True)
class Modifier:
    """A word that may follow a subcommand's question and sets one flag of its query.

    Attributes:
        word: the word (lower case), e.g. ``direct``; anywhere after the subcommand's first
            argument (the name, or what to rank), unquoted. Quoted, it is a name again.
        field: the query's boolean field it sets, e.g. ``direct``.
        summary: what it does, for the help, e.g. ``direct cost, without shared cost``.
    """

    word: str
    field: str
    summary: str


# `direct`: the cost as billed, before shared cost is split (`--no-shared` on the CLI).
DIRECT = Modifier("direct", "direct", "direct cost as billed, without shared cost split in or out")


@dataclass(frozen=True)
class Subcommand:
    """One row of the `/cost` table.

    Attributes:
        name: what the subcommand is called, e.g. ``top``.
        query: the frozen dataclass its text parses into; one subcommand per query type.
        words: every first word (lower case, unquoted) that starts it, e.g. ``trend``, ``trends``.
        known_words: the words a misspelt first word is compared with ("did you mean").
        usage: the help line's command, e.g. ``/cost top <dimension> [period]``.
        summary: the help line's description, e.g. ``the largest values of a dimension``.
        example: a command that works, shown in the help, e.g. ``/cost top team mtd``.
        parse: (first word, the words after it, today) -> the query, or CommandError.
        text: the query -> canonical text that `parse` reads back as an equal query
            (without its modifiers: the table writes those).
        modifiers: words that may follow the question (`direct`); the parser takes them
            off before `parse` and sets their fields on the query.
    """

    name: str
    query: type
    words: frozenset[str]
    known_words: tuple[str, ...]
    usage: str
    summary: str
    example: str
    parse: Callable[[str, list[_Token], date], Any]
    text: Callable[[Any], str]
    modifiers: tuple[Modifier, ...] = ()
