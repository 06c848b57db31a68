"""Answers with shared cost on SQLite and PostgreSQL: the store adds each value's split to
its rollup, says where each shared part came from, and moves the data version with every
re-split; cost and top answers, the CLI and budget alerts say what they include."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from bot.app import build_services
from bot.cli import app
from bot.domain.shared.split import Role
from bot.services.ports import CostFilter
from bot.settings import Settings
from storage.db import make_session_factory
from storage.models import SharedCostRow
from storage.repositories.snapshots import SqlOutbox
from tests.alert_config import write_config
from tests.integration.shared_data import allocated, write_org
from tests.integration.shared_data import write_config as write_shared_config
from tests.shared_world import (
    DAYS,
    GPU_HOURS,
    KEPT,
    PROPORTIONAL,
    SEP,
    ingest_world,
    shared_world,
    store_split,
)

runner = CliRunner()
PLATFORM = {"name": "platform", "match": {"project": "shared-platform"}}
START, END = SEP.start, SEP.end


@pytest.fixture
def world(store, tmp_path):
    shared_world(store.services, tmp_path)
    return store.services


def by_project(services, **kwargs) -> dict:
    rows = services.cost_store.sum_cost(START, END, "effective", group_by=("project",), **kwargs)
    return {value: cost for value, _currency, cost in rows}


def test_rollup_questions_include_the_split_and_keep_the_total(world):
    shared = by_project(world)
    direct = by_project(world, shared=False)

    assert direct == {
        "shared-platform": Decimal(200),
        "fraud-detection": Decimal(120),
        "gpu-pool": Decimal(100),
        "recsys": Decimal(80),
    }
    # The receivers got the platform and Sep 1's GPU pool; Sep 2's pool was kept, not added.
    assert shared == {
        "shared-platform": Decimal(0),
        "fraud-detection": Decimal(270),
        "gpu-pool": Decimal(50),
        "recsys": Decimal(180),
    }
    assert sum(shared.values()) == sum(direct.values()) == Decimal(500)


def test_one_value_by_day_and_service_includes_what_it_received(world):
    where = CostFilter("project", "fraud-detection")
    rows = world.cost_store.sum_cost(
        START, END, "effective", where=where, group_by=("day", "service_name")
    )
    got = {(day, service): cost for day, service, _c, cost in rows}
    assert got == {
        (DAYS[0], "Amazon EC2"): Decimal(90),
        (DAYS[0], "Amazon EKS"): Decimal(60),
        (DAYS[1], "Amazon EC2"): Decimal(60),
        (DAYS[1], "Amazon EKS"): Decimal(60),
    }
    total = world.cost_store.sum_cost(START, END, "effective", where=where)
    assert total == [("USD", Decimal(270))]
    assert world.cost_store.sum_cost(START, END, "effective", where=where, shared=False) == [
        ("USD", Decimal(120))
    ]


def test_totals_by_day_and_service_across_all_values_do_not_move(world):
    for group_by in ((), ("day",), ("service_name",), ("day", "service_name")):
        shared = world.cost_store.sum_cost(START, END, "effective", group_by=group_by)
        direct = world.cost_store.sum_cost(START, END, "effective", group_by=group_by, shared=False)
        assert sorted(shared) == sorted(direct), group_by


def test_fact_questions_stay_direct(world):
    where = [CostFilter("project", "fraud-detection"), CostFilter("team", "ml")]
    assert world.cost_store.sum_cost(START, END, "effective", where=where) == [
        ("USD", Decimal(120))
    ]
    resources = world.cost_store.sum_cost(
        START,
        END,
        "effective",
        where=CostFilter("project", "fraud-detection"),
        group_by=("resource_id",),
    )
    assert resources == [("i-fraud", "USD", Decimal(120))]
    # Another dimension's rollup (team) has no split of its own.
    assert world.cost_store.sum_cost(START, END, "effective", where=CostFilter("team", "ml")) == [
        ("USD", Decimal(500))
    ]


def test_shared_parts_name_rule_origin_method_and_role(world):
    parts = world.cost_store.shared_parts(START, END, "effective", "project", "fraud-detection")
    assert {(p.rule, p.origin, p.method, p.role, p.cost) for p in parts} == {
        ("platform", "shared-platform", PROPORTIONAL, Role.IN, Decimal(120)),
        ("gpu-pool", "gpu-pool", GPU_HOURS, Role.IN, Decimal(30)),
    }
    pool = world.cost_store.shared_parts(START, END, "effective", "project", "gpu-pool")
    assert {(p.role, p.method, p.cost) for p in pool} == {
        (Role.OUT, GPU_HOURS, Decimal(-50)),
        (Role.KEPT, KEPT, Decimal(50)),
    }
    every = world.cost_store.shared_parts(START, END, "effective", "project")
    assert {p.value for p in every} == {"shared-platform", "fraud-detection", "recsys", "gpu-pool"}
    assert sum(p.cost for p in every if p.role is not Role.KEPT) == 0
    assert world.cost_store.shared_parts(START, END, "effective", "project", None) == []
    assert world.cost_store.shared_parts(START, END, "effective", "service") == []
    assert world.cost_store.shared_receivers(START, END, "project", "shared-platform") == {
        ("platform", "USD"): 2
    }


def test_a_re_split_moves_the_data_version_and_the_cached_answer(store, tmp_path):
    services = store.services
    ingest_world(services, tmp_path)
    before = services.cost_store.data_version()
    unsplit = services.costs.cost("project", "recsys", SEP)
    assert unsplit.primary.total == Decimal(80) and unsplit.primary.shared_in == ()

    store_split(services.engine)
    assert services.cost_store.data_version() != before
    split = services.costs.cost("project", "recsys", SEP)
    assert split.primary.total == Decimal(180)

    # New rules: the platform goes to recsys alone; the answer after it uses them.
    rows = [
        SharedCostRow(
            day=day, dimension="project", value=value, origin="shared-platform",
            service_name="Amazon EKS", currency="USD", billed_cost=Decimal(cost),
            effective_cost=Decimal(cost), rule="platform", method="even", role=role,
        )
        for day in DAYS
        for value, cost, role in (("shared-platform", "-100", "out"), ("recsys", "100", "in"))
    ]  # fmt: skip
    store_split(services.engine, rows)
    again = services.costs.cost("project", "recsys", SEP)
    assert again.primary.total == Decimal(280)
    assert [(s.rule, s.method, s.cost) for s in again.primary.shared_in] == [
        ("platform", "even", Decimal(200))
    ]


def test_cost_answers_carry_what_was_received_given_and_kept(world):
    fraud = world.costs.cost("project", "fraud-detection", SEP).primary
    assert fraud.total == Decimal(270) and fraud.shared_total == Decimal(150)
    assert [(s.rule, s.origin, s.method, s.cost) for s in fraud.shared_in] == [
        ("platform", "shared-platform", PROPORTIONAL, Decimal(120)),
        ("gpu-pool", "gpu-pool", GPU_HOURS, Decimal(30)),
    ]
    assert sum(d.cost for d in fraud.daily) == fraud.total

    platform = world.costs.cost("project", "shared-platform", SEP).primary
    assert platform.total == 0 and platform.by_service == ()
    assert [(g.rule, g.cost, g.receivers) for g in platform.shared_out] == [
        ("platform", Decimal(200), 2)
    ]
    pool = world.costs.cost("project", "gpu-pool", SEP).primary
    assert pool.total == Decimal(50)
    assert [(k.rule, k.cost) for k in pool.kept] == [("gpu-pool", Decimal(50))]

    direct = world.costs.cost("project", "fraud-detection", SEP, shared=False)
    assert not direct.shared and direct.primary.total == Decimal(120)
    assert direct.primary.shared_in == ()


def test_top_counts_shared_cost_under_its_receivers(world):
    report = world.costs.top("project", SEP)
    ranking = report.primary
    assert [(r.name, r.cost) for r in ranking.rows] == [
        ("fraud-detection", Decimal(270)),
        ("recsys", Decimal(180)),
        ("gpu-pool", Decimal(50)),  # kept on Sep 2: still named
    ]
    assert ranking.total == Decimal(500) and ranking.shared_total == Decimal(250)
    direct = world.costs.top("project", SEP, shared=False).primary
    assert direct.rows[0].name == "shared-platform" and direct.total == Decimal(500)


@pytest.fixture
def cli(world, store, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", "2024-09-30")

    def run(*args: str):
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.stderr
        return result.stdout

    return run


def test_cli_cost_says_what_is_shared_and_json_carries_it(cli):
    text = cli("cost", "project", "fraud-detection", "--period", "2024-09")
    assert "total          USD 270.00" in text
    assert (
        "Includes USD 150.00 shared: platform (proportional), gpu-pool (usage: GPU hours)." in text
    )
    data = json.loads(cli("cost", "project", "fraud-detection", "--period", "2024-09", "--json"))
    assert data["total"] == 270.0 and data["direct"] is False
    assert data["shared"] == [
        {"rule": "platform", "from": "shared-platform", "method": "proportional", "cost": 120.0},
        {"rule": "gpu-pool", "from": "gpu-pool", "method": "usage: GPU hours", "cost": 30.0},
    ]
    giver = json.loads(cli("cost", "project", "shared-platform", "-p", "2024-09", "--json"))
    assert giver["shared"] == []
    assert giver["shared_given"] == [
        {"rule": "platform", "method": "proportional", "cost": 200.0, "receivers": 2}
    ]
    assert "USD 200.00 of its cost is shared among 2 projects by rule platform" in cli(
        "cost", "project", "shared-platform", "-p", "2024-09"
    )


def test_cli_no_shared_shows_direct_cost_and_says_so(cli):
    data = json.loads(
        cli("cost", "project", "fraud-detection", "-p", "2024-09", "--no-shared", "--json")
    )
    assert data["total"] == 120.0 and data["direct"] is True and data["shared"] == []
    text = cli("top", "project", "-p", "2024-09", "--no-shared")
    assert "shared-platform" in text and "Direct cost, as billed" in text


def test_cli_top_lists_shared_cost_under_receivers(cli):
    text = cli("top", "project", "-p", "2024-09")
    assert "shared-platform" not in text.split("USD 250.00 of the total")[0]
    assert "USD 250.00 of the total is shared cost, counted under the projects" in text
    data = json.loads(cli("top", "project", "-p", "2024-09", "--json"))
    assert [row["name"] for row in data["rows"]] == ["fraud-detection", "recsys", "gpu-pool"]
    assert {s["rule"] for s in data["shared"]} == {"platform", "gpu-pool"}


BUDGET_CONFIG = """
currency: USD
budgets:
  - project: fraud-detection
    amount: 300
channels:
  default: "#cloud-costs"
"""


def test_a_budget_alert_says_its_spend_includes_shared_cost(store, tmp_path):
    config = write_config(tmp_path, BUDGET_CONFIG)
    settings = Settings(database_url=store.url, today=date(2024, 9, 3))
    services = build_services(settings, config)
    shared_world(services, tmp_path)

    line = services.budgets.lines()[0]
    assert line.status.spent == Decimal(270) and line.shared == Decimal(150)
    report = services.alerts.evaluate(dry_run=True)
    threshold = [a for a in report.alerts if a.kind == "threshold"]
    assert threshold, report.alerts
    message = services.alerts.evaluate()
    assert message.alerts
    outbox = SqlOutbox(make_session_factory(services.engine))
    posted = outbox.claim_next(datetime.now(UTC), 60)
    assert posted is not None
    assert "includes $150.00 shared cost" in posted.text
    services.engine.dispose()


def test_answers_follow_the_rules_after_reallocate(store, tmp_path):
    """With the real re-split: answers equal an independent reading of the split, and a rule
    change re-allocated by another process shows in the next (cached) answer."""
    path = write_org(tmp_path / "org.csv")
    proportional = store.build(
        write_shared_config(tmp_path / "p.yml", [PLATFORM | {"split": "proportional"}])
    )
    proportional.ingest.ingest([path])
    proportional.shared.reallocate()
    expected = defaultdict(Decimal)
    for (_day, currency, value), cost in allocated(proportional).items():
        expected[(value, currency)] += cost
    rows = proportional.cost_store.sum_cost(
        date(2024, 9, 1), date(2024, 9, 3), "effective", group_by=("project",)
    )
    assert {(value, currency): cost for value, currency, cost in rows} == dict(expected)

    def usd():
        report = proportional.costs.cost("project", "recsys", SEP)
        return next(part for part in report.currencies if part.currency == "USD")

    before = usd()
    assert {s.method for s in before.shared_in} == {"proportional"}

    even = store.build(write_shared_config(tmp_path / "e.yml", [PLATFORM | {"split": "even"}]))
    even.shared.reallocate()
    after = usd()
    assert {s.method for s in after.shared_in} == {"even"}
    assert after.total != before.total
