"""Anomaly alerts and digests say the shared cost in their numbers, on SQLite and PostgreSQL.

September 2024, judged through Thursday the 19th (tests/alert_data.py). `fraud` and `recsys`
receive three rules: `platform` ($40 a day, proportional), `gpu-pool` (about $60 a day, split
by the GPU hours of a usage file) and `datasets` (solo's $20 a day of S3, even). On the 19th
the GPU pool bills $600 more and fraud ran 11 of its 12 GPU hours: fraud's spike is the pool's.
`solo` spikes on its own (SageMaker) and gives its S3 away; `lonely` spikes and shares nothing.
The split is the real re-split's; the expected numbers are read from its stored rows.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import build_services
from bot.domain.anomaly import baseline_window
from bot.services.alert_facts import AlertMessage, Delivery
from bot.services.alert_ports import AlertKind
from bot.services.alert_rules.anomalies import AnomalyRule
from bot.settings import Settings
from bot.settings_alerts import AlertsConfig
from handlers.blocks.alerts import describe_alert
from handlers.blocks.digests import describe_digest
from storage.db import make_session_factory
from storage.repositories.alerts import SqlAlertLedger
from storage.repositories.snapshots import SqlOutbox
from tests.alert_data import FIRST, TODAY, extra, flat, ingest_rows, rows_for
from tests.integration.shared_data import split_rows

D = Decimal
DAY = timedelta(days=1)
JUDGED = TODAY - DAY  # Thursday 2024-09-19
GPU_HOURS = "usage: GPU hours"
CONFIG = """
currency: USD
channels: {{default: "#cloud-costs"}}
alerts:
  anomaly: {{dimensions: [project, service]}}
digests:
  - {{channel: "#cloud-costs", every: daily}}
  - {{channel: "#cloud-costs", every: weekly}}
  - {{channel: "#fraud", every: daily, scope: {{project: fraud}}}}
  - {{channel: "#solo", every: daily, scope: {{project: solo}}}}
  - {{channel: "#ml", every: daily, scope: {{team: ml}}}}
allocation:
  shared:
    - {{name: platform, match: {{project: platform}}, split: proportional,
       among: [fraud, recsys]}}
    - name: gpu-pool
      match: {{project: gpu-pool}}
      split: usage
      usage:
        file: {usage}
        columns: {{day: day, receiver: project, quantity: gpu_hours}}
        label: GPU hours
      among: [fraud, recsys]
    - {{name: datasets, match: {{project: solo, service: Amazon S3}}, split: even,
       among: [fraud, recsys]}}
"""


def world_rows() -> list[dict]:
    rows = rows_for("fraud", "ml", flat(100, seed=11))
    rows += rows_for("recsys", "ml", flat(100, seed=12))
    rows += rows_for("platform", "ml", flat(40, seed=13), service="Amazon EKS")
    rows += rows_for("gpu-pool", "ml", flat(60, seed=14))
    rows.append(extra("gpu-pool", "ml", JUDGED, "600", service="Amazon EC2", resource="i-burst"))
    rows += rows_for("solo", "ml", flat(200, seed=15))
    rows += rows_for("solo", "ml", flat(20, seed=16), service="Amazon S3", resource="solo-data")
    rows.append(extra("solo", "ml", JUDGED, "600"))
    rows += rows_for("lonely", "ml", flat(150, seed=17))
    rows.append(extra("lonely", "ml", JUDGED, "400"))
    return rows


def write_usage(path: Path) -> Path:
    lines = ["day,project,gpu_hours"]
    day = FIRST
    while day < TODAY:
        fraud = 11 if day == JUDGED else 1
        lines += [f"{day},fraud,{fraud}", f"{day},recsys,1"]
        day += DAY
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def world(store, tmp_path: Path):
    usage = write_usage(tmp_path / "gpu-hours.csv")
    config = tmp_path / "costbot.yml"
    config.write_text(CONFIG.format(usage=usage))
    services = build_services(Settings(database_url=store.url, today=TODAY), config)
    ingest_rows(services, tmp_path, world_rows())
    services.shared.reallocate()
    yield services
    services.engine.dispose()


def received(services, value: str) -> dict[date, dict[tuple[str, str], Decimal]]:
    """Per day, what `value` received per (rule, method), read from the stored split."""
    found: dict[date, dict[tuple[str, str], Decimal]] = defaultdict(lambda: defaultdict(D))
    for row in split_rows(services):
        if row.role == "in" and row.value == value:
            found[row.day][(row.rule, row.method)] += row.effective_cost
    return found


def findings(services) -> dict[str, object]:
    settings = services.config.alerts.anomaly.settings()
    rule = AnomalyRule(
        services.cost_store, "effective", settings, ["project", "service"], default_currency="USD"
    )
    outcome = rule.evaluate(JUDGED, {}, lambda _scope: None)
    return {finding.scope: finding for finding in outcome.findings}


def test_a_spike_from_the_shared_pool_says_its_shared_part_and_the_usual(world):
    found = findings(world)
    assert {"project=fraud", "project=solo", "project=lonely"} <= set(found)
    assert "project=recsys" not in found  # it got $55 of the pool: no anomaly
    fraud = found["project=fraud"]
    facts = fraud.facts
    shares = received(world, "fraud")
    today = shares[JUDGED]
    assert facts.shared == sum(today.values()) and facts.shared > D(600)
    assert [(p.rule, p.method) for p in facts.shared_in] == sorted(
        today, key=lambda key: -today[key]
    )
    assert facts.shared_in[0].rule == "gpu-pool" and facts.shared_in[0].method == GPU_HOURS
    window = baseline_window(JUDGED, AlertsConfig().anomaly.settings())
    usual = statistics.median(sum(shares[day].values(), D(0)) for day in window)
    assert facts.shared_usual == usual and D(50) < usual < D(70)
    assert facts.shared_out == ()
    # The ledger keeps the shared amount beside the cost and the expected.
    assert fraud.detail["shared"] == str(facts.shared)
    assert fraud.detail["shared_usual"] == str(usual)

    text, blocks = describe_alert_text(fraud)
    sentence = (
        f"The day's cost includes ${facts.shared:,.2f} shared cost (gpu-pool (usage: GPU hours), "
    )
    assert sentence in text and f"; usually ${usual:,.2f}." in text
    assert sentence in json.dumps(blocks)


def test_an_anomaly_without_a_shared_part_says_none_and_a_giver_says_what_it_gave(world):
    found = findings(world)
    lonely = found["project=lonely"]
    assert lonely.facts.shared_in == () and lonely.facts.shared_usual is None
    assert lonely.detail["shared"] == "0"
    text, blocks = describe_alert_text(lonely)
    assert "shared" not in text and "shared" not in json.dumps(blocks)

    solo = found["project=solo"]
    given = sum(
        -row.effective_cost
        for row in split_rows(world)
        if row.role == "out" and row.value == "solo" and row.day == JUDGED
    )
    assert solo.facts.shared_in == () and given > 0
    assert [(p.rule, p.method, p.cost) for p in solo.facts.shared_out] == [
        ("datasets", "even", given)
    ]
    text, _blocks = describe_alert_text(solo)
    assert "includes" not in text
    assert (
        f"${given:,.2f} of its cost that day was shared among its receivers by rule "
        "datasets (even)." in text
    )
    # A service never receives: its anomaly (EC2's, the pool's burst) reads no split.
    for scope, finding in found.items():
        if scope.startswith("service="):
            assert finding.facts.shared_in == () and finding.facts.shared_out == ()


def describe_alert_text(finding):
    return describe_alert(AlertMessage(finding.facts, Delivery("C1")))


def test_the_posted_anomaly_and_its_ledger_record_carry_the_shared_part(world):
    world.alerts.evaluate()
    sessions = make_session_factory(world.engine)
    outbox = SqlOutbox(sessions)
    posted = []
    while (message := outbox.claim_next(datetime.now(UTC), 60)) is not None:
        posted.append(message)
        outbox.mark_sent(message.id, datetime.now(UTC))
    fraud = next(m for m in posted if m.text.startswith("Cost anomaly: project fraud"))
    assert "The day's cost includes $" in fraud.text and "; usually $" in fraud.text
    (record,) = [
        r
        for r in SqlAlertLedger(sessions).records(JUDGED, [AlertKind.ANOMALY])
        if r.scope == "project=fraud"
    ]
    assert D(record.detail["shared"]) > D(600)


def build(world, channel: str, every: str = "daily"):
    config = next(d for d in world.config.digests if d.channel == channel and d.every == every)
    return world.digests.build(config, TODAY)


def test_a_project_digest_says_what_it_received_and_what_it_gave(world):
    fraud = build(world, "#fraud")
    assert (fraud.window.start, fraud.window.end) == (JUDGED, JUDGED)
    (usd,) = fraud.sections
    today = received(world, "fraud")[JUDGED]
    assert usd.shared.received_total == sum(today.values())
    assert {(p.rule, p.method) for p in usd.shared.received} == set(today)
    assert usd.shared.given == ()
    text, blocks, _image = describe_digest(fraud)
    body = json.dumps(blocks)
    amount = f"${usd.shared.received_total:,.2f}"
    assert (
        f"*Shared cost* on Thu 2024-09-19: includes {amount} shared cost (rules gpu-pool "
        "(usage: GPU hours), " in body
    )
    assert f"includes {amount} shared cost)" in text  # the notification says it too

    solo = build(world, "#solo")
    (usd,) = solo.sections
    assert usd.shared.received == ()
    given = usd.shared.given_total
    assert given > 0 and [p.rule for p in usd.shared.given] == ["datasets"]
    text, blocks, _image = describe_digest(solo)
    assert (
        f"on Thu 2024-09-19: ${given:,.2f} of its cost was shared among its receivers by rule "
        "datasets (even)." in json.dumps(blocks)
    )
    assert f"${given:,.2f} shared among its receivers" in text


def test_the_all_cost_digest_says_the_projects_shared_part_and_a_team_digest_nothing(world):
    everything = build(world, "#cloud-costs")
    (usd,) = everything.sections
    split = split_rows(world)
    into_projects = sum(r.effective_cost for r in split if r.role == "in" and r.day == JUDGED)
    assert usd.shared.received_total == into_projects
    assert {p.rule for p in usd.shared.received} == {"platform", "gpu-pool", "datasets"}
    assert usd.shared.given == ()  # sharing moved it between projects: the total is the same
    text, blocks, _image = describe_digest(everything)
    amount = f"${into_projects:,.2f}"
    assert (
        f"*Shared cost* on Thu 2024-09-19: project numbers include {amount} of shared cost "
        "split by rules gpu-pool (usage: GPU hours), " in json.dumps(blocks)
    )
    assert f"projects include {amount} shared cost" in text

    weekly = build(world, "#cloud-costs", "weekly")
    (usd,) = weekly.sections
    first, last = weekly.window.start, weekly.window.end
    week = sum(r.effective_cost for r in split if r.role == "in" and first <= r.day <= last)
    assert usd.shared.received_total == week
    assert "*Shared cost* this week: project numbers include" in json.dumps(
        describe_digest(weekly)[1]
    )

    team = build(world, "#ml")  # a team's projects are read as billed: nothing shared in them
    assert all(not section.shared for section in team.sections)
    text, blocks, _image = describe_digest(team)
    assert "shared" not in text.lower() and "Shared cost" not in json.dumps(blocks)
