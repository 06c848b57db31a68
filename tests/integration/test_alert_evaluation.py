"""Alert evaluation on SQLite and PostgreSQL with the real ledger: claimed once, recorded,
snoozed and acknowledged in the store."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build_services
from bot.services.alert_ports import AlertState
from bot.services.errors import AlreadyDecidedError
from bot.settings import Settings
from storage.db import make_session_factory
from storage.repositories.snapshots import SqlOutbox
from tests.alert_config import write_config
from tests.alert_data import TODAY, ingest_rows, standard_rows

FRAUD_80 = "budget:project=fraud:monthly:2024-09-01:threshold:80"
SPIKY = "anomaly:project:spiky:2024-09-19"


@pytest.fixture
def alert_services(store, tmp_path: Path):
    services = build_services(Settings(database_url=store.url, today=TODAY), write_config(tmp_path))
    ingest_rows(services, tmp_path, standard_rows())
    assert services.alerts is not None
    yield services
    services.engine.dispose()


def pending_messages(services) -> list:
    outbox = SqlOutbox(make_session_factory(services.engine))
    found = []
    while (message := outbox.claim_next(datetime.now(UTC), 60)) is not None:
        found.append(message)
        outbox.mark_sent(message.id, datetime.now(UTC))
    return found


def test_claimed_once_with_messages_in_the_outbox(alert_services):
    report = alert_services.alerts.evaluate()
    statuses = {a.key: a.status for a in report.alerts}
    assert statuses[FRAUD_80] == "pending" and statuses[SPIKY] == "pending"
    assert "budget:project=fraud:monthly:2024-09-01:forecast:1" in statuses
    messages = pending_messages(alert_services)
    by_channel = Counter(m.channel for m in messages)
    assert by_channel == {"#fraud-detection": 2, "#research": 1}
    assert alert_services.alerts.refresh(report).alerts[0].status == "posted"
    lower = alert_services.alerts.alert("budget:project=fraud:monthly:2024-09-01:threshold:50")
    assert lower.state is AlertState.COVERED

    again = alert_services.alerts.evaluate()
    assert {a.status for a in again.alerts} <= {"already_sent"}
    assert pending_messages(alert_services) == []


def test_dry_run_records_nothing(alert_services):
    report = alert_services.alerts.evaluate(dry_run=True)
    assert report.alerts and {a.status for a in report.alerts} == {"dry_run"}
    assert pending_messages(alert_services) == []
    assert alert_services.alerts.evaluate().alerts[0].status == "pending"


def test_evaluators_at_once_claim_each_alert_once(alert_services, store, tmp_path):
    others = [
        build_services(Settings(database_url=store.url, today=TODAY), write_config(tmp_path))
        for _ in range(3)
    ]
    reports = []
    start = threading.Barrier(len(others))

    def evaluate(services) -> None:
        start.wait()
        reports.append(services.alerts.evaluate())

    threads = [threading.Thread(target=evaluate, args=(s,)) for s in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = Counter(a.key for r in reports for a in r.alerts if a.status == "pending")
    assert claimed and set(claimed.values()) == {1}
    assert len(pending_messages(alert_services)) == 3
    for services in others:
        services.engine.dispose()


def test_snooze_and_acknowledge_are_kept(alert_services):
    alerts = alert_services.alerts
    alerts.evaluate()
    assert alerts.acknowledge(SPIKY, "U0SANDBOX1").acknowledged_by == "U0SANDBOX1"
    with pytest.raises(AlreadyDecidedError, match="U0SANDBOX1"):
        alerts.acknowledge(SPIKY, "U0SANDBOX2")
    until = alerts.snooze(FRAUD_80, "U0SANDBOX1")  # mentioned by the fraud budget
    assert until.date() == datetime(2024, 9, 27).date()
    scope = alerts.scope_of(SPIKY)
    assert (scope.dimension, scope.value, scope.start) == (
        "project",
        "spiky",
        TODAY.replace(day=19),
    )


def test_cli_dry_run_then_evaluate_without_a_token(alert_services, store, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", TODAY.isoformat())
    config = str(tmp_path / "costbot.yml")
    runner = CliRunner()
    dry = runner.invoke(app, ["alerts", "evaluate", "--dry-run", "--json", "--config", config])
    assert dry.exit_code == 0, dry.output
    alerts = json.loads(dry.output)["alerts"]
    assert {a["status"] for a in alerts} == {"dry_run"}
    assert set(alerts[0]) == {"kind", "scope", "key", "channel", "status"}
    done = runner.invoke(app, ["alerts", "evaluate", "--json", "--config", config])
    statuses = {a["key"]: a["status"] for a in json.loads(done.output)["alerts"]}
    # No Slack token here: claimed and kept in the outbox for a process that can post.
    assert statuses[FRAUD_80] == "pending"
    again = runner.invoke(app, ["alerts", "evaluate", "--json", "--config", config])
    assert json.loads(again.output)["alerts"] == []  # nothing new is due


def test_ten_thousand_claims_in_one_evaluation(store):
    from datetime import date

    from bot.services.alert_ports import AlertClaim, AlertKind
    from storage.repositories.alerts import SqlAlertLedger

    ledger = SqlAlertLedger(make_session_factory(store.services.engine))
    claims = [
        AlertClaim(f"k{n}", AlertKind.THRESHOLD, f"resource=r{n}", AlertState.SUMMARISED,
                   "#costs", date(2024, 9, 1), {"threshold": 50})
        for n in range(10_000)
    ]  # fmt: skip
    at = datetime.now(UTC)
    assert len(ledger.commit_evaluation(claims, {}, at)) == 10_000
    assert ledger.commit_evaluation(claims[:10], {}, at) == set()
