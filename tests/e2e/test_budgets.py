"""Budgets end to end: `/cost budget` and the Edit modal through the fake Slack, signed HTTP to
the real bot, the demo's budget editors (the sandbox's @budget-editors: Ada, not Ben)."""

from __future__ import annotations

import time
from decimal import Decimal

from bot.domain.budgets import BudgetScope
from bot.sandbox.page_client import SandboxPage
from handlers.blocks.budgets import EDIT_ACTION
from tests.e2e.conftest import ADA, CHANNEL, texts

BEN = "U0SANDBOX2"


def budgets(world):
    return world.demo.services.budgets


def test_an_editor_sets_a_budget_and_the_list_shows_it(world):
    answer = texts(world.ask("budget set project churn-model $5,000 monthly #churn-costs"))
    assert "Budget for project churn-model set: none -> $5,000.00 monthly" in answer

    listed = world.ask("budget")
    shown = texts(listed)
    assert "project churn-model" in shown and "of $5,000.00" in shown
    assert "% used" in shown and "of the period elapsed" in shown
    assert f"set by <@{ADA}>" in shown
    [entry] = budgets(world).history(BudgetScope("project", "churn-model"))[:1]
    assert entry.actor == ADA and entry.action == "budget.set" and entry.before is None


def test_a_non_editor_is_refused_privately_and_nothing_changes(world):
    scope = BudgetScope("team", "genai")
    page = SandboxPage(world.demo.sandbox, user=BEN)  # typed in the sandbox's composer
    before = _seen(world, BEN)
    page.command(CHANNEL, "/cost budget set team genai 100")
    refusal = world.wait_for_message(CHANNEL, BEN, before)  # Slack shows the ack's reply
    assert "only budget editors may change budgets" in texts(refusal)
    assert "<!subteam^S0BUDGET01>" in texts(refusal)
    assert refusal.ephemeral_to == BEN
    reply = world.command("budget delete project churn-model", user=BEN)
    assert reply.status == 200 and "only budget editors" in reply.json()["text"]
    assert budgets(world).stored_budget(BudgetScope("project", "churn-model")) is not None
    assert budgets(world).stored_budget(scope) is None
    assert budgets(world).history(scope) == []


def _seen(world, user: str) -> int:
    world.settle()
    return len(world.state.messages(CHANNEL, visible_to=user))


def test_anyone_may_list_budgets(world):
    assert "Budgets" in texts(world.ask("budget", user=BEN))


def test_an_editor_deletes_a_budget_and_it_is_audited(world):
    world.ask("budget set team platform 700")
    answer = texts(world.ask("budget delete team platform"))
    assert "deleted: $700.00 monthly" in answer and "-> none" in answer
    scope = BudgetScope("team", "platform")
    assert budgets(world).stored_budget(scope) is None
    deleted, created = budgets(world).history(scope)[:2]
    assert (deleted.action, deleted.after, deleted.before["amount"]) == (
        "budget.delete",
        None,
        "700",
    )
    assert created.action == "budget.set"


def test_the_edit_modal_refuses_a_bad_amount_then_saves_a_good_one(world):
    scope = BudgetScope("project", "llm-chat")
    world.ask("budget set project llm-chat 1000")
    listed = world.ask("budget")
    [block] = [
        b
        for b in listed.blocks
        if (b.get("accessory") or {}).get("action_id") == EDIT_ACTION
        and "project llm-chat" in b["text"]["text"]
    ]
    page = SandboxPage(world.demo.sandbox, user=ADA)
    page.press(CHANNEL, listed.ts, block["block_id"], EDIT_ACTION)
    view = page.wait_for_modal(callback_id="budget_modal")
    amount = next(b for b in view["blocks"] if b.get("block_id") == "amount")
    assert amount["element"]["initial_value"] == "1000"

    refused = page.submit({"amount": {"value": "lots"}})
    assert "number" in refused["errors"]["amount"]
    assert budgets(world).stored_budget(scope).amount == Decimal(1000)  # nothing saved

    before = _seen(world, ADA)
    saved = page.submit({"amount": {"value": "2,500"}, "thresholds": {"value": "80, 100"}})
    assert saved["result"] == "closed", saved
    told = world.wait_for_message(CHANNEL, ADA, before)
    assert "$1,000.00 monthly" in texts(told) and "-> $2,500.00 monthly" in texts(told)
    deadline = time.monotonic() + 5
    while budgets(world).stored_budget(scope).amount != Decimal(2500):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert budgets(world).stored_budget(scope).thresholds == (80, 100)
    latest = budgets(world).history(scope)[0]
    assert latest.actor == ADA and latest.before["amount"] == "1000"
    assert latest.after["amount"] == "2500"


def test_a_non_editor_pressing_edit_gets_no_modal_and_a_refusal(world):
    world.ask("budget set project recsys 300")
    listed = world.ask("budget", user=BEN)
    block = next(
        b
        for b in listed.blocks
        if (b.get("accessory") or {}).get("action_id") == EDIT_ACTION
        and "project recsys" in b["text"]["text"]
    )
    page = SandboxPage(world.demo.sandbox, user=BEN)
    before = _seen(world, BEN)
    page.press(CHANNEL, listed.ts, block["block_id"], EDIT_ACTION)
    refusal = world.wait_for_message(CHANNEL, BEN, before)
    assert "only budget editors" in texts(refusal) and refusal.ephemeral_to == BEN
    world.settle()
    assert page.modal()["view"] is None
