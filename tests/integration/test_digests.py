"""Digests on real stores (SQLite and PostgreSQL): the numbers from the store, sent once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import build_services
from bot.cli import app as cli
from bot.services.alert_ports import AlertClaim, AlertKind, AlertState
from bot.services.budgets import BudgetService
from bot.services.digests import DigestService
from bot.services.freshness import Freshness
from bot.services.spend import SpendReader
from bot.settings import Settings
from handlers.blocks.digests import describe_digest
from tests.helpers import write_focus_csv
from tests.unit.memory_alert_ledger import MemoryAlertLedger, NoStoredBudgets

D = Decimal
DAY = timedelta(days=1)
TODAY = date(2024, 10, 2)  # a Wednesday; 1 October is the last complete day
FRAUD = '{"project": "fraud-detection", "team": "risk"}'
RECSYS = '{"project": "recsys", "team": "personalization"}'
CONFIG = """
budgets:
  - {project: fraud-detection, amount: 1000}
digests:
  - {channel: "#cloud-costs", every: daily}
  - {channel: "#risk", every: weekly, scope: {team: Risk}}
"""


def _rows() -> list[dict]:
    rows = []
    for n in range(35):
        day = TODAY - (35 - n) * DAY
        span = {
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + DAY}T00:00:00Z",
        }
        fraud = "30" if day >= TODAY - 7 * DAY else "10"  # up by 20 a day in the last 7
        rows += [
            {**span, "EffectiveCost": fraud, "Tags": FRAUD, "ResourceId": "i-gpu"},
            {**span, "EffectiveCost": "5", "Tags": RECSYS, "ResourceId": "i-rec"},
            {**span, "EffectiveCost": "1", "ResourceId": "i-untagged"},
            {**span, "EffectiveCost": "7", "BillingCurrency": "EUR", "ResourceId": "i-eu"},
        ]
    return rows


@pytest.fixture
def services(store, tmp_path: Path):
    config = tmp_path / "costbot.yml"
    config.write_text(CONFIG)
    services = build_services(Settings(database_url=store.url, today=TODAY), config)
    services.ingest.ingest([write_focus_csv(tmp_path / "org.csv", _rows())], source="focus")
    yield services
    services.engine.dispose()


@pytest.fixture
def digests(services):
    """The app's digest service, on the store's own alert ledger."""
    assert services.digests is not None
    return services


def on_memory_ledger(services) -> DigestService:
    """The digest service on the real cost store, its claims kept in memory."""
    freshness = Freshness(services.cost_store)
    config = services.config
    budgets = BudgetService(
        config.config_budgets(),
        NoStoredBudgets(),
        SpendReader(services.cost_store, config.cost_basis),
        today=lambda: TODAY,
        complete_through=freshness.complete_through,
        editors=frozenset(),
    )
    return DigestService(
        config.digests,
        services.cost_store,
        budgets,
        MemoryAlertLedger(),
        describe=describe_digest,
        complete_through=freshness.complete_through,
        untagged=services.coverage.untagged,
    )


def test_the_digest_numbers_come_from_the_store(services):
    service = on_memory_ledger(services)
    daily, weekly = service.digests
    digest = service.build(daily, TODAY)
    assert (digest.window.start, digest.window.end) == (date(2024, 10, 1), date(2024, 10, 1))
    usd, eur = digest.sections
    assert (usd.currency, eur.currency) == ("USD", "EUR")  # never added together
    assert usd.period.current == D(36) and usd.period.previous == D(16)
    assert usd.week.current == D(7 * 36) and usd.week.previous == D(7 * 16)
    assert [(m.name, m.change.delta) for m in usd.rises] == [("fraud-detection", D(140))]
    assert usd.untagged == D(7)  # no project and no team
    assert eur.period.current == D(7) and eur.untagged == D(49)
    assert [line.budget.scope.key() for line in digest.budgets] == ["project=fraud-detection"]

    service._ledger.commit_evaluation(
        [
            AlertClaim(
                "anomaly:project=fraud-detection:2024-09-25",
                AlertKind.ANOMALY,
                "project=fraud-detection",
                AlertState.POSTED,
                day=date(2024, 9, 25),
                detail={"currency": "USD", "cost": "30", "expected": "10"},
            ),
            AlertClaim(  # older than a week: not open any more
                "anomaly:project=recsys:2024-09-20",
                AlertKind.ANOMALY,
                "project=recsys",
                AlertState.POSTED,
                day=date(2024, 9, 20),
            ),
        ],
        {},
        _now(),
    )
    (anomaly,) = service.build(daily, TODAY).anomalies
    assert (anomaly.scope, anomaly.cost, anomaly.expected) == ("project=fraud-detection", 30, 10)

    team = service.build(weekly, TODAY)  # `Risk` as the store spells it: `risk`
    assert (team.window.start, team.window.end) == (date(2024, 9, 23), date(2024, 9, 29))
    assert team.scope.value == "risk" and team.child_dimension == "project"
    (usd,) = team.sections
    assert usd.period.current == D(2 * 10 + 5 * 30) and usd.period.previous == D(70)
    assert team.budgets == ()  # the budget is a project's, not the team's


def test_sent_once_then_already_sent(digests):
    daily, _weekly = digests.digests.digests
    dry = digests.digests.send(daily, TODAY, dry_run=True)
    assert dry.status == "dry_run" and digests.digests.due(_now()) != []
    first = digests.digests.send(daily, TODAY)
    assert first.status == "sent" and first.key == "digest:#cloud-costs:daily:2024-10-01"
    assert digests.digests.due(_now()) == [digests.digests.digests[1]]  # the weekly one
    again = digests.digests.send(daily, TODAY)
    assert again.status == "already_sent" and again.key == first.key
    record = digests.digests._ledger.record(first.key)
    assert record.kind is AlertKind.DIGEST and record.channel == "#cloud-costs"
    message = digests.outbox.claim_next(_now(), 60)
    assert message.channel == "#cloud-costs" and message.text.startswith("Daily digest")
    assert message.file is not None and message.file.content.startswith(b"\x89PNG")
    assert digests.outbox.claim_next(_now(), 60) is None  # one message, not two


def test_two_senders_at_once_claim_it_once(digests):
    _daily, weekly = digests.digests.digests
    barrier = threading.Barrier(4)
    results = []

    def send() -> None:
        barrier.wait()
        results.append(digests.digests.send(weekly, TODAY).status)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["already_sent"] * 3 + ["sent"]


def test_cli_sends_each_digest_once(digests, store, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", TODAY.isoformat())
    config = str(tmp_path / "costbot.yml")
    runner = CliRunner()
    first = runner.invoke(cli, ["digest", "send", "--json", "--config", config])
    assert first.exit_code == 0, first.output
    assert [d["status"] for d in json.loads(first.stdout)["digests"]] == ["sent", "sent"]
    second = runner.invoke(
        cli, ["digest", "send", "--channel", "risk", "--json", "--config", config]
    )
    (only,) = json.loads(second.stdout)["digests"]
    assert (only["channel"], only["status"], only["start"]) == (
        "#risk",
        "already_sent",
        "2024-09-23",
    )
    missing = runner.invoke(cli, ["digest", "send", "--channel", "#nowhere", "--config", config])
    assert missing.exit_code == 1 and "no digest is configured for #nowhere" in missing.stderr


def _now() -> datetime:
    return datetime.now(UTC)


def test_the_schedule_runs_each_digest_at_its_slot(digests):
    from bot.app import build_job_scheduler

    scheduler = build_job_scheduler(digests, lambda name, slot: None)
    assert sorted(scheduler.specs) == [
        "alerts:evaluate",
        "digest:#cloud-costs:daily",
        "digest:#risk:weekly",
    ]
    job = scheduler.specs["digest:#risk:weekly"]
    assert job.schedule.cron == "0 9 * * mon"
    assert job.run("2024-09-30T09:00:00Z").status == "sent"  # the week of 23-29 September
    assert job.run("2024-09-30T09:00:00Z").status == "already_sent"
    assert digests.digests._ledger.record("digest:#risk:weekly:2024-09-23") is not None
