"""The `/cost` command grammar: text typed after the slash command <-> typed queries.

Each subcommand is one row of `table.SUBCOMMANDS` (see `subcommand.Subcommand`).
"""

from __future__ import annotations

from bot.domain.command_grammar.limits import MAX_COMMAND_CHARS, MAX_NAME_CHARS, CommandError
from bot.domain.command_grammar.parser import parse_command
from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.subcommands.budget import BudgetQuery
from bot.domain.command_grammar.subcommands.cost import CostQuery
from bot.domain.command_grammar.subcommands.help import HelpQuery
from bot.domain.command_grammar.subcommands.idle import IdleQuery
from bot.domain.command_grammar.subcommands.savings import SavingsQuery
from bot.domain.command_grammar.subcommands.status import StatusQuery
from bot.domain.command_grammar.subcommands.top import TopQuery
from bot.domain.command_grammar.subcommands.trend import TrendQuery
from bot.domain.command_grammar.subcommands.untagged import UntaggedQuery
from bot.domain.command_grammar.table import SUBCOMMANDS, Query, command_text

__all__ = [
    "MAX_COMMAND_CHARS",
    "MAX_NAME_CHARS",
    "SUBCOMMANDS",
    "BudgetQuery",
    "CommandError",
    "CostQuery",
    "HelpQuery",
    "IdleQuery",
    "Query",
    "SavingsQuery",
    "StatusQuery",
    "Subcommand",
    "TopQuery",
    "TrendQuery",
    "UntaggedQuery",
    "command_text",
    "parse_command",
]
