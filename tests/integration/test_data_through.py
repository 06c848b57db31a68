"""`data_through` is the last day with usage charges, not the last day a spread fee reaches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.domain.allocation import AllocationRules
from bot.domain.periods import parse_period
from bot.services.costs import CostService
from tests.helpers import FOCUS_HEADER, write_focus_csv

HEADER = [*FOCUS_HEADER, "ChargeCategory"]


def _usage(first: date, days: int, category: str = "Usage") -> list[dict]:
    return [
        {
            "EffectiveCost": "10",
            "ChargeCategory": category,
            "Tags": '{"project": "a"}',
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
        }
        for day in (first + timedelta(days=n) for n in range(days))
    ]


# A monthly fee for September, spread by the ingest over Sep 1 .. Sep 30.
MONTHLY_FEE = {
    "EffectiveCost": "300",
    "ChargeCategory": "Purchase",
    "ServiceName": "Support",
    "Tags": '{"project": "a"}',
    "ChargePeriodStart": "2024-09-01T00:00:00Z",
    "ChargePeriodEnd": "2024-10-01T00:00:00Z",
}


def test_a_monthly_fee_spread_to_the_30th_does_not_make_the_data_current(store, tmp_path):
    rows = [*_usage(date(2024, 9, 1), 10), MONTHLY_FEE]  # usage Sep 1 .. Sep 10
    store.services.ingest.ingest(
        [write_focus_csv(tmp_path / "aws.csv", rows, HEADER)], source="aws"
    )
    cost_store = store.services.cost_store

    assert cost_store.sum_cost(date(2024, 9, 30), date(2024, 9, 30), "effective") == [
        ("USD", Decimal(10))
    ]  # the fee does reach the 30th
    assert cost_store.data_through() == date(2024, 9, 10)
    assert cost_store.data_through_by_source() == {"aws": date(2024, 9, 10)}


def test_each_source_has_its_own_usage_day_and_purchases_only_fall_back(store, tmp_path):
    ingest = store.services.ingest.ingest
    ingest([write_focus_csv(tmp_path / "a.csv", _usage(date(2024, 9, 1), 5), HEADER)], source="aws")
    ingest(
        [write_focus_csv(tmp_path / "b.csv", [*_usage(date(2024, 9, 1), 12), MONTHLY_FEE], HEADER)],
        source="azure",
    )
    ingest([write_focus_csv(tmp_path / "c.csv", [MONTHLY_FEE], HEADER)], source="marketplace")
    # A file that does not say what its charges are is read as usage.
    ingest([write_focus_csv(tmp_path / "d.csv", _usage(date(2024, 9, 1), 3))], source="gcp")

    assert store.services.cost_store.data_through_by_source() == {
        "aws": date(2024, 9, 5),
        "azure": date(2024, 9, 12),
        "gcp": date(2024, 9, 3),
        "marketplace": date(2024, 9, 30),  # no usage at all: its last day of any charge
    }
    assert store.services.cost_store.data_through() == date(2024, 9, 12)


def test_a_store_with_only_purchases_is_as_current_as_its_last_charge(store, tmp_path):
    path = write_focus_csv(tmp_path / "fee.csv", [MONTHLY_FEE], HEADER)
    store.services.ingest.ingest([path], source="marketplace")

    assert store.services.cost_store.data_through() == date(2024, 9, 30)


def test_an_empty_store_has_no_data_through(store):
    assert store.services.cost_store.data_through() is None
    assert store.services.cost_store.data_through_by_source() == {}


def test_the_answer_says_which_days_are_incomplete_and_its_days_add_up(store, tmp_path):
    rows = [*_usage(date(2024, 9, 1), 10), MONTHLY_FEE]
    store.services.ingest.ingest(
        [write_focus_csv(tmp_path / "aws.csv", rows, HEADER)], source="aws"
    )
    today = date(2024, 9, 15)
    costs = CostService(store.services.cost_store, rules=AllocationRules(), today=lambda: today)

    report = costs.cost("project", "a", parse_period("mtd", today))

    assert report.data_through == date(2024, 9, 10)
    assert report.asked_on == today
    # Usage for 10 days, and the fee's 15 of 30 days so far.
    assert report.primary.total == Decimal(100 + 150)
    assert report.primary.daily[-1].date == today
    assert sum(day.cost for day in report.primary.daily) == report.primary.total
