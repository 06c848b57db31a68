"""The budget modal: its view is valid Block Kit, and a submission reads back into a Budget or
names each bad input with the Budget's own message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.budgets import Budget, BudgetPeriod, BudgetScope
from handlers.blocks.budget_modal import (
    AMOUNT,
    CALLBACK_ID,
    CURRENCY,
    FLOOR,
    MENTIONS,
    NAME,
    THRESHOLDS,
    ModalContext,
    ModalErrors,
    budget_from_submission,
    build_budget_modal,
    scope_from_key,
)

SCOPE = BudgetScope("project", "fraud-detection")
EDIT = ModalContext(SCOPE.key(), "C0GENERAL1")


def submitted(**texts: str) -> dict:
    """A view_submission's `view` with these inputs (the others as Slack sends them empty)."""
    values = {
        "amount": {"value": {"type": "plain_text_input", "value": "5000"}},
        "currency": {"value": {"type": "plain_text_input", "value": "USD"}},
        "period": {"value": {"type": "static_select", "selected_option": {"value": "quarterly"}}},
        "thresholds": {"value": {"type": "plain_text_input", "value": "50, 80, 100"}},
        "channel": {"value": {"type": "conversations_select", "selected_conversation": None}},
        "mentions": {"value": {"type": "plain_text_input", "value": None}},
        "floor": {"value": {"type": "plain_text_input", "value": None}},
    }
    for block, text in texts.items():
        values[block] = {"value": {"type": "plain_text_input", "value": text}}
    return {"callback_id": CALLBACK_ID, "state": {"values": values}}


def test_a_good_submission_is_the_budget() -> None:
    view = submitted(mentions="<@U0ADA> S0BUDGET01", floor="$50", amount="5,000.50")
    assert budget_from_submission(view, EDIT) == Budget(
        SCOPE,
        Decimal("5000.50"),
        "USD",
        BudgetPeriod.QUARTERLY,
        mentions=("U0ADA", "S0BUDGET01"),
        floor=Decimal(50),
    )


def test_each_bad_input_is_named_on_its_own_block_and_nothing_is_built() -> None:
    view = submitted(amount="lots", currency="usd", thresholds="80, 50", mentions="bob", floor="-1")
    with pytest.raises(ModalErrors) as raised:
        budget_from_submission(view, EDIT)
    errors = raised.value.errors
    assert set(errors) == {AMOUNT, CURRENCY, THRESHOLDS, MENTIONS, FLOOR}
    assert "number" in errors[AMOUNT]
    assert "did you mean USD?" in errors[CURRENCY]
    assert "must rise" in errors[THRESHOLDS]
    assert "is not a Slack user id" in errors[MENTIONS]
    assert "0 or more" in errors[FLOOR]
    assert all(len(message) <= 150 for message in errors.values())


def test_zero_is_refused_with_the_budgets_own_words() -> None:
    with pytest.raises(ModalErrors) as raised:
        budget_from_submission(submitted(amount="0"), EDIT)
    assert raised.value.errors == {AMOUNT: "amount must be more than 0, not 0."}


def test_a_new_budget_reads_its_scope_from_the_inputs() -> None:
    view = submitted()
    view["state"]["values"]["dimension"] = {
        "value": {"type": "static_select", "selected_option": {"value": "team"}}
    }
    view["state"]["values"][NAME] = {"value": {"type": "plain_text_input", "value": " ml  x "}}
    budget = budget_from_submission(view, ModalContext(None, "C1"))
    assert budget.scope == BudgetScope("team", "ml x")
    view["state"]["values"][NAME]["value"]["value"] = ""
    with pytest.raises(ModalErrors) as raised:
        budget_from_submission(view, ModalContext(None, "C1"))
    assert NAME in raised.value.errors


def test_the_modal_is_filled_in_from_the_budget_and_remembers_scope_and_channel() -> None:
    budget = Budget(SCOPE, Decimal("1250.50"), "EUR", BudgetPeriod.YEARLY, (50, 90), "C0FRAUD")
    view = build_budget_modal(EDIT, budget, "USD")
    assert view["callback_id"] == CALLBACK_ID and view["type"] == "modal"
    assert ModalContext.decode(view["private_metadata"]) == EDIT
    by_id = {block.get("block_id"): block for block in view["blocks"]}
    assert by_id[AMOUNT]["element"]["initial_value"] == "1250.50"
    assert by_id[CURRENCY]["element"]["initial_value"] == "EUR"
    assert by_id["period"]["element"]["initial_option"]["value"] == "yearly"
    assert by_id[THRESHOLDS]["element"]["initial_value"] == "50, 90"
    assert by_id["channel"]["element"]["initial_conversation"] == "C0FRAUD"
    assert len(view["blocks"]) <= 100


def test_a_new_budget_modal_asks_for_the_scope() -> None:
    view = build_budget_modal(ModalContext(None, "C1"), None, "EUR")
    ids = [block.get("block_id") for block in view["blocks"]]
    assert ids[:2] == ["dimension", NAME]
    assert view["title"]["text"] == "New budget"


def test_scope_keys_read_back() -> None:
    assert scope_from_key("all").is_all
    assert scope_from_key("project=a=b") == BudgetScope("project", "a=b")


def test_private_metadata_that_is_not_ours_reads_as_nothing() -> None:
    assert ModalContext.decode("[1]") == ModalContext(None, "")
    assert ModalContext.decode("{oops") == ModalContext(None, "")


def test_a_channel_written_as_a_name_is_kept_when_the_picker_is_left_empty() -> None:
    budget = Budget(SCOPE, Decimal(10), "USD", channel="#fraud-costs")
    view = build_budget_modal(EDIT, budget, "USD")
    context = ModalContext.decode(view["private_metadata"])
    assert context.channel_name == "#fraud-costs"
    label = next(b for b in view["blocks"] if b.get("block_id") == "channel")["label"]["text"]
    assert "#fraud-costs" in label and "empty keeps it" in label
    assert budget_from_submission(submitted(), context).channel == "#fraud-costs"
    picked = submitted()
    picked["state"]["values"]["channel"]["value"]["selected_conversation"] = "C0NEW1234"
    assert budget_from_submission(picked, context).channel == "C0NEW1234"
    assert budget_from_submission(submitted(), EDIT).channel is None
