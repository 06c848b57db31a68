"""The table of `/cost` subcommands: the one list the parser, help, `command_text` and the
Slack dispatcher read. A new subcommand is one module in `subcommands/` and one row here."""

from __future__ import annotations

from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.subcommands import (
    budget,
    cost,
    idle,
    savings,
    status,
    top,
    trend,
    untagged,
)
from bot.domain.command_grammar.subcommands import help as help_command
from bot.domain.command_grammar.subcommands.budget import BudgetQuery
from bot.domain.command_grammar.subcommands.cost import CostQuery
from bot.domain.command_grammar.subcommands.help import HelpQuery
from bot.domain.command_grammar.subcommands.idle import IdleQuery
from bot.domain.command_grammar.subcommands.savings import SavingsQuery
from bot.domain.command_grammar.subcommands.status import StatusQuery
from bot.domain.command_grammar.subcommands.top import TopQuery
from bot.domain.command_grammar.subcommands.trend import TrendQuery
from bot.domain.command_grammar.subcommands.untagged import UntaggedQuery
from bot.domain.command_grammar.tokens import _Token

# In the order the help lists them.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    cost.SUBCOMMAND,
    top.SUBCOMMAND,
    untagged.SUBCOMMAND,
    trend.SUBCOMMAND,
    budget.SUBCOMMAND,
    idle.SUBCOMMAND,
    savings.SUBCOMMAND,
    status.SUBCOMMAND,
    help_command.SUBCOMMAND,
)

Query = (
    CostQuery
    | TopQuery
    | UntaggedQuery
    | TrendQuery
    | BudgetQuery
    | IdleQuery
    | SavingsQuery
    | StatusQuery
    | HelpQuery
)

_BY_WORD: dict[str, Subcommand] = {word: sub for sub in SUBCOMMANDS for word in sub.words}
_BY_QUERY: dict[type, Subcommand] = {sub.query: sub for sub in SUBCOMMANDS}

# Words a misspelt first word is compared with.
_KNOWN_WORDS: tuple[str, ...] = tuple(word for sub in SUBCOMMANDS for word in sub.known_words)


def subcommand_for_word(word: str | None) -> Subcommand | None:
    """The subcommand a lower-cased first word starts, or None."""
    return None if word is None else _BY_WORD.get(word)


def command_text(query: Query) -> str:
    """Canonical text for `query` that `parse_command` turns back into an equal query.

    Used for "Share" and "did you mean" buttons, e.g. ``project fraud-detection 2024-09`` or
    ``project "Amazon EC2" mtd``. The period is always written; relative periods (mtd, 7d, ...)
    stay relative. The text is in Slack's escaped form (``&`` as ``&amp;``, ...), which is
    what Slack sends and what `parse_command` expects; it renders as typed in mrkdwn.

    The round trip is exact for every query `parse_command` returns (and any query whose name
    is already clean: no control characters, single spaces, trimmed, 1..MAX_NAME_CHARS long).
    Other names are written as they are and come back cleaned, or rejected if empty.
    """
    subcommand = _BY_QUERY.get(type(query))
    if subcommand is None:
        raise TypeError(f"not a query: {type(query).__name__}")
    words = [m.word for m in subcommand.modifiers if getattr(query, m.field, False)]
    return " ".join([subcommand.text(query), *words])


def take_modifiers(
    subcommand: Subcommand, tokens: list[_Token], keep: int = 1
) -> tuple[list[_Token], dict[str, bool]]:
    """The words without the subcommand's modifiers, and the query fields they set.

    The first `keep` words are never modifiers (a project may be named `direct`), nor is a
    quoted word.
    """
    words = {m.word: m.field for m in subcommand.modifiers}
    kept, flags = list(tokens[:keep]), {}
    for token in tokens[keep:]:
        field = None if token.quoted or token.person else words.get(token.text.lower())
        if field is None:
            kept.append(token)
        else:
            flags[field] = True
    return kept, flags
