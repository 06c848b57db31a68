"""Azure EA/MCA cost exports to FOCUS: the public samples against an independent computation,
actual or amortized told apart, dates, tags and charge types."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

from bot.domain.allocation import AllocationRules
from bot.sources.azure_cost_export.files import AzureExportFiles, azure_input
from tests.conftest import FIXTURES
from tests.helpers import aggregates_of, sums

EXPORTS = FIXTURES / "provider_exports"
ACTUAL = EXPORTS / "azure_ea_actualcost_small_finops-toolkit.csv"
AMORTIZED = EXPORTS / "azure_ea_amortizedcost_small_finops-toolkit.csv"
EA_SAMPLE = EXPORTS / "azure_ea_sample-anonymous-ea-export-dataset.csv"
READ_QUANTUM = D("1e-12")


def aggregates(paths: list[Path], cost_type: str = "auto") -> pd.DataFrame:
    return aggregates_of(AzureExportFiles(AllocationRules(), cost_type).open(paths))


def independent_daily_totals(path: Path) -> dict:
    """Per (currency, day) from the raw columns: an export's rows are each one day's charge.
    costbot reads amounts to 12 decimal places (rounding half to even), beyond the 9 it stores;
    these exports write up to 22."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cost = next(c for c in ("CostInBillingCurrency", "Cost") if c in raw)
    currency = next(c for c in ("BillingCurrencyCode", "BillingCurrency") if c in raw)
    days = pd.to_datetime(raw["Date"], format="%m/%d/%Y").dt.date
    totals: dict = defaultdict(D)
    for code, day, amount in zip(raw[currency], days, raw[cost], strict=True):
        totals[(code, day)] += D(amount or "0").quantize(READ_QUANTUM, ROUND_HALF_EVEN)
    return dict(totals)


@pytest.mark.parametrize("path", [ACTUAL, AMORTIZED, EA_SAMPLE], ids=lambda p: p.stem)
def test_the_samples_equal_an_independent_computation(path):
    expected = independent_daily_totals(path)
    frame = aggregates([path])
    # One export holds one basis: both stored columns carry its cost.
    assert sums(frame, ["currency", "day"], "billed_cost") == expected
    assert sums(frame, ["currency", "day"], "effective_cost") == expected
    assert all(value != 0 for value in expected.values())


def test_subscriptions_services_regions_and_the_billing_period_are_kept():
    frame = aggregates([EA_SAMPLE])
    assert set(frame["sub_account_name"]) == {"sub-example"}
    assert "Virtual Network" in set(frame["service_name"])
    assert "CentralUS" in set(frame["region"])
    assert set(frame["partition"].str.slice(0, 13)) == {"bp:2023-09-01"}
    assert set(frame["billing_account_id"]) == {"12345678"}
    assert set(frame["provider"]) == {"Microsoft"}


def test_tags_without_their_braces_allocate(tmp_path):
    frame = aggregates([ACTUAL])
    # `"CostCenter": "1234","env": "prod",...,"application": "databricks"`
    assert "databricks" in set(frame["project"].dropna())
    assert "prod" in set(frame["environment"].dropna())


@pytest.mark.parametrize(
    ("source", "expected"),
    [(ACTUAL, "actual"), (AMORTIZED, "amortized"), (EA_SAMPLE, "actual")],
    ids=["purchase", "amortised-usage", "no-commitments"],
)
def test_the_cost_type_is_told_by_the_rows_when_the_name_does_not_say(tmp_path, source, expected):
    path = tmp_path / "part_0_0001.csv"
    shutil.copy(source, path)
    [billing_file] = AzureExportFiles(AllocationRules()).open([path])
    assert billing_file.label == f"{path} ({expected} cost)"


def test_the_cost_type_is_told_by_the_file_name_and_config_overrides_both(tmp_path):
    assert azure_input(AMORTIZED, AllocationRules()).label.endswith("(amortized cost)")
    named = tmp_path / "ActualCost_202309.csv"
    shutil.copy(AMORTIZED, named)
    assert azure_input(named, AllocationRules()).label.endswith("(actual cost)")
    told = azure_input(AMORTIZED, AllocationRules(), cost_type="actual")
    assert told.label.endswith("(actual cost)")
    with pytest.raises(ValueError, match="use one of actual, amortized, auto"):
        azure_input(AMORTIZED, AllocationRules(), cost_type="billed")


def _mca_export(path: Path, rows: list[dict[str, str]]) -> Path:
    header = [
        "billingAccountId",
        "billingPeriodStartDate",
        "date",
        "subscriptionId",
        "meterCategory",
        "resourceLocation",
        "costInBillingCurrency",
        "billingCurrency",
        "chargeType",
        "pricingModel",
        "tags",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    "billingAccountId": "acct",
                    "billingPeriodStartDate": "2024-06-01",
                    "subscriptionId": "sub-1",
                    "meterCategory": "Virtual Machines",
                    "resourceLocation": "westeurope",
                    "billingCurrency": "EUR",
                    "pricingModel": "OnDemand",
                    "tags": "",
                    **row,
                }
            )
    return path


def test_mca_spellings_iso_dates_and_charge_types(tmp_path):
    path = _mca_export(
        tmp_path / "export.csv",
        [
            {"date": "2024-06-03", "costInBillingCurrency": "5", "chargeType": "Usage"},
            {"date": "2024-06-03T00:00:00Z", "costInBillingCurrency": "2", "chargeType": "Tax"},
            {"date": "06/04/2024", "costInBillingCurrency": "-1.5", "chargeType": "Refund"},
            {
                "date": "2024-06-04",
                "costInBillingCurrency": "0.25",
                "chargeType": "UnusedReservation",
                "pricingModel": "Reservation",
            },
            {"date": "2024-06-04", "costInBillingCurrency": "0.01", "chargeType": "Rounding"},
        ],
    )
    [billing_file] = AzureExportFiles(AllocationRules()).open([path])
    assert billing_file.label.endswith("(amortized cost)")  # unused reservations say so
    frame = aggregates([path])
    assert sums(frame, ["day"], "effective_cost") == {
        pd.Timestamp("2024-06-03").date(): D(7),
        pd.Timestamp("2024-06-04").date(): D("-1.24"),
    }
    assert sums(frame, ["charge_category"], "billed_cost") == {
        "Usage": D("5.25"),
        "Tax": D(2),
        "Credit": D("-1.5"),
        "Adjustment": D("0.01"),
    }
    assert set(frame["currency"]) == {"EUR"}


def test_an_unreadable_date_rejects_its_row(tmp_path):
    path = _mca_export(
        tmp_path / "export.csv",
        [
            {"date": "2024-06-03", "costInBillingCurrency": "5", "chargeType": "Usage"},
            {"date": "next tuesday", "costInBillingCurrency": "5", "chargeType": "Usage"},
        ],
    )
    [billing_file] = AzureExportFiles(AllocationRules()).open([path])
    [batch] = list(billing_file.batches())
    assert batch.rows_rejected == 1
    assert "ChargePeriodStart 'next tuesday'" in batch.rejections[0].reason


def test_a_file_that_is_no_azure_export_is_refused(tmp_path):
    path = tmp_path / "focus.csv"
    path.write_text("BilledCost,EffectiveCost,ChargePeriodStart\n1,1,2024-01-01\n")
    with pytest.raises(ValueError, match="not an Azure cost export"):
        AzureExportFiles(AllocationRules()).open([path])
