"""Savings of machines stopped in a project whose cost is shared, on SQLite and PostgreSQL: the
saving is credited like the project's cost, each receiver its part in the stored proportions
(the parts adding up to the saving exactly), the giver what it kept, in each currency apart;
in the savings ledger, the digests' idle section, `/cost savings` and `costbot idle savings`.

The organisation of tests/shared_world.py, with the GPU pool's storage beside its machines:
on Sep 1 2024 `gpu-pool` costs $100 (EC2 $50, S3 $50) and €10 (EC2); rule `gpu-pool` gives
its EC2 to fraud-detection ($30) and recsys ($20), and its euros to recsys (€10). On Sep 2
nobody used the pool: it keeps everything.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.idle.proposals import ProposalState
from bot.services.alert_ports import AuditEntry
from bot.services.idle_ports import NewProposal
from handlers.blocks.digests import build_digest_blocks, idle_lines
from handlers.blocks.elements import to_payload
from handlers.blocks.idle import describe_savings
from handlers.blocks.limits import MAX_FALLBACK_TEXT
from storage.db import make_session_factory
from storage.models import AllocationStateRow, SharedCostRow
from storage.repositories.idle import SqlIdleStore
from tests.helpers import write_focus_csv
from tests.shared_world import DAYS, GPU_HOURS, billing_rows, split_rows, store_split

D = Decimal
SEP_1, SEP_2 = DAYS
SEPTEMBER = (date(2024, 9, 1), date(2024, 10, 1))
runner = CliRunner()
STATES = (
    ProposalState.PROPOSED,
    ProposalState.APPROVED,
    ProposalState.STOPPING,
    ProposalState.STOPPED,
)
CONFIG = {
    "channels": {"default": "#cloud-costs"},
    "allocation": {
        "shared": [
            {"name": "platform", "match": {"project": "shared-platform"}, "split": "proportional"},
            {
                "name": "gpu-pool",
                "match": {"project": "gpu-pool", "service": "Amazon EC2"},
                "split": "usage",
                "usage": "gpu_hours",
            },
            {"name": "ml-team", "match": {"team": "ml"}, "split": "even", "among": "team"},
        ]
    },
    "idle": {"dry_run": False, "controllers": [{"type": "simulated", "fleet": []}]},
    "digests": [
        {"channel": "#fraud", "every": "daily", "scope": {"project": "fraud-detection"}},
        {"channel": "#recsys", "every": "daily", "scope": {"project": "recsys"}},
        {"channel": "#gpu", "every": "daily", "scope": {"project": "gpu-pool"}},
        {"channel": "#ml", "every": "daily", "scope": {"team": "ml"}},
        {"channel": "#cloud-costs", "every": "daily"},
    ],
}


def _billing() -> list[dict]:
    rows = billing_rows()
    for day in DAYS:
        span = {
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
            "Tags": '{"project": "gpu-pool", "team": "ml"}',
        }
        rows.append(span | _cost("50") | {"ServiceName": "Amazon S3", "ResourceId": "gpu-disks"})
    euros = {"ChargePeriodStart": f"{SEP_1}T00:00:00Z", "ChargePeriodEnd": f"{SEP_2}T00:00:00Z"}
    rows.append(
        euros
        | _cost("10")
        | {"BillingCurrency": "EUR", "ResourceId": "i-gpu-eu", "Tags": '{"project": "gpu-pool"}'}
    )
    return rows


def _cost(amount: str) -> dict:
    return {"BilledCost": amount, "EffectiveCost": amount, "ListCost": amount}


def _split() -> list[SharedCostRow]:
    """tests/shared_world.py's split, and the pool's euros given to recsys on Sep 1."""
    rows = split_rows()
    for value, cost, role in (("gpu-pool", "-10", "out"), ("recsys", "10", "in")):
        rows.append(
            SharedCostRow(
                day=SEP_1, dimension="project", value=value, origin="gpu-pool",
                service_name="Amazon EC2", currency="EUR", billed_cost=D(cost),
                effective_cost=D(cost), rule="gpu-pool", method=GPU_HOURS, role=role,
            )
        )  # fmt: skip
    return rows


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def stop(services, name, project, hourly, stopped_at, started_at=None, currency="USD"):
    """A real stop as the service leaves it: proposed, approved, stopped (and started)."""
    store = SqlIdleStore(make_session_factory(services.engine))
    subject = f"idle:simulated/i-{name}"
    new = NewProposal(
        id=secrets.token_hex(12),
        key=f"simulated/{name}|busy:never",
        controller="simulated",
        instance_id=f"i-{name}",
        instance={"name": name, "type": "g5.xlarge", "project": project, "team": "ml"},
        verdict={"idle_minutes": 45, "cpu_max": "1", "gpu_max": "0"},
        hourly_cost=D(hourly),
        currency=currency,
        price_source="price table",
        channel=None,
        dry_run=False,
        created_at=stopped_at - timedelta(hours=1),
        expires_at=stopped_at + timedelta(hours=23),
        message=None,
    )
    assert store.propose([new], [AuditEntry("costbot", "idle.propose", subject, stopped_at)])
    for source, target in pairwise(STATES):
        changes = {"stopped_at": stopped_at} if target is ProposalState.STOPPED else {}
        entry = AuditEntry("U0APPROVE1", f"idle.{target}", subject, stopped_at)
        assert store.move(new.id, source, target, entry, decided_by="U0APPROVE1", **changes)
    if started_at is not None:
        entry = AuditEntry("cloud", "idle.started_elsewhere", subject, started_at)
        moved = store.move(
            new.id, ProposalState.STOPPED, ProposalState.STARTED, entry, started_at=started_at
        )
        assert moved is not None
    return new.id


@pytest.fixture
def world(store, tmp_path: Path):
    """The billing data and its split stored; services on the config with the rules; four
    stops: a pool machine on Sep 1 for 10 h at $2.50, a pool machine stopped since Sep 3 at
    $1, a recsys machine for 4 h at $1, and a pool machine paid in euros for 2 h at €3."""
    store.services.ingest.ingest([write_focus_csv(tmp_path / "org.csv", _billing())])
    store_split(store.services.engine, _split())
    config = tmp_path / "costbot.yml"
    config.write_text(yaml.safe_dump(CONFIG))
    services = store.build(config)
    stop(services, "gpu-a", "gpu-pool", "2.50", _at(SEP_1, 6), _at(SEP_1, 16))
    stop(services, "gpu-b", "gpu-pool", "1", _at(date(2024, 9, 3), 0))
    stop(services, "rec-1", "recsys", "1", _at(SEP_1, 10), _at(SEP_1, 14))
    stop(services, "gpu-eu", "gpu-pool", "3", _at(SEP_1, 8), _at(SEP_1, 10), currency="EUR")
    yield services, config
    services.engine.dispose()


def rows_by_name(report) -> dict:
    return {row.proposal.instance.get("name"): row for row in report.rows}


def parts(allocation) -> dict:
    return {(p.value, p.rule): p.saved for p in allocation.parts}


def test_a_shared_machines_saving_is_split_in_the_stored_proportions(world):
    services, _ = world
    report = services.idle.savings(*SEPTEMBER)
    rows = rows_by_name(report)

    # The totals do not move: each saving stays whole, its parts beside it.
    assert report.totals == {"USD": D("25.00") + D(672) + D("4.00"), "EUR": D("6.00")}
    gpu_a = rows["gpu-a"]
    assert gpu_a.saved == D("25.00")
    (allocation,) = gpu_a.allocations
    assert (allocation.dimension, allocation.origin) == ("project", "gpu-pool")
    # Sep 1: of the pool's $100, fraud-detection received $30 and recsys $20; it kept $50.
    assert parts(allocation) == {
        ("gpu-pool", None): D("12.50"),
        ("fraud-detection", "gpu-pool"): D("7.50"),
        ("recsys", "gpu-pool"): D("5.00"),
    }
    assert (allocation.first_day, allocation.last_day, allocation.fallback) == (SEP_1, SEP_1, False)
    assert allocation.receivers == ("fraud-detection", "recsys")
    assert allocation.rules == ("gpu-pool",) and allocation.kept == D("12.50")
    for row in report.rows:
        for shared in row.allocations:
            assert sum(p.saved for p in shared.parts) == row.saved  # exactly


def test_a_machine_in_an_unshared_project_keeps_its_whole_saving(world):
    services, _ = world
    rec = rows_by_name(services.idle.savings(*SEPTEMBER))["rec-1"]
    assert rec.saved == D("4.00") and rec.allocations == ()
    assert rec.shared is None


def test_each_currency_is_split_by_its_own_proportions(world):
    services, _ = world
    euros = rows_by_name(services.idle.savings(*SEPTEMBER))["gpu-eu"]
    (allocation,) = euros.allocations
    # The pool's euros all went to recsys; its dollars were split 30 : 20 : 50 kept.
    assert parts(allocation) == {("recsys", "gpu-pool"): D("6.00")}
    assert allocation.kept == 0


def test_days_without_billing_data_yet_use_the_thirty_days_before(world):
    services, _ = world
    gpu_b = rows_by_name(services.idle.savings(*SEPTEMBER))["gpu-b"]
    # Stopped from Sep 3 to the end of September: 28 days at $1 an hour.
    assert gpu_b.saved == D(672)
    (allocation,) = gpu_b.allocations
    assert allocation.fallback is True
    assert (allocation.first_day, allocation.last_day) == (date(2024, 8, 4), SEP_2)
    # Aug 4 - Sep 2: the pool cost $200 and gave $30 and $20 of it (Sep 2 it kept).
    assert parts(allocation) == {
        ("gpu-pool", None): D("504.00"),
        ("fraud-detection", "gpu-pool"): D("100.80"),
        ("recsys", "gpu-pool"): D("67.20"),
    }


def _digest(services, channel: str):
    (config,) = [d for d in services.digests.digests if d.channel == channel]
    return services.digests.build(config, date(2024, 9, 2))  # Sep 1 is the complete day


def test_a_receivers_digest_shows_its_share_labelled_as_shared(world):
    services, _ = world
    digest = _digest(services, "#fraud")
    assert (digest.window.start, digest.window.end) == (SEP_1, SEP_1)

    assert digest.idle is not None
    assert digest.idle.savings.totals == {"USD": D("7.50")}
    (row,) = digest.idle.savings.rows
    assert (row.saved, row.whole, row.received) == (D("7.50"), D("25.00"), True)
    lines = idle_lines(digest.idle)
    assert lines[0].startswith("Saved about $7.50 by 1 stop(s)")
    assert lines[1] == (
        "• Its share: $7.50 of $25.00 saved by `gpu-a` in project gpu-pool "
        "(shared among 2 projects by rule gpu-pool)"
    )
    assert lines[1] in json.dumps(to_payload(build_digest_blocks(digest)), ensure_ascii=False)


def test_a_receiver_adds_its_share_to_its_own_stops_in_each_currency(world):
    services, _ = world
    idle = _digest(services, "#recsys").idle
    assert idle.savings.totals == {"USD": D("5.00") + D("4.00"), "EUR": D("6.00")}
    lines = idle_lines(idle)
    assert any(line.startswith("Saved about $9.00 by 2 stop(s)") for line in lines)
    assert any(line.startswith("Saved about €6.00 by 1 stop(s)") for line in lines)
    assert sum("Its share" in line for line in lines) == 2  # the dollars and the euros


def test_the_givers_digest_shows_only_what_it_kept(world):
    services, _ = world
    idle = _digest(services, "#gpu").idle
    # Its euros all went to recsys: nothing of that stop is credited here.
    assert idle.savings.totals == {"USD": D("12.50")}
    (row,) = idle.savings.rows
    assert (row.saved, row.received) == (D("12.50"), False)
    assert idle_lines(idle)[1] == (
        "• Kept here: $12.50 of $25.00 saved by `gpu-a` (shared among 2 projects by rule gpu-pool)"
    )


def test_scopes_the_rules_do_not_split_among_see_each_saving_whole(world):
    services, _ = world
    for channel in ("#ml", "#cloud-costs"):
        idle = _digest(services, channel).idle
        assert idle.savings.totals == {"USD": D("29.00"), "EUR": D("6.00")}, channel
        assert all(row.whole is None for row in idle.savings.rows)


def test_cost_savings_says_a_stop_is_shared_and_keeps_its_fallback_text(world):
    services, _ = world
    text, blocks = describe_savings(services.idle.savings(*SEPTEMBER))

    shown = json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)
    assert "saved $25.00 (shared among 2 projects by rule gpu-pool)" in shown
    assert "saved €6.00 (shared among 1 project by rule gpu-pool)" in shown
    (rec_line,) = [line for line in shown.split("\\n") if "rec-1" in line]
    assert "shared" not in rec_line
    assert "3 of them shared by rule gpu-pool." in text
    assert len(text) <= MAX_FALLBACK_TEXT


def test_the_cli_says_among_whom_and_its_json_carries_the_parts(world, store, monkeypatch):
    services, config = world
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", "2024-09-30")
    # The hand-written split stands for the configured rules: the command keeps it.
    with Session(services.engine) as session, session.begin():
        session.get(AllocationStateRow, 1).fingerprint = services.shared.fingerprint()

    shown = runner.invoke(app, ["idle", "savings", "--period", "2024-09", "--config", str(config)])
    assert shown.exit_code == 0, shown.stderr
    assert "shared among 2 projects by rule gpu-pool: gpu-pool (kept) 12.50, " in shown.stdout
    assert "fraud-detection 7.50, recsys 5.00" in shown.stdout

    asked = ["idle", "savings", "--period", "2024-09", "--json", "--config", str(config)]
    answer = runner.invoke(app, asked)
    assert answer.exit_code == 0, answer.stderr
    data = json.loads(answer.stdout)
    assert (data["start"], data["end"]) == ("2024-09-01", "2024-09-30")
    assert data["totals"] == {"USD": "701.00", "EUR": "6.00"}
    stops = {stop["name"]: stop for stop in data["stops"]}
    assert stops["rec-1"]["shared"] == []
    (shared,) = stops["gpu-a"]["shared"]
    assert shared["receivers"] == 2 and shared["rules"] == ["gpu-pool"]
    assert shared["kept"] == "12.50" and shared["fallback"] is False
    assert shared["parts"][1] == {
        "value": "fraud-detection",
        "rule": "gpu-pool",
        "kept": False,
        "saved": "7.50",
    }


def test_a_rule_among_teams_credits_the_teams_and_leaves_projects_as_they_were(world):
    """Rule `ml-team` gives $90 of team ml's $300 on Sep 1 to teams risk ($60) and recs."""
    services, _ = world
    team_split = [
        SharedCostRow(
            day=SEP_1, dimension="team", value=value, origin="ml", service_name="Amazon EC2",
            currency="USD", billed_cost=D(cost), effective_cost=D(cost), rule="ml-team",
            method="even", role=role,
        )
        for value, cost, role in (("ml", "-90", "out"), ("risk", "60", "in"), ("recs", "30", "in"))
    ]  # fmt: skip
    store_split(services.engine, [*_split(), *team_split])

    gpu_a = rows_by_name(services.idle.savings(*SEPTEMBER))["gpu-a"]
    by_team = gpu_a.allocation("team")
    assert by_team is not None and by_team.origin == "ml"
    assert parts(by_team) == {
        ("ml", None): D("17.50"),
        ("risk", "ml-team"): D("5.00"),
        ("recs", "ml-team"): D("2.50"),
    }
    assert parts(gpu_a.allocation("project"))[("fraud-detection", "gpu-pool")] == D("7.50")
    # The team digest credits team ml what it kept of each stop; the project digests are
    # credited by the project split as before.
    ml = _digest(services, "#ml").idle
    assert ml.savings.totals["USD"] == D("17.50") + D("2.80")  # rec-1's $4.00 is split too
    assert _digest(services, "#fraud").idle.savings.totals == {"USD": D("7.50")}


def test_a_split_made_by_the_rules_credits_the_saving_in_its_proportions(store, tmp_path):
    """The real re-split, by fixed weights 3 : 1, made when the billing data is ingested."""
    rule = {
        "name": "gpu-pool",
        "match": {"project": "gpu-pool", "service": "Amazon EC2"},
        "split": "fixed",
        "weights": {"fraud-detection": 3, "recsys": 1},
    }
    config = tmp_path / "fixed.yml"
    config.write_text(yaml.safe_dump({"allocation": {"shared": [rule]}}))
    services = store.build(config)
    services.ingest.ingest([write_focus_csv(tmp_path / "org.csv", _billing())])
    stop(services, "gpu-a", "gpu-pool", "2.50", _at(SEP_1, 6), _at(SEP_1, 16))

    (row,) = services.idle.savings(*SEPTEMBER).rows
    (allocation,) = row.allocations
    # Of $100 on Sep 1 the pool gave $37.50 and $12.50 (its EC2, 3 : 1) and kept its S3.
    assert parts(allocation) == {
        ("gpu-pool", None): D("12.50"),
        ("fraud-detection", "gpu-pool"): D("9.38"),  # 9.375, rounded half to even
        ("recsys", "gpu-pool"): D("3.12"),
    }
    assert sum(parts(allocation).values()) == row.saved == D("25.00")
    services.engine.dispose()
