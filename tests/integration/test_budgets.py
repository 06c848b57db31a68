"""Budgets on real stores (SQLite and PostgreSQL): spend per scope and currency, the config
budget winning over Slack's, editors only, and every change audited with before and after."""

from __future__ import annotations

import json
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import build_services
from bot.domain.budgets import Budget, BudgetHealth, BudgetScope
from bot.services.errors import NotAuthorisedError, NotFoundError
from bot.settings import Settings
from tests.helpers import write_focus_csv

EDITOR, OTHER = "U0EDITOR1", "U0OTHER01"
FRAUD = BudgetScope("project", "fraud-detection")
TODAY = date(2024, 9, 10)


@pytest.fixture
def budgets(store, tmp_path: Path):
    config = tmp_path / "costbot.yml"
    config.write_text(
        "budgets:\n"
        "  - {project: fraud-detection, amount: 9000}\n"
        "alerts: {budget_editors: [U0EDITOR1]}\n",
        encoding="utf-8",
    )
    rows = [
        {
            "EffectiveCost": "100",
            "Tags": '{"project": "Fraud-Detection"}',
            "ChargePeriodStart": f"2024-09-0{day}T00:00:00Z",
            "ChargePeriodEnd": f"2024-09-0{day + 1}T00:00:00Z",
        }
        for day in range(1, 8)
    ]
    rows += [
        {"EffectiveCost": "40", "Tags": '{"team": "risk"}'},
        {"EffectiveCost": "8", "Tags": '{"team": "risk"}', "BillingCurrency": "EUR"},
    ]
    services = build_services(Settings(database_url=store.url, today=TODAY), config)
    services.ingest.ingest([write_focus_csv(tmp_path / "t.csv", rows)])
    yield services.budgets
    services.engine.dispose()


def test_a_slack_budget_counts_its_scope_and_currency_only(budgets):
    budgets.set_budget(EDITOR, Budget(BudgetScope("team", "risk"), Decimal(50), "USD"))
    [line] = [line for line in budgets.lines() if line.budget.scope.dimension == "team"]
    assert line.origin == "slack" and line.updated_by == EDITOR
    assert line.status.spent == Decimal(40)
    assert dict(line.status.other_currencies) == {"EUR": Decimal(8)}
    # 80% used on day 10, and the run rate projects far past the amount: the worse is shown.
    assert line.status.projected is not None and line.status.projected > Decimal(50)
    assert line.status.status is BudgetHealth.FORECAST_OVER


def test_the_config_budget_wins_and_says_it_hides_slacks(budgets):
    change = budgets.set_budget(EDITOR, Budget(FRAUD, Decimal(5000), "USD"))
    assert change.config_budget is not None and change.config_budget.amount == Decimal(9000)
    [line] = [line for line in budgets.lines() if line.budget.scope == FRAUD]
    assert (line.origin, line.budget.amount, line.hides_slack_budget) == (
        "config",
        Decimal(9000),
        True,
    )
    assert line.status.spent == Decimal(700)  # tag values match whatever their case
    assert budgets.stored_budget(FRAUD).amount == Decimal(5000)  # kept, and hidden


def test_every_change_is_audited_who_when_before_after(budgets):
    scope = BudgetScope("team", "risk")
    budgets.set_budget(EDITOR, Budget(scope, Decimal(100), "USD"))
    budgets.set_budget(EDITOR, Budget(scope, Decimal(150), "EUR"))
    change = budgets.delete_budget(EDITOR, scope)
    assert change.before.amount == Decimal(150) and change.after is None
    deleted, changed, created = budgets.history(scope)
    assert [e.action for e in (deleted, changed, created)] == [
        "budget.delete",
        "budget.set",
        "budget.set",
    ]
    assert {e.actor for e in (deleted, changed, created)} == {EDITOR}
    assert created.before is None and created.after["amount"] == "100"
    assert changed.before["amount"] == "100" and changed.after["currency"] == "EUR"
    assert deleted.before["amount"] == "150" and deleted.after is None
    assert all(
        e.at.tzinfo is not None and e.at.utcoffset() == UTC.utcoffset(None)
        for e in (deleted, changed, created)
    )
    assert budgets.stored_budget(scope) is None


def test_someone_else_changes_nothing(budgets):
    scope = BudgetScope("team", "risk")
    with pytest.raises(NotAuthorisedError, match="only budget editors"):
        budgets.set_budget(OTHER, Budget(scope, Decimal(100), "USD"))
    with pytest.raises(NotAuthorisedError):
        budgets.delete_budget(OTHER, FRAUD)
    assert budgets.stored_budget(scope) is None and budgets.history(scope) == []


def test_deleting_what_slack_never_set_names_the_config_file(budgets):
    with pytest.raises(NotFoundError, match="config file"):
        budgets.delete_budget(EDITOR, FRAUD)


def test_costbot_budget_list_prints_the_budgets_and_their_json(
    budgets, store, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from bot.cli import app

    budgets.set_budget(EDITOR, Budget(BudgetScope("team", "risk"), Decimal(50), "USD"))
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", TODAY.isoformat())
    config = str(tmp_path / "costbot.yml")
    runner = CliRunner()
    result = runner.invoke(app, ["budget", "list", "--json", "--config", config])
    assert result.exit_code == 0, result.stderr
    rows = {row["scope"]: row for row in json.loads(result.stdout)["budgets"]}
    assert rows["team=risk"] == {
        "scope": "team=risk",
        "period": "monthly",
        "start": "2024-09-01",
        "end": "2024-09-30",
        "amount": 50.0,
        "currency": "USD",
        "spent": 40.0,
        "percent_used": 80.0,
        "percent_elapsed": 33.3,
        "projected": rows["team=risk"]["projected"],
        "status": "forecast_over",
    }
    assert rows["project=fraud-detection"]["amount"] == 9000.0
    assert list(rows) == ["project=fraud-detection", "team=risk"]  # config budgets first
    text = runner.invoke(app, ["budget", "list", "--config", config])
    assert text.exit_code == 0
    assert "project fraud-detection" in text.stdout and "set in the config file" in text.stdout
    assert "$40.00 of $50.00" in text.stdout and "set in Slack by U0EDITOR1" in text.stdout
