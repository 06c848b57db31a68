"""The costbot command line against a real store: ingest, cost, top, errors and exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import FOCUS_FIXTURES
from tests.helpers import write_focus_csv

runner = CliRunner()


@pytest.fixture
def cli(store, monkeypatch):
    """Run `costbot ...` on the store under test; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", "2024-09-30")

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def org_file(tmp_path):
    tags = {
        "fraud": '{"project": "fraud-detection", "team": "risk"}',
        "recsys": '{"Project": "RecSys", "team": "personalization"}',
    }
    rows = []
    for day in range(1, 31):
        start, end = f"2024-09-{day:02}T00:00:00Z", _next(day)
        rows.append(
            {
                "EffectiveCost": "10.005",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": end,
                "Tags": tags["fraud"],
                "ResourceId": "i-gpu",
                "ServiceName": "Amazon EC2",
            }
        )
        rows.append(
            {
                "EffectiveCost": "2",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": end,
                "Tags": tags["fraud"],
                "ResourceId": "bucket-1",
                "ServiceName": "Amazon S3",
            }
        )
        rows.append(
            {
                "EffectiveCost": "4",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": end,
                "Tags": tags["recsys"],
                "ResourceId": "i-rec",
            }
        )
        rows.append(
            {
                "EffectiveCost": "1",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": end,
                "ResourceId": "i-untagged",
            }
        )
    return write_focus_csv(tmp_path / "org.csv", rows)


def _next(day: int) -> str:
    return "2024-10-01T00:00:00Z" if day == 30 else f"2024-09-{day + 1:02}T00:00:00Z"


def test_ingest_prints_a_one_screen_summary(cli, org_file):
    code, out, _ = cli("ingest", str(org_file))

    assert code == 0, out
    assert "rows read      120" in out
    assert "rows rejected  0" in out
    assert "2024-09-01 .. 2024-09-30 (30 days)" in out
    assert "USD 510.15" in out


def test_cost_json_is_the_contract(cli, org_file):
    cli("ingest", str(org_file))

    code, out, _ = cli(
        "cost", "project", "FRAUD-detection", "--period", "2024-09-16..2024-09-30", "--json"
    )

    assert code == 0
    report = json.loads(out)
    assert report["dimension"] == "project"
    assert report["name"] == "fraud-detection"
    assert report["period"]["start"] == "2024-09-16" and report["period"]["end"] == "2024-09-30"
    assert report["currency"] == "USD"
    assert report["cost_basis"] == "effective"
    assert report["total"] == 180.08  # 15 x 12.005, rounded to cents
    assert report["previous_total"] == 180.08  # 2024-09-01..15
    assert report["by_service"] == [
        {"name": "Amazon EC2", "cost": 150.08},
        {"name": "Amazon S3", "cost": 30.0},
    ]
    assert report["top_resources"][0] == {"id": "i-gpu", "name": None, "cost": 150.08}
    assert [d["date"] for d in report["daily"]][:2] == ["2024-09-16", "2024-09-17"]
    assert all(d["cost"] == 12.01 for d in report["daily"])
    assert len(report["daily"]) == 15
    assert report["data_through"] == "2024-09-30"


def test_top_json_lists_unallocated_cost_as_a_row(cli, org_file):
    cli("ingest", str(org_file))

    code, out, _ = cli("top", "project", "--period", "2024-09", "--json")

    assert code == 0
    report = json.loads(out)
    assert report["rows"] == [
        {"name": "fraud-detection", "cost": 360.15},
        {"name": "recsys", "cost": 120.0},
        {"name": "(unallocated)", "cost": 30.0},
    ]
    assert report["total"] == 510.15
    assert report["currency"] == "USD" and report["cost_basis"] == "effective"
    assert report["period"]["start"] == "2024-09-01"


def test_top_limit_keeps_the_unallocated_row_and_folds_the_rest(cli, org_file):
    cli("ingest", str(org_file))

    _, out, _ = cli("top", "project", "--period", "2024-09", "--limit", "1", "--json")

    report = json.loads(out)
    assert [r["name"] for r in report["rows"]] == ["fraud-detection", "(unallocated)"]
    assert report["other"] == {"count": 1, "cost": 120.0}
    assert report["total"] == 510.15


def test_unallocated_can_be_asked_for_by_name(cli, org_file):
    cli("ingest", str(org_file))
    code, out, _ = cli("cost", "team", "(unallocated)", "--period", "2024-09", "--json")
    assert code == 0
    assert json.loads(out)["total"] == 30.0


def test_unknown_name_exits_non_zero_with_close_names(cli, org_file):
    cli("ingest", str(org_file))

    code, _, err = cli("cost", "project", "fraud", "--period", "2024-09")

    assert code == 1
    assert 'No project named "fraud"' in err
    assert "fraud-detection" in err


def test_unknown_period_lists_the_valid_forms(cli, org_file):
    code, _, err = cli("cost", "project", "recsys", "--period", "last-week")
    assert code == 1
    assert "last-week" in err and "YYYY-MM-DD..YYYY-MM-DD" in err and "mtd" in err


def test_unknown_dimension_lists_the_dimensions(cli):
    code, _, err = cli("top", "colour")
    assert code == 1
    assert "project, team, owner, model, environment, service, account, region, resource" in err


def test_a_file_that_is_not_focus_names_the_missing_columns(cli, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Date,Amount,BillingCurrency\n2024-09-01,1,USD\n")
    code, _, err = cli("ingest", str(path))
    assert code == 1
    assert "missing mandatory column(s) BilledCost, EffectiveCost, ChargePeriodStart" in err


def test_an_azure_cost_export_is_recognised(cli):
    path = FOCUS_FIXTURES / "azure_ea_actualcost_small_finops-toolkit.csv"
    code, _, err = cli("ingest", str(path))
    assert code == 1
    assert "Azure cost export" in err and "--format azure" in err


def test_a_legacy_cur_file_is_recognised(cli):
    code, _, err = cli("ingest", str(FOCUS_FIXTURES / "aws_cur_legacy_sample_first20.csv"))
    assert code == 1
    assert "AWS Cost and Usage Report (CUR), not FOCUS" in err
    assert "--format aws-cur" in err


def test_several_currencies_are_reported_apart(cli, tmp_path):
    path = write_focus_csv(
        tmp_path / "fx.csv",
        [
            {"EffectiveCost": "100", "Tags": '{"project": "a"}'},
            {"EffectiveCost": "300", "BillingCurrency": "EUR", "Tags": '{"project": "a"}'},
        ],
    )
    cli("ingest", str(path))

    report = json.loads(cli("cost", "project", "a", "--period", "2024-09", "--json")[1])

    assert (report["currency"], report["total"]) == ("EUR", 300.0)
    assert [(o["currency"], o["total"]) for o in report["other_currencies"]] == [("USD", 100.0)]


def test_billed_cost_basis_from_the_config_file(cli, tmp_path):
    path = write_focus_csv(
        tmp_path / "c.csv", [{"BilledCost": "9", "EffectiveCost": "4", "Tags": '{"project": "a"}'}]
    )
    config = tmp_path / "billed.yml"
    config.write_text("cost_basis: billed\n")
    cli("ingest", str(path))

    code, out, _ = cli("top", "project", "--period", "2024-09", "--json", "--config", str(config))

    assert code == 0
    assert json.loads(out)["total"] == 9.0
    assert json.loads(out)["cost_basis"] == "billed"


def test_db_upgrade_is_idempotent(cli):
    code, out, _ = cli("db", "upgrade")
    assert code == 0
    assert out.strip() in {"store upgraded", "store already up to date"}
    assert cli("db", "upgrade")[1].strip() == "store already up to date"


def test_a_new_ingest_is_seen_at_once_by_a_cached_answer(store, tmp_path):
    path = write_focus_csv(tmp_path / "a.csv", [{"EffectiveCost": "5", "Tags": '{"project": "a"}'}])
    store.services.ingest.ingest([path])
    from bot.domain.periods import parse_period

    period = parse_period("2024-09", store.services.costs.today())
    assert store.services.costs.cost("project", "a", period).primary.total == 5
    assert store.services.costs.top("project", period).primary.total == 5

    again = write_focus_csv(
        tmp_path / "b.csv", [{"EffectiveCost": "7", "Tags": '{"project": "a"}'}]
    )
    store.services.ingest.ingest([again])

    assert store.services.costs.cost("project", "a", period).primary.total == 7
    assert store.services.costs.top("project", period).primary.total == 7
