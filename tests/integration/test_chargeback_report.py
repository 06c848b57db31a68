"""`costbot report` on SQLite and PostgreSQL: after an ingest and a re-allocation, the rows of
the monthly chargeback add up to the month's bill, read apart with pandas from the files."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.cli_chargeback_render import CHECK_VALUE
from bot.cli_report import _chargeback_service
from bot.domain.chargeback import Month
from bot.domain.cost_rows import dimension_field
from bot.sources.demo import write_demo_data
from tests.conftest import FOCUS_FIXTURES

OCT = Month(2026, 10)
STORE_ROUNDING = Decimal("1e-6")
# Two rules: the support fee shared in proportion to each project's own cost, and untagged
# cost (no project) shared evenly among the projects with cost that day.
RULES = [
    {"name": "support", "match": {"service": "aws support (business)"}, "split": "proportional"},
    {"name": "untagged", "match": {"project": "(unallocated)"}, "split": "even"},
]


def pandas_month_bill(paths: list[Path], month: Month, column: str = "EffectiveCost") -> dict:
    """Exact per-currency sum of the month's charges in the FOCUS files, read without costbot
    (every charge of these files lies inside one month: checked, not assumed)."""
    frame = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths], ignore_index=True
    )
    starts = pd.to_datetime(frame["ChargePeriodStart"], utc=True)
    ends = pd.to_datetime(frame["ChargePeriodEnd"], utc=True)
    first = pd.Timestamp(month.start, tz="UTC")
    following = pd.Timestamp(month.following().start, tz="UTC")
    inside = (starts >= first) & (starts < following)
    assert (ends[inside] <= following).all(), "a charge crosses the month's end"
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in zip(
        frame.loc[inside, "BillingCurrency"], frame.loc[inside, column], strict=True
    ):
        totals[currency] += Decimal(amount) if amount not in ("", "NULL") else Decimal(0)
    return dict(totals)


def assert_same_bill(found: dict, expected: dict) -> None:
    """Per currency, equal far below a cent: the store keeps amounts to a nano-unit, so each
    of the file's lines (the demo writes ten places) may round by half of one."""
    assert set(found) == set(expected)
    for currency, cost in expected.items():
        assert abs(found[currency] - cost) <= STORE_ROUNDING, (currency, found[currency], cost)


@pytest.fixture
def demo_files(tmp_path) -> list[Path]:
    return write_demo_data(tmp_path / "demo", days=71, seed=7, end=date(2026, 11, 10))


@pytest.fixture
def shared_services(store, tmp_path, demo_files):
    config = tmp_path / "costbot.yml"
    config.write_text(yaml.safe_dump({"allocation": {"shared": RULES}}))
    services = store.build(config)
    services.ingest.ingest(demo_files, source="demo")
    services.shared.reallocate()
    return services, config


def test_rows_add_up_to_the_bill_after_a_reallocation(shared_services, demo_files):
    services, _config = shared_services
    report = _chargeback_service(services).report(OCT, "project")
    expected = pandas_month_bill(demo_files, OCT)
    assert_same_bill({s.currency: s.check.bill for s in report.sections}, expected)
    for section in report.sections:
        assert section.check.ok  # exact: rows against the store's own bill
        assert section.check.rows_total == section.check.bill
    assert_same_bill({s.currency: s.check.rows_total for s in report.sections}, expected)
    assert report.ok and report.complete
    rows = {row.name: row for row in report.rows}
    # The split moved cost: support left its origin and reached the projects.
    assert set(report.rules) == {"support", "untagged"}
    assert sum(row.received.get("support", Decimal(0)) for row in report.rows) > 0
    assert rows["(unallocated)"].given > 0
    assert rows["fraud-detection"].change is not None  # September is stored too


def test_each_total_is_the_allocated_cost_of_the_store(shared_services):
    """total = direct + received - given, as the store's own allocated sum gives it."""
    services, _config = shared_services
    report = _chargeback_service(services).report(OCT, "project")
    allocated = {
        (value, currency): cost
        for value, currency, cost in services.cost_store.sum_cost(
            OCT.start, OCT.end, "effective", group_by=(dimension_field("project"),), shared=True
        )
    }
    for row in report.rows:
        assert row.total == allocated[(row.value, row.currency)]
        assert row.total == row.direct + row.shared_received - row.given


@pytest.mark.parametrize("dimension", ["team", "service"])
def test_other_dimensions_add_up_too(shared_services, demo_files, dimension):
    services, _config = shared_services
    report = _chargeback_service(services).report(OCT, dimension)
    assert report.ok
    found = {s.currency: s.check.rows_total for s in report.sections}
    assert_same_bill(found, pandas_month_bill(demo_files, OCT))


def test_the_csv_printed_adds_up_to_the_files(store, shared_services, demo_files, monkeypatch):
    _services, config = shared_services
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    result = CliRunner().invoke(
        app, ["report", "--month", "2026-10", "--format", "csv", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    lines = list(csv.DictReader(io.StringIO(result.output)))
    assert "shared:support" in lines[0] and "shared:untagged" in lines[0]
    rows = [line for line in lines if line["value"] != CHECK_VALUE]
    checks = [line for line in lines if line["value"] == CHECK_VALUE]
    expected = pandas_month_bill(demo_files, OCT)
    bills = {c["currency"]: Decimal(c["bill"]) for c in checks}
    assert_same_bill(bills, {c: cost.quantize(Decimal("0.01")) for c, cost in expected.items()})
    assert [c["check"] for c in checks] == ["ok"]
    # Rounded to cents, each row is off by at most half a cent.
    for currency, cost in expected.items():
        shown = sum(Decimal(r["total"]) for r in rows if r["currency"] == currency)
        assert abs(shown - cost) <= Decimal("0.005") * len(rows)


def test_json_and_markdown(store, shared_services, monkeypatch):
    _services, config = shared_services
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    runner = CliRunner()
    base = ["report", "--month", "2026-10", "--config", str(config), "--dimension", "team"]
    body = json.loads(runner.invoke(app, [*base, "--format", "json"]).output)
    assert body["dimension"] == "team" and body["ok"] is True
    assert {"name", "currency", "direct", "shared_received", "total"} <= set(body["rows"][0])
    markdown = runner.invoke(app, base).output
    assert markdown.startswith("# Chargeback 2026-10 by team")
    assert ": ok." in markdown


def test_a_month_without_cost_and_bad_input(store, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    runner = CliRunner()
    empty = runner.invoke(app, ["report", "--month", "2020-01", "--format", "json"])
    assert empty.exit_code == 0
    assert json.loads(empty.output)["notes"] == ["No cost is stored for 2020-01."]
    bad = runner.invoke(app, ["report", "--month", "2020-1"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    bad = runner.invoke(app, ["report", "--month", "2020-01", "--dimension", "colour"])
    assert bad.exit_code == 2 and "Unknown dimension" in bad.output


def test_a_real_focus_fixture_adds_up(store):
    """The FOCUS 1.0 sample (September 2024, several providers' quirks) without any rule."""
    path = FOCUS_FIXTURES / "focus_sample_1.0.csv"
    store.services.ingest.ingest([path])
    report = _chargeback_service(store.services).report(Month(2024, 9), "project")
    assert report.ok
    found = {s.currency: s.check.rows_total for s in report.sections}
    assert_same_bill(found, pandas_month_bill([path], Month(2024, 9)))
    assert all(row.change is None for row in report.rows)  # no August stored


def test_changed_rules_are_applied_before_the_report(store, shared_services, tmp_path, monkeypatch):
    """As at the bot's start: the report of a config whose rules changed re-splits first."""
    _services, _config = shared_services
    changed = tmp_path / "changed.yml"
    rule = {"name": "support-even", "match": {"service": "aws support (business)"}, "split": "even"}
    changed.write_text(yaml.safe_dump({"allocation": {"shared": [rule]}}))
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    result = CliRunner().invoke(
        app, ["report", "--month", "2026-10", "--format", "json", "--config", str(changed)]
    )
    body = json.loads(result.output)
    assert body["rules"] == ["support-even"] and body["ok"] is True
    assert body["notes"] == []
