"""Budgets: calendar periods, validation messages, exact percentages and currency separation."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.budgets import (
    Budget,
    BudgetError,
    BudgetHealth,
    BudgetPeriod,
    BudgetScope,
    budget_status,
)

D = Decimal
FRAUD = BudgetScope("project", "fraud-detection")


def budget(amount: str = "1000", **changes) -> Budget:
    return Budget(scope=changes.pop("scope", FRAUD), amount=D(amount), currency="USD", **changes)


# --- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2023, 2, 14), date(2023, 2, 1), date(2023, 2, 28)),  # 28 days
        (date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29)),  # leap year: 29
        (date(2024, 2, 1), date(2024, 2, 1), date(2024, 2, 29)),
        (date(1900, 2, 10), date(1900, 2, 1), date(1900, 2, 28)),  # century, not leap
        (date(2000, 2, 10), date(2000, 2, 1), date(2000, 2, 29)),  # 400th year, leap
        (date(2026, 4, 30), date(2026, 4, 1), date(2026, 4, 30)),  # 30 days
        (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),  # 31 days
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31)),
    ],
)
def test_monthly_period_is_the_calendar_month(day, start, end):
    assert BudgetPeriod.MONTHLY.period_containing(day) == (start, end)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 8, 15), date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarterly_period_is_the_calendar_quarter(day, start, end):
    assert BudgetPeriod.QUARTERLY.period_containing(day) == (start, end)


def test_quarter_lengths_follow_leap_years():
    def days(day: date) -> int:
        start, end = BudgetPeriod.QUARTERLY.period_containing(day)
        return (end - start).days + 1

    assert days(date(2023, 2, 1)) == 90
    assert days(date(2024, 2, 1)) == 91
    assert [days(date(2026, m, 1)) for m in (4, 7, 10)] == [91, 92, 92]


@pytest.mark.parametrize(("year", "days"), [(2023, 365), (2024, 366), (1900, 365), (2000, 366)])
def test_yearly_period_is_the_calendar_year(year, days):
    start, end = BudgetPeriod.YEARLY.period_containing(date(year, 6, 15))
    assert (start, end) == (date(year, 1, 1), date(year, 12, 31))
    assert (end - start).days + 1 == days


@given(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)), st.sampled_from(BudgetPeriod)
)
def test_periods_tile_the_calendar(day, kind):
    start, end = kind.period_containing(day)
    assert start <= day <= end
    assert start.day == 1
    assert end.day == calendar.monthrange(end.year, end.month)[1]
    # Every day of the period maps back to the same period; the next day starts a new one.
    assert kind.period_containing(start) == (start, end)
    assert kind.period_containing(end) == (start, end)
    if end < date.max:
        assert kind.period_containing(end + timedelta(days=1))[0] == end + timedelta(days=1)


def test_period_refuses_a_datetime():
    with pytest.raises(TypeError, match="date"):
        BudgetPeriod.MONTHLY.period_containing(datetime(2026, 1, 1, 12))


def test_period_parse_names_the_kinds():
    assert BudgetPeriod.parse(" Quarterly ") is BudgetPeriod.QUARTERLY
    with pytest.raises(BudgetError, match="Unknown budget period 'weekly'; use one of: monthly"):
        BudgetPeriod.parse("weekly")


def test_budget_defaults():
    default = budget()
    assert default.period is BudgetPeriod.MONTHLY
    assert default.thresholds == (50, 80, 100)
    assert default.floor is None and default.channel is None and default.mentions == ()


# --- scope --------------------------------------------------------------------------------------


def test_scope_keys_and_text():
    assert FRAUD.key() == "project=fraud-detection"
    assert str(FRAUD) == "project fraud-detection"
    everything = BudgetScope.everything()
    assert everything.is_all and everything.key() == "all" and str(everything) == "all"


@pytest.mark.parametrize(
    ("dimension", "value", "message"),
    [
        ("colour", "red", "Unknown budget dimension 'colour'; use one of: project, team"),
        (None, "x", "Unknown budget dimension None"),
        ("team", None, "A team budget needs a team name"),
        ("team", "  ", "A team budget needs a team name"),
        ("team", " ml ", "has spaces around it"),
        ("team", "x" * 1025, "at most 1024"),
    ],
)
def test_scope_validation_messages(dimension, value, message):
    with pytest.raises(BudgetError, match=message):
        BudgetScope(dimension, value)


# --- budget validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": D(0)}, "amount must be more than 0, not 0"),
        ({"amount": D("-5")}, "amount must be more than 0, not -5"),
        ({"amount": D("NaN")}, "amount must be an exact number"),
        ({"amount": D("Infinity")}, "amount must be an exact number"),
        ({"amount": 5000.0}, "amount must be an exact number"),
        ({"currency": "usd"}, r"currency 'usd' is not a 3-letter ISO 4217 code .*did you mean USD"),
        ({"currency": "US"}, "currency 'US' is not a 3-letter ISO 4217 code"),
        ({"currency": "ABC"}, "currency 'ABC' is not a 3-letter ISO 4217 code"),
        ({"thresholds": ()}, "thresholds must be a list of percents"),
        ({"thresholds": [50, 80]}, "thresholds must be a list of percents"),
        ({"thresholds": (0, 50)}, "threshold 0% must be from 1 to 1000 percent"),
        ({"thresholds": (50, 1001)}, "threshold 1001% must be from 1 to 1000 percent"),
        ({"thresholds": (50, 80, 80)}, r"thresholds \[50, 80, 80\] repeat a value"),
        ({"thresholds": (80, 50)}, r"thresholds \[80, 50\] must rise; write \[50, 80\]"),
        ({"thresholds": (D("50.5"),)}, "threshold Decimal.*must be a whole percent"),
        ({"thresholds": (True,)}, "threshold True must be a whole percent"),
        ({"channel": ""}, "channel '' must be a channel name"),
        ({"channel": "#ml costs"}, "channel '#ml costs' must be a channel name"),
        ({"mentions": ("alice",)}, "mention 'alice' is not a Slack user id"),
        ({"mentions": ["U0123ABCD"]}, "mention must be a list"),
        ({"floor": D("-1")}, "floor must be 0 or more, not -1"),
        ({"floor": 50}, "floor must be an exact number"),
        ({"period": "monthly-ish"}, "period must be one of monthly, quarterly, yearly"),
    ],
)
def test_budget_validation_messages(changes, message):
    amount = changes.pop("amount", D(1000))
    fields = {"scope": FRAUD, "amount": amount, "currency": "USD", **changes}
    with pytest.raises(BudgetError, match=f"^Budget for project fraud-detection: {message}"):
        Budget(**fields)


def test_valid_budget_with_every_field():
    full = Budget(
        scope=BudgetScope("team", "ml-platform"),
        amount=D("12500.50"),
        currency="EUR",
        period=BudgetPeriod.QUARTERLY,
        thresholds=(1, 90, 1000),
        channel="C0123456789",
        mentions=("U0123ABCD", "S0456EFGH", "W0789IJKL"),
        floor=D(0),
    )
    assert full.period_containing(date(2026, 5, 5)) == (date(2026, 4, 1), date(2026, 6, 30))


# --- status -------------------------------------------------------------------------------------


def test_status_percentages_are_exact():
    status = budget_status(budget("3000"), date(2026, 4, 15), {"USD": D("1500")})
    assert status.percent_used == D(50)
    assert (status.start, status.end) == (date(2026, 4, 1), date(2026, 4, 30))
    assert (status.days_elapsed, status.days_in_period) == (15, 30)
    assert status.percent_elapsed == D(50)
    assert status.status is BudgetHealth.WARNING


def test_percent_elapsed_counts_today_and_month_length():
    assert budget_status(budget(), date(2024, 2, 29), {}).percent_elapsed == D(100)
    assert budget_status(budget(), date(2023, 2, 14), {}).percent_elapsed == D(50)
    assert budget_status(budget(), date(2026, 1, 1), {}).days_elapsed == 1
    # 10/31 does not terminate: the shown value carries 28 significant digits.
    thirds = budget_status(budget(), date(2026, 1, 10), {}).percent_elapsed
    assert thirds == D("32.25806451612903225806451613")
    yearly = budget_status(budget(period=BudgetPeriod.YEARLY), date(2024, 12, 31), {})
    assert (yearly.days_elapsed, yearly.days_in_period, yearly.percent_elapsed) == (366, 366, 100)


def test_threshold_decisions_do_not_round():
    # 0.1 + 0.2 is exactly 0.3 in Decimal; 80% of 0.375 is exactly 0.3.
    at = budget_status(budget("0.375"), date(2026, 1, 5), {"USD": D("0.1") + D("0.2")})
    assert at.status is BudgetHealth.WARNING and at.percent_used == D(80)
    just_under = budget_status(budget("3"), date(2026, 1, 5), {"USD": D("1.4999999999999")})
    assert just_under.status is BudgetHealth.OK


@pytest.mark.parametrize(
    ("spent", "projected", "health"),
    [
        ("0", None, BudgetHealth.OK),
        ("499.99", None, BudgetHealth.OK),
        ("500", None, BudgetHealth.WARNING),
        ("999.99", None, BudgetHealth.WARNING),
        ("1000", None, BudgetHealth.OVER),
        ("1500", D("900"), BudgetHealth.OVER),
        ("100", D("1000"), BudgetHealth.OK),  # projected equal to the amount is not over
        ("100", D("1000.01"), BudgetHealth.FORECAST_OVER),
        ("800", D("2000"), BudgetHealth.FORECAST_OVER),  # forecast outranks a warning
        ("-20", None, BudgetHealth.OK),  # a credit-only period
    ],
)
def test_status_health(spent, projected, health):
    status = budget_status(budget(), date(2026, 1, 20), {"USD": D(spent)}, projected)
    assert status.status is health
    assert status.projected == projected


def test_warning_needs_the_lowest_threshold_under_100():
    high = budget(thresholds=(100, 150))
    assert budget_status(high, date(2026, 1, 5), {"USD": D("990")}).status is BudgetHealth.OK
    assert budget_status(high, date(2026, 1, 5), {"USD": D("1000")}).status is BudgetHealth.OVER


def test_other_currencies_are_reported_apart_never_summed():
    spent = {"USD": D("400"), "EUR": D("700"), "GBP": D(0), "JPY": D("-3")}
    status = budget_status(budget(), date(2026, 3, 3), spent)
    assert status.spent == D("400")
    assert status.percent_used == D(40)
    assert status.status is BudgetHealth.OK  # 700 EUR would make it a warning if added
    assert dict(status.other_currencies) == {"EUR": D("700"), "JPY": D("-3")}
    assert list(status.other_currencies) == ["EUR", "JPY"]


def test_only_foreign_cost_means_nothing_spent():
    status = budget_status(budget(), date(2026, 3, 3), {"EUR": D("5000")})
    assert status.spent == D(0) and status.status is BudgetHealth.OK
    assert dict(status.other_currencies) == {"EUR": D("5000")}


@given(
    spent=st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
    amount=st.decimals(min_value="0.01", max_value=10**9, places=2, allow_nan=False),
)
def test_percent_used_and_health_match_exact_ratio(spent, amount):
    status = budget_status(budget(str(amount)), date(2026, 6, 1), {"USD": spent})
    exact = Fraction(spent) * 100 / Fraction(amount)
    # The shown percent has 28 significant digits: off from the exact ratio by at most 1e-27.
    assert abs(Fraction(status.percent_used) - exact) <= abs(exact) * Fraction(1, 10**27)
    # The health is decided on the exact ratio, never on the rounded percent.
    expected = (
        BudgetHealth.OVER
        if exact >= 100
        else BudgetHealth.WARNING
        if exact >= 50
        else BudgetHealth.OK
    )
    assert status.status is expected
