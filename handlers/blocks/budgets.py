"""`/cost budget`: every budget's spend, share used and elapsed, projection and status; and what
a set or delete changed. The same lines print in `costbot budget list` (plain, without marks)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from slack_sdk.models.blocks import ActionsBlock, Block, SectionBlock

from bot.domain.budgets import Budget, BudgetHealth
from bot.services.budgets import BudgetChange, BudgetLine
from handlers.blocks.elements import _button, _cap_blocks, _context, _header, _mrkdwn, _section
from handlers.blocks.limits import MAX_FALLBACK_TEXT, MAX_SECTION_TEXT
from handlers.button_values import BudgetRef, encode
from handlers.formatting import escape_truncate, format_money, truncate

EDIT_ACTION = "budget_edit"
NEW_ACTION = "budget_new"
# Budgets shown one section each with an Edit button; past this the rest are summarised, so
# a header, these, the summary, the footer and the actions stay well inside 50 blocks.
BUDGETS_SHOWN = 20
SUMMARY_LINES = 40
NAME_CHARS = 80

MARKS = {
    BudgetHealth.OK: ":white_check_mark:",
    BudgetHealth.WARNING: ":warning:",
    BudgetHealth.FORECAST_OVER: ":chart_with_upwards_trend:",
    BudgetHealth.OVER: ":red_circle:",
}
STATUS_WORDS = {
    BudgetHealth.OK: "ok",
    BudgetHealth.WARNING: "warning",
    BudgetHealth.FORECAST_OVER: "forecast over budget",
    BudgetHealth.OVER: "over budget",
}


def percent(value: Decimal) -> str:
    """`84.2%`: one decimal, rounded half up (the decision itself is exact, in the domain)."""
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def scope_text(budget: Budget, *, plain: bool = False) -> str:
    name = "all cost" if budget.scope.is_all else f"{budget.scope.dimension} {budget.scope.value}"
    return truncate(name, NAME_CHARS) if plain else escape_truncate(name, NAME_CHARS)


def budget_line_text(line: BudgetLine, *, plain: bool = False) -> str:
    """A budget's state in a few lines: scope, spend, projection, status, where it is set."""
    status, budget = line.status, line.budget
    money = lambda amount: format_money(amount, budget.currency)  # noqa: E731
    bold = (lambda t: t) if plain else (lambda t: f"*{t}*")
    head = (
        f"{bold(scope_text(budget, plain=plain))} · {budget.period.value} "
        f"({status.start:%b %-d} – {status.end:%b %-d %Y})"
    )
    if not plain:
        head = f"{MARKS[status.status]} {head}"
    lines = [
        head,
        f"{money(status.spent)} of {money(budget.amount)} · {percent(status.percent_used)} used "
        f"· {percent(status.percent_elapsed)} of the period elapsed",
        f"{_projection_text(line)} · status: {bold(STATUS_WORDS[status.status])}",
        _origin_text(line, plain),
    ]
    if status.other_currencies:
        others = ", ".join(format_money(v, c) for c, v in status.other_currencies.items())
        lines.append(f"also {others} in other currencies, not counted in this budget")
    return "\n".join(lines)


def _projection_text(line: BudgetLine) -> str:
    money = lambda amount: format_money(amount, line.budget.currency)  # noqa: E731
    projection = line.projection
    if line.status.projected is None or projection is None:
        return "no projection yet (too few complete days)"
    text = f"projected {money(line.status.projected)}"
    if projection.low != projection.high:
        text += f" (range {money(projection.low)} – {money(projection.high)})"
    return text + " at period end"


_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")


def _origin_text(line: BudgetLine, plain: bool) -> str:
    if line.origin == "config":
        text = "set in the config file"
        if line.hides_slack_budget:
            text += " (it wins over a budget set in Slack for the same scope)"
        return text
    if not line.updated_by:
        return "set in Slack"
    if not _SLACK_USER.fullmatch(line.updated_by):  # set by costbot itself (demo, cli)
        return f"set by {line.updated_by}"
    return f"set in Slack by {line.updated_by}" if plain else f"set by <@{line.updated_by}>"


def build_budget_list_blocks(lines: Sequence[BudgetLine], *, editable: bool = True) -> list[Block]:
    """A header, one section per budget (with Edit), the rest summarised, and New budget."""
    blocks: list[Block] = [_header("Budgets")]
    if not lines:
        blocks.append(
            _section(
                "No budgets yet. Set one with `/cost budget set project fraud-detection 5000`, "
                "or add `budgets:` to the config file."
            )
        )
    for line in lines[:BUDGETS_SHOWN]:
        section = SectionBlock(text=_mrkdwn(budget_line_text(line), MAX_SECTION_TEXT))
        if editable and line.origin == "slack":  # a config budget is edited in the config file
            value = encode(BudgetRef(line.budget.scope.key()))
            section.accessory = _button("Edit", EDIT_ACTION, value)
        blocks.append(section)
    rest = lines[BUDGETS_SHOWN:]
    if rest:
        blocks.append(_section(_summary(rest)))
    counts = _counts(lines)
    if counts:
        blocks.append(_context([counts + " · all times UTC"]))
    if editable:
        blocks.append(ActionsBlock(elements=[_button("New budget", NEW_ACTION, "new")]))
    return _cap_blocks(blocks)


def _summary(rest: Sequence[BudgetLine]) -> str:
    """One short line per budget past the ones shown, worst first, then a count."""
    order = [BudgetHealth.OVER, BudgetHealth.FORECAST_OVER, BudgetHealth.WARNING, BudgetHealth.OK]
    ranked = sorted(rest, key=lambda line: order.index(line.status.status))
    shown = [
        f"{MARKS[line.status.status]} {scope_text(line.budget)}: "
        f"{percent(line.status.percent_used)} of {_amount(line.budget)}"
        for line in ranked[:SUMMARY_LINES]
    ]
    more = len(rest) - len(shown)
    tail = f"\n…and {more:,} more: `costbot budget list` prints them all" if more > 0 else ""
    return (
        truncate("\n".join([f"*{len(rest):,} more budgets*", *shown]), MAX_SECTION_TEXT - 100)
        + tail
    )


def _amount(budget: Budget) -> str:
    return format_money(budget.amount, budget.currency)


def _counts(lines: Sequence[BudgetLine]) -> str:
    parts = []
    for health in BudgetHealth:
        count = sum(1 for line in lines if line.status.status is health)
        if count:
            parts.append(f"{count:,} {STATUS_WORDS[health]}")
    return f"{len(lines):,} budget(s): " + ", ".join(parts) if parts else ""


def budget_list_text(lines: Sequence[BudgetLine], *, plain: bool = False) -> str:
    """The fallback text (and, plain, the whole of `costbot budget list`)."""
    if not lines:
        return "No budgets yet."
    if plain:
        return "\n\n".join(budget_line_text(line, plain=True) for line in lines)
    return truncate(f"Budgets: {_counts(lines)}", MAX_FALLBACK_TEXT)


# -- what a set or delete did -------------------------------------------------------------


def budget_summary(budget: Budget | None) -> str:
    """`$5,000.00 monthly, thresholds 50/80/100%, to <#C1>` or `none`."""
    if budget is None:
        return "none"
    text = f"{format_money(budget.amount, budget.currency)} {budget.period.value}"
    text += f", thresholds {'/'.join(str(t) for t in budget.thresholds)}%"
    if budget.channel:
        channel = budget.channel
        text += f", to {channel if channel.startswith('#') else f'<#{channel}>'}"
    if budget.mentions:
        text += ", mentioning " + " ".join(_mention(m) for m in budget.mentions)
    if budget.floor is not None:
        text += f", floor {format_money(budget.floor, budget.currency)}"
    return text


def _mention(mention: str) -> str:
    return f"<!subteam^{mention}>" if mention.startswith("S") else f"<@{mention}>"


def budget_change_text(change: BudgetChange) -> str:
    budget = change.after or change.before
    assert budget is not None
    verb = "deleted" if change.after is None else "set"
    text = (
        f"Budget for {scope_text(budget)} {verb}: "
        f"{budget_summary(change.before)} -> {budget_summary(change.after)}."
    )
    if change.config_budget is not None:
        text += (
            f" The config file also has a budget for {scope_text(budget)} "
            f"({budget_summary(change.config_budget)}), and the config budget wins: "
            "change it in the config file."
        )
    return text


def build_budget_change_blocks(change: BudgetChange) -> list[Block]:
    return _cap_blocks([_section(budget_change_text(change))])
