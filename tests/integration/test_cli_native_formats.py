"""`costbot ingest --format aws-cur|azure` against a real store, then asked what things cost."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pandas as pd
import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import FIXTURES
from tests.unit.test_aws_cur_convert import every_line_item_type_rows, write_cur_csv

EXPORTS = FIXTURES / "provider_exports"
CUR_SAMPLE = EXPORTS / "aws_cur_legacy_sample-anonymous-aws-export-dataset.csv"
runner = CliRunner()


@pytest.fixture
def cli(store, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", "2024-06-30")

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


def cents(value: D) -> float:
    return float(value.quantize(D("0.01"), ROUND_HALF_UP))


def test_a_cur_sample_is_ingested_and_totals_what_it_bills(cli):
    raw = pd.read_csv(CUR_SAMPLE, dtype=str, keep_default_na=False)
    expected = sum((D(v or "0") for v in raw["lineItem/UnblendedCost"]), D(0))

    code, out, err = cli("ingest", "--format", "aws-cur", "--source", "cur", str(CUR_SAMPLE))
    assert code == 0, err
    assert "rows read      1,281" in out and "rows rejected  0" in out

    code, out, _ = cli("top", "service", "--period", "2023-11", "--json")
    assert code == 0
    assert json.loads(out)["total"] == cents(expected)


def test_cur_line_items_are_amortised_per_project(cli, tmp_path):
    report = write_cur_csv(tmp_path / "report.csv.gz", every_line_item_type_rows())
    code, _, err = cli("ingest", "--format", "aws-cur", str(report))
    assert code == 0, err

    alpha = json.loads(cli("cost", "project", "alpha", "--period", "2024-06", "--json")[1])
    beta = json.loads(cli("cost", "project", "beta", "--period", "2024-06", "--json")[1])
    assert (alpha["total"], beta["total"]) == (13.25, 4.5)
    assert alpha["cost_basis"] == "effective"


def test_azure_exports_are_ingested_by_currency(cli):
    code, _, err = cli("ingest", "--format", "azure", "--source", "azure", str(EXPORTS))
    # The folder also holds the CUR sample: it is no Azure export, and nothing is ingested.
    assert code == 1
    assert "not an Azure cost export" in err

    path = EXPORTS / "azure_ea_sample-anonymous-ea-export-dataset.csv"
    code, _, err = cli("ingest", "--format", "azure", "--source", "azure", str(path))
    assert code == 0, err
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected = sum((D(v) for v in raw["CostInBillingCurrency"]), D(0))
    report = json.loads(cli("top", "account", "--period", "2023-09", "--json")[1])
    assert (report["currency"], report["total"]) == ("CAD", cents(expected))


def test_an_unknown_format_is_refused_with_the_choices(cli):
    code, _, err = cli("ingest", "--format", "gcp", str(CUR_SAMPLE))
    assert code == 2
    assert "focus" in err and "aws-cur" in err and "azure" in err


def test_the_focus_format_points_a_cur_to_its_own_format(cli):
    code, _, err = cli("ingest", str(CUR_SAMPLE))
    assert code == 1
    assert "--format aws-cur" in err
