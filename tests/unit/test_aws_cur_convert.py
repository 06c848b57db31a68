"""Legacy AWS CUR files to FOCUS: the public sample against an independent computation, and a
hand-made report with every line item type, in CSV, gzip'd CSV and Parquet."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bot.domain.allocation import AllocationRules
from bot.sources.aws_cur.files import AwsCurFiles
from tests.conftest import FIXTURES
from tests.helpers import aggregates_of, sums

SAMPLE = FIXTURES / "provider_exports" / "aws_cur_legacy_sample-anonymous-aws-export-dataset.csv"
STORED_QUANTUM = D("1e-9")


def aggregates(paths: list[Path]) -> pd.DataFrame:
    """Every daily aggregate the converter and the FOCUS normaliser make of the files."""
    return aggregates_of(AwsCurFiles(AllocationRules()).open(paths))


# --- the public sample, against pandas ------------------------------------------------------


def _independent_daily_totals() -> tuple[dict, dict, dict]:
    """Per (currency, day): unblended cost, spread evenly over the UTC days a charge touches;
    and how many spread charges fall on each day (each may be off by its last share's rounding).
    The sample has only Usage and Tax line items, whose effective cost is the unblended cost."""
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    assert set(raw["lineItem/LineItemType"]) == {"Usage", "Tax"}
    start = pd.to_datetime(raw["lineItem/UsageStartDate"], utc=True)
    end = pd.to_datetime(raw["lineItem/UsageEndDate"], utc=True)
    first = start.dt.floor("D")
    last = (end - pd.Timedelta(1, "ns")).dt.floor("D").where(end > start, first)
    totals: dict = defaultdict(D)
    spread: dict = defaultdict(int)
    exact: dict = defaultdict(D)
    for currency, cost, day0, day1 in zip(
        raw["lineItem/CurrencyCode"], raw["lineItem/UnblendedCost"], first, last, strict=True
    ):
        amount = D(cost or "0")
        exact[currency] += amount
        days = pd.date_range(day0, day1, freq="D")
        for day in days:
            totals[(currency, day.date())] += amount / len(days)
            if len(days) > 1:
                spread[(currency, day.date())] += len(days)
    return dict(totals), dict(spread), dict(exact)


def test_the_sample_totals_equal_an_independent_computation():
    expected, spread, exact = _independent_daily_totals()
    frame = aggregates([SAMPLE])

    for column in ("billed_cost", "effective_cost"):
        assert sums(frame, ["currency"], column) == exact
        daily = sums(frame, ["currency", "day"], column)
        assert daily.keys() == expected.keys()
        for key, value in expected.items():
            assert abs(daily[key] - value) <= STORED_QUANTUM * (spread.get(key, 0) + 1), key
    assert exact["USD"] != 0


def test_the_sample_keeps_accounts_services_and_its_billing_period():
    frame = aggregates([SAMPLE])
    assert set(frame["billing_account_id"]) == {"123412340534"}
    assert set(frame["partition"].str.slice(0, 13)) == {"bp:2023-11-01"}
    assert "AWS CloudTrail" in set(frame["service_name"])
    assert set(frame["charge_category"]) == {"Usage", "Tax"}
    assert set(frame["provider"]) == {"AWS"}


# --- every line item type -------------------------------------------------------------------

HOUR = ("2024-06-03T10:00:00Z", "2024-06-03T11:00:00Z")
MONTH = ("2024-06-01T00:00:00Z", "2024-07-01T00:00:00Z")
RI = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1"
SP = "arn:aws:savingsplans::111111111111:savingsplan/sp-1"

# (type, unblended, period, project, extra columns)
LINE_ITEMS = [
    ("Usage", "10.00", HOUR, "alpha", {}),
    ("DiscountedUsage", "0", HOUR, "alpha", {"reservation/EffectiveCost": "4.25", "ri": RI}),
    (
        "SavingsPlanCoveredUsage",
        "8.00",
        HOUR,
        "beta",
        {"savingsPlan/SavingsPlanEffectiveCost": "5.5", "sp": SP},
    ),
    ("SavingsPlanNegation", "-8.00", HOUR, "beta", {"sp": SP}),
    (
        "SavingsPlanRecurringFee",
        "7.00",
        MONTH,
        "",
        {"savingsPlan/TotalCommitmentToDate": "7.00", "savingsPlan/UsedCommitment": "5.5"},
    ),
    ("SavingsPlanUpfrontFee", "100", MONTH, "", {"sp": SP}),
    (
        "RIFee",
        "3.00",
        MONTH,
        "",
        {
            "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "0.4",
            "reservation/UnusedRecurringFee": "0.35",
            "ri": RI,
        },
    ),
    ("Fee", "50", MONTH, "", {"ri": RI}),  # an RI's upfront fee: amortised into its usage
    ("Fee", "2.00", MONTH, "alpha", {}),
    ("Tax", "1.20", MONTH, "", {}),
    ("Credit", "-3.00", MONTH, "alpha", {}),
    ("Refund", "-1.00", MONTH, "beta", {}),
]
CSV_COLUMNS = {
    "bill/PayerAccountId": "bill_payer_account_id",
    "bill/BillingPeriodStartDate": "bill_billing_period_start_date",
    "lineItem/UsageAccountId": "line_item_usage_account_id",
    "lineItem/LineItemType": "line_item_line_item_type",
    "lineItem/UsageStartDate": "line_item_usage_start_date",
    "lineItem/UsageEndDate": "line_item_usage_end_date",
    "lineItem/ProductCode": "line_item_product_code",
    "lineItem/ResourceId": "line_item_resource_id",
    "lineItem/UsageAmount": "line_item_usage_amount",
    "lineItem/CurrencyCode": "line_item_currency_code",
    "lineItem/UnblendedCost": "line_item_unblended_cost",
    "product/region": "product_region",
    "reservation/EffectiveCost": "reservation_effective_cost",
    "reservation/ReservationARN": "reservation_reservation_a_r_n",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": (
        "reservation_unused_amortized_upfront_fee_for_billing_period"
    ),
    "reservation/UnusedRecurringFee": "reservation_unused_recurring_fee",
    "savingsPlan/SavingsPlanARN": "savings_plan_savings_plan_a_r_n",
    "savingsPlan/SavingsPlanEffectiveCost": "savings_plan_savings_plan_effective_cost",
    "savingsPlan/TotalCommitmentToDate": "savings_plan_total_commitment_to_date",
    "savingsPlan/UsedCommitment": "savings_plan_used_commitment",
    "resourceTags/user:project": "resource_tags_user_project",
}
NUMERIC = {
    "lineItem/UsageAmount",
    "lineItem/UnblendedCost",
    "reservation/EffectiveCost",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedRecurringFee",
    "savingsPlan/SavingsPlanEffectiveCost",
    "savingsPlan/TotalCommitmentToDate",
    "savingsPlan/UsedCommitment",
}
TIMES = {"bill/BillingPeriodStartDate", "lineItem/UsageStartDate", "lineItem/UsageEndDate"}

EXPECTED_BY_PROJECT = {
    # billed: unblended; effective: AWS's amortisation
    "alpha": (D("9.00"), D("13.25")),  # 10 + 0 + 2 - 3 ; 10 + 4.25 + 2 - 3
    "beta": (D("-1.00"), D("4.5")),  # 8 - 8 - 1 ; 5.5 + 0 - 1
    None: (D("161.20"), D("3.45")),  # 7 + 100 + 3 + 50 + 1.2 ; 1.5 + 0 + 0.75 + 0 + 1.2
}


def every_line_item_type_rows() -> list[dict[str, str]]:
    rows = []
    for index, (kind, cost, (start, end), project, extra) in enumerate(LINE_ITEMS):
        row = dict.fromkeys(CSV_COLUMNS, "")
        extra = dict(extra)
        row.update(
            {
                "bill/PayerAccountId": "111111111111",
                "bill/BillingPeriodStartDate": "2024-06-01T00:00:00Z",
                "lineItem/UsageAccountId": "222222222222",
                "lineItem/LineItemType": kind,
                "lineItem/UsageStartDate": start,
                "lineItem/UsageEndDate": end,
                "lineItem/ProductCode": "AmazonEC2",
                "lineItem/ResourceId": f"i-{index}",
                "lineItem/UsageAmount": "1",
                "lineItem/CurrencyCode": "USD",
                "lineItem/UnblendedCost": cost,
                "product/region": "us-east-1",
                "resourceTags/user:project": project,
            }
        )
        row["reservation/ReservationARN"] = extra.pop("ri", "")
        row["savingsPlan/SavingsPlanARN"] = extra.pop("sp", "")
        row.update(extra)
        rows.append(row)
    return rows


def write_cur_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_cur_parquet(path: Path, rows: list[dict[str, str]]) -> Path:
    """As AWS writes Parquet CUR: snake_case names, doubles for amounts, UTC timestamps."""
    arrays = {}
    for name in rows[0]:
        values = [row[name] or None for row in rows]
        if name in NUMERIC:
            array = pa.array([None if v is None else float(v) for v in values], pa.float64())
        elif name in TIMES:
            stamps = [None if v is None else pd.Timestamp(v) for v in values]
            array = pa.array(stamps, pa.timestamp("ms", tz="UTC"))
        else:
            array = pa.array(values, pa.string())
        arrays[CSV_COLUMNS[name]] = array
    pq.write_table(pa.table(arrays), path)
    return path


@pytest.fixture(params=["report.csv", "report.csv.gz", "report.parquet"])
def every_type_report(request, tmp_path) -> Path:
    path = tmp_path / request.param
    if request.param.endswith(".parquet"):
        return write_cur_parquet(path, every_line_item_type_rows())
    return write_cur_csv(path, every_line_item_type_rows())


def test_each_line_item_type_is_amortised_as_aws_does(every_type_report):
    frame = aggregates([every_type_report])
    billed = sums(frame, ["project"], "billed_cost")
    effective = sums(frame, ["project"], "effective_cost")
    by_project = {(None if pd.isna(key) else key): (billed[key], effective[key]) for key in billed}
    assert by_project == EXPECTED_BY_PROJECT


def test_line_item_types_become_focus_charge_categories(every_type_report):
    frame = aggregates([every_type_report])
    assert sums(frame, ["charge_category"], "billed_cost") == {
        "Usage": D("10.00"),
        "Purchase": D("162.00"),
        "Tax": D("1.20"),
        "Credit": D("-4.00"),
    }


def test_monthly_fees_are_spread_over_the_month_and_usage_stays_on_its_day(every_type_report):
    frame = aggregates([every_type_report])
    days = sums(frame, ["day"], "effective_cost")
    assert len(days) == 30
    usage_day = D("10.00") + D("4.25") + D("5.5")
    month_fees = D("1.5") + D("0.75") + D("2.00") + D("1.20") - D("3.00") - D("1.00")
    assert sum(days.values()) == usage_day + month_fees
    assert days[pd.Timestamp("2024-06-03").date()] > days[pd.Timestamp("2024-06-04").date()]


def test_a_report_without_the_columns_its_line_items_need_is_refused(tmp_path):
    rows = [
        {k: v for k, v in row.items() if not k.startswith("savingsPlan/")}
        for row in every_line_item_type_rows()
    ]
    [billing_file] = AwsCurFiles(AllocationRules()).open([write_cur_csv(tmp_path / "r.csv", rows)])
    with pytest.raises(ValueError, match="SavingsPlanCoveredUsage line items but no"):
        list(billing_file.batches())


def test_an_unreadable_fee_amount_rejects_its_row_naming_the_column(tmp_path):
    rows = every_line_item_type_rows()
    rows[6]["reservation/UnusedRecurringFee"] = "n/a"
    [billing_file] = AwsCurFiles(AllocationRules()).open([write_cur_csv(tmp_path / "r.csv", rows)])
    [batch] = list(billing_file.batches())
    assert batch.rows_rejected == 1
    assert "EffectiveCost 'n/a' is not a number" in batch.rejections[0].reason


def test_a_file_that_is_no_cur_is_refused_before_reading(tmp_path):
    path = tmp_path / "focus.csv"
    path.write_text("BilledCost,EffectiveCost\n1,1\n")
    with pytest.raises(ValueError, match="not an AWS Cost and Usage Report"):
        AwsCurFiles(AllocationRules()).open([path])


def test_cur_2_tag_maps_are_read_as_user_tags(tmp_path):
    table = pa.table(
        {
            "line_item_line_item_type": ["Usage"],
            "line_item_unblended_cost": [2.5],
            "line_item_usage_start_date": [pd.Timestamp(HOUR[0])],
            "line_item_usage_end_date": [pd.Timestamp(HOUR[1])],
            "line_item_currency_code": ["EUR"],
            "resource_tags": pa.array(
                [[("user_project", "gamma"), ("aws_created_by", "root")]],
                pa.map_(pa.string(), pa.string()),
            ),
        }
    )
    path = tmp_path / "cur2.parquet"
    pq.write_table(table, path)
    frame = aggregates([path])
    assert sums(frame, ["project", "currency"], "effective_cost") == {("gamma", "EUR"): D("2.5")}
