"""The `/cost` command grammar: text typed after the slash command <-> typed queries."""

from __future__ import annotations

from bot.domain.command_grammar.parser import parse_command
from bot.domain.command_grammar.queries import (
    MAX_COMMAND_CHARS,
    MAX_NAME_CHARS,
    CommandError,
    CostQuery,
    HelpQuery,
    Query,
    StatusQuery,
    TopQuery,
    TrendQuery,
    UntaggedQuery,
)
from bot.domain.command_grammar.text import command_text

__all__ = [
    "MAX_COMMAND_CHARS",
    "MAX_NAME_CHARS",
    "CommandError",
    "CostQuery",
    "HelpQuery",
    "Query",
    "StatusQuery",
    "TopQuery",
    "TrendQuery",
    "UntaggedQuery",
    "command_text",
    "parse_command",
]
