"""`/cost budget` blocks: every figure a budget line promises, and many budgets within limits."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from bot.domain.budgets import Budget, BudgetScope, budget_status
from bot.services.budgets import BudgetChange, BudgetLine
from handlers.blocks import to_payload
from handlers.blocks.budgets import (
    BUDGETS_SHOWN,
    EDIT_ACTION,
    budget_change_text,
    budget_line_text,
    budget_list_text,
    build_budget_list_blocks,
)
from handlers.button_values import BudgetRef, decode
from tests.unit.test_blocks import assert_within_slack_limits

DAY = date(2026, 12, 10)


def line(
    value: str = "fraud-detection",
    spent: str = "4200",
    *,
    amount: str = "5000",
    projected: str | None = None,
    origin: str = "slack",
    others: dict[str, Decimal] | None = None,
    hides: bool = False,
) -> BudgetLine:
    budget = Budget(BudgetScope("project", value), Decimal(amount), "USD")
    spend = {"USD": Decimal(spent), **(others or {})}
    status = budget_status(budget, DAY, spend, Decimal(projected) if projected else None)
    return BudgetLine(status, origin, None, "U0ADA" if origin == "slack" else None, hides)


def test_a_line_says_spent_of_amount_percentages_status_and_who_set_it() -> None:
    text = budget_line_text(line(others={"EUR": Decimal("12.5")}))
    assert "$4,200.00 of $5,000.00" in text
    assert "84.0% used" in text
    assert "32.3% of the period elapsed" in text  # 10 of 31 days
    assert "status: *warning*" in text and ":warning:" in text
    assert "set by <@U0ADA>" in text
    assert "€12.50 in other currencies, not counted" in text
    assert "no projection yet" in text


def test_over_and_forecast_over_are_marked() -> None:
    assert ":red_circle:" in budget_line_text(line(spent="5000"))
    forecast = budget_line_text(line(spent="100", projected="6000"))
    assert ":chart_with_upwards_trend:" in forecast and "forecast over budget" in forecast


def test_a_config_budget_says_so_and_that_it_wins_over_a_hidden_slack_one() -> None:
    text = budget_line_text(line(origin="config", hides=True))
    assert "set in the config file" in text and "wins over a budget set in Slack" in text
    payload = to_payload(build_budget_list_blocks([line(origin="config")]))
    assert not [b for b in payload if b.get("accessory")]  # edited in the file, not here


def test_plain_text_has_no_marks_or_mrkdwn() -> None:
    text = budget_list_text([line()], plain=True)
    assert ":warning:" not in text and "*" not in text
    assert "project fraud-detection" in text


def test_each_slack_budget_has_an_edit_button_carrying_its_scope() -> None:
    payload = to_payload(build_budget_list_blocks([line("a"), line("b")]))
    buttons = [b["accessory"] for b in payload if b.get("accessory")]
    assert [b["action_id"] for b in buttons] == [EDIT_ACTION, EDIT_ACTION]
    assert [decode(b["value"], BudgetRef).scope for b in buttons] == ["project=a", "project=b"]
    assert payload[-1]["elements"][0]["text"]["text"] == "New budget"


def test_thousands_of_budgets_fit_in_one_message_summarised() -> None:
    lines = [line(f"project-{i:05d}-" + "x" * 150, str(i % 6000)) for i in range(3000)]
    payload = to_payload(build_budget_list_blocks(lines))
    assert_within_slack_limits_with_accessories(payload)
    assert len([b for b in payload if b.get("accessory")]) == BUDGETS_SHOWN
    text = json.dumps(payload)
    assert "2,980 more budgets" in text and "costbot budget list" in text
    assert "3,000 budget(s)" in text


def assert_within_slack_limits_with_accessories(payload: list[dict]) -> None:
    for block in payload:
        accessory = block.get("accessory")
        if accessory:
            assert len(accessory["value"]) <= 2000 and len(accessory["text"]["text"]) <= 75
    assert_within_slack_limits([{k: v for k, v in b.items() if k != "accessory"} for b in payload])


def test_no_budgets_says_how_to_set_one() -> None:
    text = json.dumps(to_payload(build_budget_list_blocks([])))
    assert "/cost budget set project fraud-detection 5000" in text


def test_a_change_says_before_and_after_and_that_the_config_wins() -> None:
    scope = BudgetScope("project", "fraud-detection")
    before = Budget(scope, Decimal(4000), "USD")
    after = Budget(scope, Decimal(5000), "USD", channel="C0FRAUD")
    config = Budget(scope, Decimal(9000), "USD")
    text = budget_change_text(BudgetChange(before, after, config))
    assert "$4,000.00 monthly" in text and "-> $5,000.00 monthly" in text and "<#C0FRAUD>" in text
    assert "the config budget wins" in text
    assert "none -> " in budget_change_text(BudgetChange(None, after, None))
    assert "deleted" in budget_change_text(BudgetChange(before, None, None))
