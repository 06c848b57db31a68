"""Tests for the demo FOCUS 1.2 data generator behind `costbot demo-data`."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from bot.sources.demo import write_demo_data

END = date(2026, 11, 27)
DAYS = 90
FIRST_DAY = END - timedelta(days=DAYS - 1)  # 2026-08-30
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00Z$")
MONEY_COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "PricingQuantity",
    "ConsumedQuantity",
    "CommitmentDiscountQuantity",
)
PROJECT_KEYS = {"project", "project_name", "app"}


def _read_rows(paths: list[Path]) -> list[dict[str, str]]:
    rows = []
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def _day(timestamp: str) -> date:
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").date()


def _is_daily(row: dict[str, str]) -> bool:
    return _day(row["ChargePeriodEnd"]) - _day(row["ChargePeriodStart"]) == timedelta(days=1)


def _tags(row: dict[str, str]) -> dict[str, str]:
    return json.loads(row["Tags"]) if row["Tags"] else {}


def _bytes(paths: list[Path]) -> list[bytes]:
    return [path.read_bytes() for path in paths]


@pytest.fixture(scope="module")
def demo_paths(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out_dir = tmp_path_factory.mktemp("demo") / "nested" / "out"
    return write_demo_data(out_dir, days=DAYS, seed=0, end=END)


@pytest.fixture(scope="module")
def rows(demo_paths: list[Path]) -> list[dict[str, str]]:
    return _read_rows(demo_paths)


def test_same_seed_and_end_give_identical_bytes(demo_paths: list[Path], tmp_path: Path) -> None:
    again = write_demo_data(tmp_path, days=DAYS, seed=0, end=END)
    assert [p.name for p in again] == [p.name for p in demo_paths]
    assert _bytes(again) == _bytes(demo_paths)


def test_different_seeds_give_different_data_of_the_same_shape(
    demo_paths: list[Path], tmp_path: Path
) -> None:
    other = write_demo_data(tmp_path, days=DAYS, seed=1, end=END)
    assert [p.name for p in other] == [p.name for p in demo_paths]
    assert all(a != b for a, b in zip(_bytes(other), _bytes(demo_paths), strict=True))
    other_rows = _read_rows(other)
    assert other_rows[0].keys() == _read_rows(demo_paths)[0].keys()
    assert 0.8 < len(other_rows) / len(_read_rows(demo_paths)) < 1.25


def test_a_day_looks_the_same_in_any_window(rows: list[dict[str, str]], tmp_path: Path) -> None:
    short = _read_rows(write_demo_data(tmp_path, days=3, seed=0, end=END))
    last_days = {"2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z"}
    assert [r for r in short if _is_daily(r)] == [
        r for r in rows if _is_daily(r) and r["ChargePeriodStart"] in last_days
    ]


def test_one_file_per_month_touched(demo_paths: list[Path]) -> None:
    assert [p.name for p in demo_paths] == [
        "focus-1.2-demo-2026-08.csv",
        "focus-1.2-demo-2026-09.csv",
        "focus-1.2-demo-2026-10.csv",
        "focus-1.2-demo-2026-11.csv",
    ]
    for path in demo_paths:
        month = date.fromisoformat(path.stem[-7:] + "-01")
        next_month = (month + timedelta(days=31)).replace(day=1)
        for row in _read_rows([path]):
            assert row["BillingPeriodStart"] == f"{month}T00:00:00Z"
            assert row["BillingPeriodEnd"] == f"{next_month}T00:00:00Z"


def test_daily_rows_cover_exactly_the_requested_days(rows: list[dict[str, str]]) -> None:
    daily_starts = {_day(r["ChargePeriodStart"]) for r in rows if _is_daily(r)}
    assert daily_starts == {FIRST_DAY + timedelta(days=n) for n in range(DAYS)}
    for row in rows:
        assert TIMESTAMP.match(row["ChargePeriodStart"]), row["ChargePeriodStart"]
        assert TIMESTAMP.match(row["ChargePeriodEnd"]), row["ChargePeriodEnd"]
        assert row["ChargePeriodStart"] < row["ChargePeriodEnd"]
        assert row["BillingPeriodStart"] <= row["ChargePeriodStart"]
        assert row["ChargePeriodEnd"] <= row["BillingPeriodEnd"]
        if row["ServiceName"] != "AWS Support (Business)":
            assert _day(row["ChargePeriodStart"]) >= FIRST_DAY
            assert _day(row["ChargePeriodEnd"]) <= END + timedelta(days=1)


def test_rows_per_day_are_in_the_expected_range(rows: list[dict[str, str]]) -> None:
    per_day = Counter(r["ChargePeriodStart"] for r in rows if _is_daily(r))
    assert min(per_day.values()) >= 150
    assert max(per_day.values()) <= 400


def test_amounts_are_plain_decimals_with_at_most_ten_places(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for column in MONEY_COLUMNS:
            text = row[column]
            if not text:
                assert column in ("ConsumedQuantity", "CommitmentDiscountQuantity"), row
                continue
            assert re.fullmatch(r"\d+(\.\d{1,10})?", text), (column, text)
            assert Decimal(text).as_tuple().exponent >= -10


def test_cost_relations_hold(rows: list[dict[str, str]]) -> None:
    for row in rows:
        billed, effective, listed = (
            Decimal(row[c]) for c in ("BilledCost", "EffectiveCost", "ListCost")
        )
        assert row["BillingCurrency"] == "USD"
        assert effective <= listed
        assert Decimal(row["ContractedCost"]) == listed
        if row["ChargeCategory"] == "Usage" and row["PricingCategory"] == "Standard":
            assert billed == effective
            price, quantity = Decimal(row["ListUnitPrice"]), Decimal(row["PricingQuantity"])
            assert abs(price * quantity - listed) <= Decimal("1E-9")


def test_savings_plan_covers_part_of_the_gpu_inference(rows: list[dict[str, str]]) -> None:
    committed = [r for r in rows if r["PricingCategory"] == "Committed"]
    assert committed
    commitment_ids = {r["CommitmentDiscountId"] for r in committed}
    assert len(commitment_ids) == 1 and "" not in commitment_ids
    for row in committed:
        assert row["ChargeCategory"] == "Usage"
        assert "g5" in row["ChargeDescription"]
        assert row["CommitmentDiscountStatus"] == "Used"
        # FOCUS: the covered usage is paid via the commitment's fee, so it bills nothing and
        # carries the amortised (discounted) cost.
        assert Decimal(row["BilledCost"]) == 0
        assert 0 < Decimal(row["EffectiveCost"]) < Decimal(row["ListCost"])
    used_by_month: dict[str, Decimal] = defaultdict(Decimal)
    for row in committed:
        used_by_month[row["BillingPeriodStart"]] += Decimal(row["EffectiveCost"])
    fees = [r for r in rows if r["ChargeCategory"] == "Purchase" and r["CommitmentDiscountId"]]
    assert [f["BillingPeriodStart"] for f in fees] == sorted(used_by_month)
    for fee in fees:
        assert fee["ChargeFrequency"] == "Recurring"
        assert Decimal(fee["EffectiveCost"]) == 0
        assert Decimal(fee["BilledCost"]) == used_by_month[fee["BillingPeriodStart"]]
    assert any(
        "g5" in r["ChargeDescription"] and r["PricingCategory"] == "Standard" for r in rows
    ), "only part of the GPU usage is covered"


def test_support_fee_spans_each_whole_month(
    demo_paths: list[Path], rows: list[dict[str, str]]
) -> None:
    fees = [r for r in rows if r["ServiceName"] == "AWS Support (Business)"]
    assert len(fees) == len(demo_paths)
    for fee in fees:
        assert fee["ChargePeriodStart"] == fee["BillingPeriodStart"]
        assert fee["ChargePeriodEnd"] == fee["BillingPeriodEnd"]
        assert fee["ChargeFrequency"] == "Recurring"
        assert fee["ChargeCategory"] in ("Purchase", "Usage")
        assert fee["Tags"] in ("", '{"team":"platform"}')
        assert Decimal(fee["EffectiveCost"]) > 100
    assert fees[-1]["ChargePeriodStart"] == "2026-11-01T00:00:00Z"
    assert fees[-1]["ChargePeriodEnd"] == "2026-12-01T00:00:00Z"


def test_object_storage_is_billed_once_a_month_per_bucket(rows: list[dict[str, str]]) -> None:
    buckets = [r for r in rows if r["ServiceName"] == "Amazon Simple Storage Service"]
    per_month = Counter(r["BillingPeriodStart"] for r in buckets)
    assert len(per_month) == 4 and len(set(per_month.values())) == 1
    for row in buckets:
        assert row["ResourceId"].startswith("arn:aws:s3:::")
        assert row["PricingUnit"] == "GB-Mo"
    october = [r for r in buckets if r["BillingPeriodStart"].startswith("2026-10")]
    assert {(r["ChargePeriodStart"], r["ChargePeriodEnd"]) for r in october} == {
        ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
    }
    november = [r for r in buckets if r["BillingPeriodStart"].startswith("2026-11")]
    assert {(r["ChargePeriodStart"], r["ChargePeriodEnd"]) for r in november} == {
        ("2026-11-01T00:00:00Z", "2026-11-28T00:00:00Z")
    }


def test_services_regions_and_accounts_look_like_an_aws_ml_org(
    rows: list[dict[str, str]],
) -> None:
    services = {r["ServiceName"] for r in rows}
    assert {
        "Amazon Elastic Compute Cloud",
        "Amazon SageMaker",
        "Amazon Simple Storage Service",
        "Amazon Elastic Block Store",
        "AWS Data Transfer",
        "Amazon CloudWatch",
        "AWS Support (Business)",
    } <= services
    assert {r["RegionId"] for r in rows} - {""} == {"us-east-1", "us-west-2", "eu-west-1"}
    accounts = {r["SubAccountName"]: r["SubAccountId"] for r in rows}
    assert {"ml-research", "ml-prod", "data-platform"} <= accounts.keys()
    assert all(re.fullmatch(r"\d{12}", account_id) for account_id in accounts.values())
    resource_ids = {r["ResourceId"] for r in rows}
    instance_arn = re.compile(r"arn:aws:ec2:[a-z0-9-]+:\d{12}:instance/i-0[0-9a-f]{16}")
    assert any(instance_arn.fullmatch(resource_id) for resource_id in resource_ids)
    assert "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-xgb-v3-prod" in resource_ids


def test_gpu_training_comes_in_bursts(rows: list[dict[str, str]]) -> None:
    p4d_days = {r["ChargePeriodStart"] for r in rows if "p4d.24xlarge" in r["ChargeDescription"]}
    assert 5 <= len(p4d_days) <= DAYS // 2
    notebook_days = {
        _day(r["ChargePeriodStart"]).weekday()
        for r in rows
        if r["ResourceType"] == "Notebook Instance"
    }
    assert notebook_days <= {0, 1, 2, 3, 4}


def test_main_projects_are_present(rows: list[dict[str, str]]) -> None:
    projects = {
        value.strip().lower()
        for row in rows
        for key, value in _tags(row).items()
        if key.strip().lower().removeprefix("user:") in PROJECT_KEYS
    }
    assert {"fraud-detection", "recsys", "llm-chat", "churn-model", "platform"} <= projects
    models = {_tags(r).get("model") for r in rows}
    assert {"fraud-xgb-v3", "recsys-two-tower", "llama-chat-8b"} <= models


def test_about_eight_percent_of_resource_days_are_untagged(rows: list[dict[str, str]]) -> None:
    resource_days = [r for r in rows if r["ResourceId"] and _is_daily(r)]
    untagged = sum(1 for r in resource_days if not r["Tags"])
    assert 0.04 <= untagged / len(resource_days) <= 0.14
    for row in rows:
        if row["Tags"]:
            tags = json.loads(row["Tags"])
            assert tags and all(isinstance(v, str) for v in tags.values())


def test_tags_are_messy_like_a_real_org(rows: list[dict[str, str]]) -> None:
    keys = {key for row in rows for key in _tags(row)}
    expected = {
        "Project",
        " project ",
        "project_name",
        "app",
        "Team",
        "cost_center",
        "user:project",
    }
    assert expected <= keys
    project_values = [v for r in rows for k, v in _tags(r).items() if k == "project"]
    assert any(v != v.lower() for v in project_values), "some values differ in case"
    assert any(_tags(r).keys() == {"owner"} for r in rows), "some resources carry only an owner"


def test_one_untagged_resource_in_ml_research_needs_the_account_fallback(
    rows: list[dict[str, str]],
) -> None:
    research = [r for r in rows if r["SubAccountName"] == "ml-research" and r["ResourceId"]]
    untagged = {r["ResourceName"] for r in research if not r["Tags"]}
    assert untagged == {"research-sandbox"}


def test_total_effective_cost_is_plausible(demo_paths: list[Path]) -> None:
    frame = pd.concat(pd.read_csv(p, dtype={"Tags": str}) for p in demo_paths)
    total = frame["EffectiveCost"].sum()
    # A few hundred thousand dollars a year: 90 days are roughly $50k to $110k.
    assert 50_000 < total < 110_000
    assert frame["BilledCost"].sum() == pytest.approx(total)


def test_writes_into_a_new_directory_and_defaults_to_today(tmp_path: Path) -> None:
    before = datetime.now(UTC).date()
    paths = write_demo_data(tmp_path / "a" / "b", days=1, seed=3)
    after = datetime.now(UTC).date()
    assert len(paths) == 1 and paths[0].parent == tmp_path / "a" / "b"
    days = {r["ChargePeriodStart"][:10] for r in _read_rows(paths) if _is_daily(r)}
    assert days <= {before.isoformat(), after.isoformat()} and len(days) == 1


@pytest.mark.parametrize("days", [0, -1, 1001, 2.5, True, "90"])
def test_rejects_a_bad_number_of_days(days: object, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="days must be"):
        write_demo_data(tmp_path, days=days, seed=0, end=END)  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_the_incident_adds_a_stalled_gpu_job_on_its_day_and_changes_nothing_else(tmp_path: Path):
    incident = date(2026, 11, 25)
    plain = _read_rows(write_demo_data(tmp_path / "plain", days=30, seed=7, end=END))
    with_incident = _read_rows(
        write_demo_data(tmp_path / "incident", days=30, seed=7, end=END, incident_on=incident)
    )
    added = [row for row in with_incident if row not in plain]
    assert [row for row in with_incident if row in plain] == plain  # the fleet is as it was
    assert {row["ResourceName"] for row in added} == {
        "recsys-train-p4d-stalled-1",
        "recsys-train-p4d-stalled-2",
    }
    assert {_day(row["ChargePeriodStart"]) for row in added} == {incident}
    assert all(_tags(row)["project"] == "recsys" for row in added)
    cost = sum(Decimal(row["EffectiveCost"]) for row in added)
    assert cost == 2 * 24 * Decimal("32.7726")


def test_the_gpu_pool_bills_every_day_and_its_usage_export_runs_a_day_behind(tmp_path):
    usage = tmp_path / "usage" / "gpu-pool-usage.csv"
    rows = _read_rows(write_demo_data(tmp_path / "data", days=5, seed=0, end=END, usage_file=usage))
    pool = [r for r in rows if '"project":"gpu-pool"' in r["Tags"]]
    assert {r["ChargePeriodStart"][:10] for r in pool} == {
        (END - timedelta(days=n)).isoformat() for n in range(5)
    }
    with usage.open(encoding="utf-8") as handle:
        measured = list(csv.DictReader(handle))
    days = sorted({r["day"] for r in measured})
    assert days == [(END - timedelta(days=n)).isoformat() for n in range(4, 0, -1)]
    assert {r["project"] for r in measured} == {
        "llm-chat",
        "recsys",
        "fraud-detection",
        "churn-model",
    }
    assert all(Decimal(r["gpu_hours"]) > 0 for r in measured)
    assert not list((tmp_path / "data").glob("*usage*"))  # never read as billing data
