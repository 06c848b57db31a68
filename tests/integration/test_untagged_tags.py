"""Stored tags, `costbot untagged` and `costbot tags report` on real stores (SQLite and
PostgreSQL), through real ingests of FOCUS files."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.allocation import canonical_tags, parse_tags
from bot.domain.periods import Period
from bot.domain.untagged import ChargeKind, HintKind
from storage.db import make_session_factory
from storage.repositories.tags import SqlTagStore
from tests.conftest import FOCUS_FIXTURES
from tests.helpers import FOCUS_HEADER, write_focus_csv

NOV = Period(date(2026, 11, 1), date(2026, 11, 30), "2026-11")
HEADER = [*FOCUS_HEADER, "ResourceName", "ChargeCategory", "ServiceCategory"]
runner = CliRunner()


def stored_tags(url: str) -> set[str | None]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = {row[0] for row in connection.execute(text("SELECT DISTINCT tags FROM cost_keys"))}
    engine.dispose()
    return found


def day_row(day: date, cost: str, **fields: str) -> dict:
    return {
        "EffectiveCost": cost,
        "BilledCost": cost,
        "ChargePeriodStart": f"{day}T00:00:00Z",
        "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
        "ChargeCategory": "Usage",
        **fields,
    }


def org_rows() -> list[dict]:
    """November 2026: tagged work that grows, untagged resources, and untaggable charges."""
    rows = []
    for offset in range(30):
        day = NOV.start + timedelta(days=offset)
        # Tagged cost grows week by week, so coverage rises.
        rows.append(
            day_row(
                day,
                str(10 + offset),
                ResourceId="i-fraud",
                SubAccountName="ml-prod",
                Tags='{"project": "fraud-detection", "team": "risk", "owner": "ana"}',
            )
        )
        rows.append(
            day_row(
                day,
                "5",
                ResourceId="i-recsys",
                SubAccountName="ml-research",
                Tags='{"project": "recsys"}',
            )
        )
        # Untagged: a training box named after its project, created by someone.
        rows.append(
            day_row(
                day,
                "8",
                ResourceId="arn:aws:ec2:us-east-1:1:instance/i-0train",
                ResourceName="fraud-detection-train-3",
                SubAccountName="ml-prod",
                Tags='{"aws:createdBy": "IAMUser:AIDA1:alice", "Name": "trainer"}',
            )
        )
    rows += [
        day_row(NOV.start, "30", ResourceId="bucket-logs", ServiceName="Amazon S3"),
        day_row(NOV.start, "0", ResourceId="i-free"),  # zero cost: never listed
        day_row(NOV.start, "12", ResourceId="", ServiceName="AWS Data Transfer"),
        day_row(NOV.start, "40", ResourceId="", ServiceName="AWS Support (Business)"),
        day_row(NOV.start, "9", ResourceId="", ChargeCategory="Tax"),
        day_row(NOV.start, "-6", ResourceId="", ChargeCategory="Credit"),
        day_row(NOV.start, "20", ResourceId="", ChargeCategory="Purchase", ServiceName="Savings"),
        day_row(NOV.start, "7", ResourceId="vm-eur", BillingCurrency="EUR"),
    ]
    return rows


@pytest.fixture
def org(store, tmp_path):
    path = write_focus_csv(tmp_path / "org.csv", org_rows(), header=HEADER)
    store.services.ingest.ingest([path])
    return store


# --- tags as stored ---------------------------------------------------------------------


def test_a_focus_fixture_stores_each_resource_tags_canonically(store):
    path = FOCUS_FIXTURES / "focus_1_3_cost_and_usage_aws.csv"
    store.services.ingest.ingest([path])
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)["Tags"]
    expected = {canonical_tags(parse_tags(tags)) for tags in raw}
    assert stored_tags(store.url) == expected
    sample = json.loads(sorted(t for t in expected if t)[0])
    assert all(key == key.lower() for key in sample)  # folded: "CostCenter" is "costcenter"


def test_a_resource_retagged_and_ingested_again_carries_its_new_tags(store, tmp_path):
    day = date(2026, 11, 3)
    first = [day_row(day, "5", ResourceId="i-1", Tags='{"project": "a", "Owner": "old"}')]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", first, header=HEADER)])
    again = [day_row(day, "5", ResourceId="i-1", Tags='{"project": "a", "Owner": "new"}')]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "b.csv", again, header=HEADER)])

    tags = SqlTagStore(make_session_factory(store.services.engine))
    lines = tags.billed_lines(NOV.start, NOV.end, "effective", untagged_only=False)
    assert [(line.resource_id, dict(line.tags), line.cost) for line in lines] == [
        ("i-1", {"owner": "new", "project": "a"}, D(5))
    ]


# --- the untagged report ----------------------------------------------------------------


def test_untagged_report_separates_what_to_tag_from_what_no_tag_can_fix(org):
    report = org.services.coverage.untagged(NOV)
    usd = next(part for part in report.currencies if part.currency == "USD")

    assert [r.resource_id for r in usd.tag_first] == [
        "arn:aws:ec2:us-east-1:1:instance/i-0train",
        "bucket-logs",
    ]
    train = usd.tag_first[0]
    assert (train.resource_name, train.account, train.cost) == (
        "fraud-detection-train-3",
        "ml-prod",
        D(240),
    )
    assert train.tags == {"createdby": "IAMUser:AIDA1:alice", "name": "trainer"}
    assert [(h.kind, h.value) for h in train.hints] == [
        (HintKind.CREATOR, "IAMUser:AIDA1:alice"),
        (HintKind.NAME, "fraud-detection"),
        (HintKind.ACCOUNT, "fraud-detection"),
    ]
    assert usd.untagged_resources == 2
    assert [(c.kind, c.cost) for c in usd.untaggable] == [
        (ChargeKind.SUPPORT, D(40)),
        (ChargeKind.PURCHASE, D(20)),
        (ChargeKind.DATA_TRANSFER, D(12)),
        (ChargeKind.TAX, D(9)),
        (ChargeKind.CREDIT, D(-6)),
    ]
    # Every untagged dollar is either a resource's or an untaggable charge's.
    assert usd.untagged == sum((r.cost for r in usd.tag_first), D(0)) + usd.untaggable_cost
    eur = next(part for part in report.currencies if part.currency == "EUR")
    assert [(r.resource_id, r.cost) for r in eur.tag_first] == [("vm-eur", D(7))]


def test_untagged_report_weekly_coverage_follows_the_iso_weeks(org):
    usd = next(p for p in org.services.coverage.untagged(NOV).currencies if p.currency == "USD")
    weeks = [(w.week, w.start, w.end) for w in usd.weekly]
    assert weeks[0] == ("2026-W44", date(2026, 11, 1), date(2026, 11, 1))
    assert weeks[-1] == ("2026-W49", date(2026, 11, 30), date(2026, 11, 30))
    by_week = {w.week: w for w in usd.weekly}
    # The week of Nov 9..15: fraud 18..24 (147), recsys 35 tagged; the trainer 56 untagged.
    w46 = by_week["2026-W46"]
    assert (w46.total, w46.untagged) == (D(238), D(56))
    coverage = [w.coverage_percent for w in usd.weekly[1:]]
    assert coverage == sorted(coverage)  # tagged work grows, the trainer stays flat
    assert sum((w.total for w in usd.weekly), D(0)) == usd.total


def test_untagged_with_no_data_is_an_empty_answer(store):
    report = store.services.coverage.untagged(NOV)
    assert report.primary.total == 0 and report.primary.weekly == ()


# --- the CLI ---------------------------------------------------------------------------


@pytest.fixture
def cli(org, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", org.url)
    monkeypatch.setenv("COSTBOT_TODAY", "2026-12-05")

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


def test_cli_untagged_json(cli):
    code, out, err = cli("untagged", "2026-11", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["period"] == {"start": "2026-11-01", "end": "2026-11-30", "label": "2026-11"}
    assert report["untagged_means"] == "no project and no team"
    usd = report["currencies"][0]
    assert usd["currency"] == "USD"
    assert set(usd) == {
        "currency",
        "total",
        "untagged",
        "coverage_percent",
        "weekly",
        "untagged_resources",
        "tag_first",
        "untaggable",
    }
    assert usd["weekly"][1] == {
        "week": "2026-W45",
        "start": "2026-11-02",
        "end": "2026-11-08",
        "total": 189.0,  # fraud 11..17, recsys 7 x 5, the trainer 7 x 8
        "untagged": 56.0,
        "coverage_percent": 70.4,
    }
    first = usd["tag_first"][0]
    assert first["resource_id"] == "arn:aws:ec2:us-east-1:1:instance/i-0train"
    assert first["cost"] == 240.0
    assert first["tags"] == {"createdby": "IAMUser:AIDA1:alice", "name": "trainer"}
    assert first["hints"][0] == {
        "kind": "creator",
        "value": "IAMUser:AIDA1:alice",
        "dimension": None,
        "text": "created by IAMUser:AIDA1:alice",
    }
    assert usd["untaggable"][0] == {
        "kind": "support",
        "label": "Support",
        "service": "AWS Support (Business)",
        "cost": 40.0,
    }
    assert "i-free" not in out
    assert [c["currency"] for c in report["currencies"]] == ["USD", "EUR"]


def test_cli_untagged_text_never_shows_a_missing_resource_id(cli):
    code, out, _ = cli("untagged", "2026-11")
    assert code == 0
    assert "tag these first" in out and "untaggable" in out
    assert "created by IAMUser:AIDA1:alice" in out
    assert "no resource id" not in out


def write_config(path: Path, required: list[str] | None) -> Path:
    allocation = {"required_tags": required} if required is not None else {}
    path.write_text(json.dumps({"allocation": allocation}))  # JSON is YAML
    return path


def test_cli_tags_report_lists_resources_missing_required_tags(cli, tmp_path):
    config = write_config(tmp_path / "costbot.yml", ["Project", "team", "owner"])
    code, out, err = cli("tags", "report", "2026-11", "--json", "--config", str(config))
    assert code == 0, err
    report = json.loads(out)
    assert report["required_tags"] == ["project", "team", "owner"]
    accounts = {(a["account"], a["currency"]): a for a in report["accounts"]}
    prod = accounts[("ml-prod", "USD")]
    assert (prod["resources"], prod["noncompliant_resources"]) == (3, 2)
    assert [r["resource_id"] for r in prod["noncompliant"]] == [
        "arn:aws:ec2:us-east-1:1:instance/i-0train",
        "bucket-logs",
    ]
    assert prod["noncompliant"][0]["missing"] == ["project", "team", "owner"]
    assert prod["missing_counts"] == {"project": 2, "team": 2, "owner": 2}
    research = accounts[("ml-research", "USD")]
    assert research["noncompliant"][0]["missing"] == ["team", "owner"]
    assert ("ml-prod", "EUR") in accounts
    # Untaggable charges are no resources: a policy cannot ask them for tags.
    assert "AWS Support" not in out and "i-free" not in out

    code, out, _ = cli("tags", "report", "2026-11", "--config", str(config))
    assert code == 0
    assert "account ml-prod (USD): 2 of 3 resources miss a required tag" in out


def test_cli_tags_report_without_required_tags_says_how_to_set_them(cli, tmp_path):
    config = write_config(tmp_path / "costbot.yml", None)
    code, _, err = cli("tags", "report", "--config", str(config))
    assert code == 1
    assert "required_tags: [project, team, owner]" in err


def test_a_fixture_with_creator_tags_of_oci_gives_creator_hints(store, tmp_path):
    """OCI's report keeps each defined tag in a column; its FOCUS export writes them in Tags."""
    source = FOCUS_FIXTURES / "oci_reports_cost-csv_0000000030000269.csv"
    with source.open(newline="", encoding="utf-8") as handle:
        oci = [row for row in csv.DictReader(handle) if row.get("tags/Oracle-Tags.CreatedBy")]
    rows = [
        day_row(
            date(2026, 11, 2),
            "1",
            ResourceId=row["product/resourceId"],
            Tags=json.dumps({"Oracle-Tags.CreatedBy": row["tags/Oracle-Tags.CreatedBy"]}),
        )
        for row in oci[:5]
    ]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "oci.csv", rows, header=HEADER)])
    report = store.services.coverage.untagged(NOV)
    creators = {h.value for r in report.primary.tag_first for h in r.hints if h.kind == "creator"}
    assert creators == {row["tags/Oracle-Tags.CreatedBy"] for row in oci[:5]}
