"""The answer to `/cost budget`: the list, or what a set or delete changed.

Who may change budgets is checked before this runs (handlers/access.py, on the listener) and
again by the service, which raises NotAuthorisedError: the error handler says it privately.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.domain.budgets import DEFAULT_PERIOD, Budget, BudgetError
from bot.domain.command_grammar import BudgetQuery, CommandError, parse_command
from bot.domain.periods import PeriodError
from bot.services.budgets import BudgetService
from bot.services.errors import NotAuthorisedError
from handlers.access import only_allowed
from handlers.blocks import build_error_blocks, error_text
from handlers.blocks.budgets import (
    budget_change_text,
    budget_list_text,
    build_budget_change_blocks,
    build_budget_list_blocks,
)
from handlers.blocks.elements import _section
from handlers.commands.answer import Answer, Asked

UNAVAILABLE = "Budgets are not set up in this costbot."


def is_budget_change(query: object) -> bool:
    """Whether a parsed `/cost` query changes budgets (only editors may)."""
    return isinstance(query, BudgetQuery) and query.action in ("set", "delete")


def budget_editors_only(budgets: BudgetService, *, block_id: str | None = None):
    """Listener middleware: a `/cost budget set|delete` (or any other request, for a button
    or modal listener) goes through only for budget editors."""

    def applies(body: dict[str, Any]) -> bool:
        if "command" not in body:
            return True
        try:
            return is_budget_change(parse_command(body.get("text"), budgets.today()))
        except (CommandError, PeriodError):
            return False  # the listener answers with the usage message

    return only_allowed(budgets.may_edit, budgets.who_may_edit, applies=applies, block_id=block_id)


def answer_budget_query(query: BudgetQuery, asked: Asked) -> Answer:
    budgets = asked.services.budgets
    if budgets is None:
        return Answer(error_text(UNAVAILABLE, None), build_error_blocks(UNAVAILABLE, None))
    if query.action == "list":
        lines = budgets.lines()
        return Answer(budget_list_text(lines), build_budget_list_blocks(lines))
    actor = asked.asker.user_id
    try:
        if query.action == "delete":
            change = budgets.delete_budget(actor, query.scope)
        else:
            change = budgets.set_budget(actor, budget_from_query(query, budgets))
    except BudgetError as error:
        return Answer(error_text(str(error), None), build_error_blocks(str(error), None))
    except NotAuthorisedError as refusal:  # ours, naming editors as mentions: not escaped
        return Answer(str(refusal), [_section(f":no_entry: {refusal}")])
    return Answer(budget_change_text(change), build_budget_change_blocks(change))


def budget_from_query(query: BudgetQuery, budgets: BudgetService) -> Budget:
    """The budget `set` asks for: what it writes, the rest kept from Slack's earlier budget."""
    assert query.amount is not None
    scope = query.scope
    before = budgets.stored_budget(scope)
    if before is None:
        return Budget(
            scope=scope,
            amount=query.amount,
            currency=query.currency or budgets.default_currency,
            period=query.period or DEFAULT_PERIOD,
            channel=query.channel,
        )
    return replace(
        before,
        amount=query.amount,
        currency=query.currency or before.currency,
        period=query.period or before.period,
        channel=query.channel or before.channel,
    )
