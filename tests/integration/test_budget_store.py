"""Budgets set from Slack on SQLite and PostgreSQL: each change and its audit entry in one
transaction, the entry's `before` the budget actually replaced."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from bot.domain.budget_records import budget_record
from bot.domain.budgets import Budget, BudgetPeriod, BudgetScope
from bot.services.alert_ports import AuditEntry
from storage.db import make_session_factory
from storage.models import BudgetRow
from storage.repositories.budgets import SqlBudgetStore

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
FRAUD = BudgetScope("project", "fraud-detection")


def _sessions(store):
    return make_session_factory(store.services.engine)


def _entry(action: str, subject: str, actor: str = "U0ALICE01") -> AuditEntry:
    return AuditEntry(actor=actor, action=action, subject=subject, at=AT)


def test_a_budget_is_stored_replaced_and_deleted_with_every_change_audited(store):
    budgets = SqlBudgetStore(_sessions(store))
    first = Budget(FRAUD, Decimal("5000.10"), "USD", channel="#fraud-detection")
    assert budgets.put_budget(first, _entry("budget.set", FRAUD.key())) is None
    second = Budget(FRAUD, Decimal("6000"), "EUR", mentions=("U0BOB0001",), floor=Decimal("100"))
    replaced = budgets.put_budget(second, _entry("budget.set", FRAUD.key(), "U0BOB0001"))
    assert replaced is not None and replaced.budget == first
    [stored] = budgets.stored_budgets()
    assert stored.budget == second and stored.updated_by == "U0BOB0001"
    assert budgets.remove_budget(FRAUD, _entry("budget.delete", FRAUD.key())).budget == second
    assert budgets.remove_budget(FRAUD, _entry("budget.delete", FRAUD.key())) is None
    assert budgets.stored_budgets() == []
    log = budgets.audit_log(FRAUD.key())
    assert [e.action for e in log] == ["budget.delete", "budget.set", "budget.set"]
    assert log[0].before["amount"] == "6000" and log[0].after is None
    assert log[1].before["amount"] == "5000.1" and log[1].after["currency"] == "EUR"
    assert log[2].before is None and log[2].after["channel"] == "#fraud-detection"


def test_every_field_and_exact_amounts_survive_the_store(store):
    budgets = SqlBudgetStore(_sessions(store))
    long_scope = BudgetScope("service", "s" * 1024)
    budget = Budget(
        long_scope,
        Decimal("123456789.123456789"),
        "EUR",
        period=BudgetPeriod.QUARTERLY,
        thresholds=(25, 90, 120),
        channel="C0COSTS001",
        mentions=("U0BOB0001", "S0FINANCE1"),
        floor=Decimal("0.5"),
    )
    everything = Budget(BudgetScope.everything(), Decimal("1"), "USD")
    budgets.put_budget(budget, _entry("budget.set", long_scope.key()))
    budgets.put_budget(everything, _entry("budget.set", "all"))
    stored = {s.budget.scope: s for s in budgets.stored_budgets()}
    assert stored[long_scope].budget == budget and stored[long_scope].updated_at == AT
    assert stored[BudgetScope.everything()].budget == everything
    with _sessions(store)() as session:
        row = session.scalars(select(BudgetRow).where(BudgetRow.dimension == "service")).one()
        assert row.amount == Decimal("123456789.123456789") and row.currency == "EUR"
    [entry] = budgets.audit_log(long_scope.key())
    assert entry.after == budget_record(budget)


def test_two_editors_at_once_each_audit_what_they_actually_replaced(store):
    budgets = SqlBudgetStore(_sessions(store))
    base = Budget(FRAUD, Decimal("100"), "USD")
    budgets.put_budget(base, _entry("budget.set", FRAUD.key()))
    edits = [replace(base, amount=Decimal(100 + i)) for i in range(1, 7)]
    start = threading.Barrier(len(edits))

    def edit(budget: Budget) -> None:
        start.wait()
        budgets.put_budget(budget, _entry("budget.set", FRAUD.key()))

    threads = [threading.Thread(target=edit, args=(budget,)) for budget in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log = list(reversed(budgets.audit_log(FRAUD.key())))  # oldest first
    assert len(log) == 1 + len(edits)
    # A chain: each entry's before is the previous entry's after, nothing skipped or repeated.
    for previous, entry in itertools.pairwise(log):
        assert entry.before == previous.after
    [stored] = budgets.stored_budgets()
    assert budget_record(stored.budget) == log[-1].after
