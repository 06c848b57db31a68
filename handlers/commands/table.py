"""Which function answers each `/cost` subcommand: one row per query type of the grammar's
table (`bot.domain.command_grammar.SUBCOMMANDS`); a test checks the two tables match."""

from __future__ import annotations

from bot.domain.command_grammar import (
    BudgetQuery,
    CostQuery,
    HelpQuery,
    IdleQuery,
    SavingsQuery,
    StatusQuery,
    TopQuery,
    TrendQuery,
    UntaggedQuery,
)
from handlers.commands.answer import AnswerFunction
from handlers.commands.budget import answer_budget_query
from handlers.commands.cost import answer_cost_query
from handlers.commands.help import answer_help_query
from handlers.commands.idle import answer_idle_query, answer_savings_query
from handlers.commands.status import answer_status_query
from handlers.commands.top import answer_top_query
from handlers.commands.trend import answer_trend_query
from handlers.commands.untagged import answer_untagged_query

ANSWERS: dict[type, AnswerFunction] = {
    CostQuery: answer_cost_query,
    TopQuery: answer_top_query,
    UntaggedQuery: answer_untagged_query,
    TrendQuery: answer_trend_query,
    BudgetQuery: answer_budget_query,
    IdleQuery: answer_idle_query,
    SavingsQuery: answer_savings_query,
    StatusQuery: answer_status_query,
    HelpQuery: answer_help_query,
}
