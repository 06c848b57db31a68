"""GetCostAndUsage pages into FOCUS-named text tables: what each field becomes, and what a
missing or malformed field does."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest
from pydantic import ValidationError

from bot.domain.allocation import AllocationRules
from bot.services.snapshot_ports import SourceError
from bot.sources.aws_cost_explorer.config import CostExplorerConfig
from bot.sources.aws_cost_explorer.conversion import Window, page_rows
from bot.sources.aws_cost_explorer.source import utc_today, window_ending
from bot.sources.focus.tables import FocusTablesFile

WINDOW = Window(first=date(2026, 11, 28), last=date(2026, 12, 1))


def _group(tag: str, service: str, amortized="1.5", unblended="1.25", unit="USD") -> dict:
    return {
        "Keys": [tag, service],
        "Metrics": {
            "AmortizedCost": {"Amount": amortized, "Unit": unit},
            "UnblendedCost": {"Amount": unblended, "Unit": unit},
        },
    }


def _page(*groups: dict, start="2026-11-30", end="2026-12-01", **result) -> dict:
    return {
        "ResultsByTime": [
            {"TimePeriod": {"Start": start, "End": end}, "Groups": list(groups), **result}
        ]
    }


def _rows(page: dict, tag_key: str = "project") -> list[dict]:
    return page_rows(page, tag_key=tag_key, window=WINDOW).table.to_pylist()


def test_a_group_becomes_one_focus_row_of_text():
    [row] = _rows(_page(_group("project$fraud-detection", "Amazon SageMaker")))
    assert row == {
        "ChargePeriodStart": "2026-11-30T00:00:00Z",
        "ChargePeriodEnd": "2026-12-01T00:00:00Z",
        "BilledCost": "1.25",
        "EffectiveCost": "1.5",
        "BillingCurrency": "USD",
        "ProviderName": "AWS",
        "ServiceName": "Amazon SageMaker",
        "ServiceCategory": "AI and Machine Learning",
        "ChargeCategory": "Usage",
        "Tags": '{"project": "fraud-detection"}',
    }


def test_the_configured_tag_key_names_the_tag():
    [row] = _rows(_page(_group("CostCenter$ml-research", "AWS Lambda")), tag_key="CostCenter")
    assert json.loads(row["Tags"]) == {"CostCenter": "ml-research"}


def test_a_group_without_the_tag_is_unallocated():
    [row] = _rows(_page(_group("project$", "Amazon Simple Storage Service")))
    assert row["Tags"] == "{}"


def test_tax_refund_and_credit_are_no_usage():
    rows = _rows(
        _page(
            _group("project$", "Tax"),
            _group("project$", "Refund", "-3", "-3"),
            _group("project$fraud-detection", "Credit", "-1", "-1"),
        )
    )
    assert [(r["ServiceName"], r["ChargeCategory"]) for r in rows] == [
        ("Tax", "Tax"),
        ("Refund", "Credit"),
        ("Credit", "Credit"),
    ]
    assert rows[0]["ServiceCategory"] is None  # no category is guessed


def test_group_definitions_say_where_each_key_is():
    page = _page({**_group("Amazon SageMaker", "project$recsys")})
    page["GroupDefinitions"] = [
        {"Type": "DIMENSION", "Key": "SERVICE"},
        {"Type": "TAG", "Key": "project"},
    ]
    [row] = _rows(page)
    assert (row["ServiceName"], row["Tags"]) == ("Amazon SageMaker", '{"project": "recsys"}')


def test_amounts_stay_exact_and_plain():
    [row] = _rows(_page(_group("project$a", "AWS Lambda", "1.5E-7", "0.1000000001")))
    assert (row["EffectiveCost"], row["BilledCost"]) == ("0.00000015", "0.1000000001")


def test_only_estimated_days_are_provisional():
    page = _page(_group("project$a", "AWS Lambda"), Estimated=True)
    page["ResultsByTime"].append(
        {"TimePeriod": {"Start": "2026-11-29", "End": "2026-11-30"}, "Estimated": False}
    )
    page["ResultsByTime"].append({"TimePeriod": {"Start": "2026-11-28"}})
    rows = page_rows(page, tag_key="project", window=WINDOW)
    assert rows.estimated_days == frozenset({date(2026, 11, 30)})
    # Days answered without any cost are part of what the answer covers.
    assert rows.answered_days == {date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30)}


@pytest.mark.parametrize(
    "page",
    [{}, {"ResultsByTime": None}, {"ResultsByTime": []}, _page(), {"NextPageToken": "x"}],
)
def test_a_page_without_results_or_groups_is_no_rows(page):
    rows = page_rows(page, tag_key="project", window=WINDOW)
    assert rows.table.num_rows == 0
    assert rows.table.schema.field("BilledCost").type == pa.string()


def test_a_missing_end_is_the_next_day_and_missing_keys_are_unallocated():
    page = {"ResultsByTime": [{"TimePeriod": {"Start": "2026-11-30"}, "Groups": [{}]}]}
    page["ResultsByTime"][0]["Groups"][0]["Metrics"] = _group("x", "y")["Metrics"]
    [row] = _rows(page)
    assert row["ChargePeriodEnd"] == "2026-12-01T00:00:00Z"
    assert (row["ServiceName"], row["Tags"], row["ChargeCategory"]) == (None, "{}", "Usage")


@pytest.mark.parametrize(
    ("group", "said"),
    [
        (_group("project$a", "AWS Lambda", amortized="12,50"), "Amount '12,50' for the "),
        (_group("project$a", "AWS Lambda", amortized="NaN"), "Amount 'NaN' for the "),
        (_group("project$a", "AWS Lambda", unblended=""), "Amount '' for the UnblendedCost"),
        (_group("project$a", "AWS Lambda", unblended=None), "no Amount for the UnblendedCost"),
        (_group("project$a", "AWS Lambda", unit=None), "no currency (Unit)"),
        ({"Keys": ["project$a", "AWS Lambda"]}, "no Amount for the AmortizedCost"),
    ],
)
def test_a_malformed_metric_names_its_day_and_group(group, said):
    with pytest.raises(SourceError) as raised:
        _rows(_page(group))
    assert said in str(raised.value)
    assert "2026-11-30, group project$a / AWS Lambda" in str(raised.value)
    assert raised.value.retryable is False


def test_metrics_in_two_currencies_in_one_group_are_refused():
    group = _group("project$a", "AWS Lambda")
    group["Metrics"]["UnblendedCost"]["Unit"] = "EUR"
    with pytest.raises(SourceError, match="different currencies"):
        _rows(_page(group))


@pytest.mark.parametrize(
    ("result", "said"),
    [
        ({"TimePeriod": {"Start": "2026-11-27", "End": "2026-11-28"}}, "outside the window"),
        ({"TimePeriod": {"Start": "2026-12-01", "End": "2026-12-03"}}, "outside the window"),
        ({"TimePeriod": {"Start": "30/11/2026"}}, "is not a date"),
        ({"TimePeriod": {}}, "without a TimePeriod.Start"),
        ({"Groups": "none"}, "without a TimePeriod.Start"),
        ({"TimePeriod": {"Start": "2026-11-30"}, "Groups": "none"}, "is not a list"),
    ],
)
def test_a_result_that_cannot_be_placed_is_refused(result, said):
    with pytest.raises(SourceError, match=said):
        page_rows({"ResultsByTime": [result]}, tag_key="project", window=WINDOW)


def test_groups_in_two_currencies_are_stored_apart():
    page = _page(
        _group("project$a", "AWS Lambda", "2", "2", unit="USD"),
        _group("project$a", "AWS Lambda", "3", "3", unit="CNY"),
    )
    tables = [page_rows(page, tag_key="project", window=WINDOW).table]
    billing_input = FocusTablesFile("GetCostAndUsage test", lambda: iter(tables), AllocationRules())
    [batch] = billing_input.batches()
    found = {
        (row["currency"], row["project"]): row["effective_cost"]
        for row in batch.aggregates.to_pylist()
    }
    assert found == {("USD", "a"): Decimal(2), ("CNY", "a"): Decimal(3)}
    assert batch.rows_rejected == 0


def test_the_window_is_the_last_days_up_to_today_in_utc():
    # 20:30 in New York on 1 December is already 2 December in UTC.
    evening = datetime(2026, 12, 1, 20, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_today(evening) == date(2026, 12, 2)
    assert utc_today(datetime(2026, 12, 1, 23, 59, tzinfo=UTC)) == date(2026, 12, 1)
    window = window_ending(date(2026, 12, 1), 14)
    assert (window.first, window.last, window.end) == (
        date(2026, 11, 18),
        date(2026, 12, 1),
        date(2026, 12, 2),
    )
    assert str(window) == "2026-11-18..2026-12-01"


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ({"lookback_days": 0}, "greater than or equal to 1"),
        ({"lookback_days": 366}, "less than or equal to 365"),
        ({"tag_key": "project$x"}, "no AWS tag key"),
        ({"tag_key": " "}, "tag_key is empty"),
        ({"access_key": "AKIA..."}, "Extra inputs are not permitted"),
    ],
)
def test_config_refuses_what_cannot_work(keys, said):
    with pytest.raises(ValidationError, match=said):
        CostExplorerConfig.model_validate({"name": "aws-ce", "type": "aws_cost_explorer", **keys})
