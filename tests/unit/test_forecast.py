"""Budget forecasts: exact projections from weekday and weekend run rates, and the alert step."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.forecast import Projection, forecast_should_alert, project_period_spend

D = Decimal


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def series(first: date, last: date, cost: object) -> dict[date, Decimal]:
    """A daily series; `cost` is an amount or a function of the day."""
    return {day: D(cost(day) if callable(cost) else cost) for day in days(first, last)}


def weekday_weekend(first: date, last: date, weekday: str, weekend: str) -> dict[date, Decimal]:
    return series(first, last, lambda day: weekend if day.weekday() >= 5 else weekday)


def project(daily, start, end, through, **kwargs) -> Projection:
    projection = project_period_spend(daily, start, end, through, **kwargs)
    assert projection is not None
    return projection


# -- exact arithmetic on hand-made series ------------------------------------------------------


def test_a_constant_series_projects_the_rate_times_the_month_and_the_range_collapses():
    march = (date(2026, 3, 1), date(2026, 3, 31))
    daily = series(march[0], date(2026, 3, 10), "10.25")

    projection = project(daily, *march, date(2026, 3, 10))

    assert projection.spent == D("102.50")
    assert projection.projected == D("317.75")  # 31 days at 10.25
    assert projection.low == projection.projected == projection.high
    assert projection.basis.weekday.rate == projection.basis.weekend.rate == D("10.25")
    assert projection.basis.days_used == 10
    assert projection.basis.days_elapsed == 10


def test_weekdays_and_weekends_are_projected_at_their_own_rates():
    # February 2026 starts on a Sunday. Through Tuesday the 10th: 7 weekdays and 3 weekend days
    # spent; 13 weekdays and 5 weekend days remain.
    february = (date(2026, 2, 1), date(2026, 2, 28))
    daily = weekday_weekend(february[0], date(2026, 2, 10), "100", "20")

    projection = project(daily, *february, date(2026, 2, 10))

    assert projection.spent == D(760)
    # Exactly the month's true total (20 weekdays, 8 weekend days); one blended rate of 76/day
    # would say 2128.
    assert projection.projected == D(2160)
    assert projection.low == projection.high == D(2160)
    basis = projection.basis
    assert (basis.weekday.rate, basis.weekday.days_used, basis.weekday.remaining_days) == (
        D(100),
        7,
        13,
    )
    assert (basis.weekend.rate, basis.weekend.days_used, basis.weekend.remaining_days) == (
        D(20),
        3,
        5,
    )
    assert not basis.weekday.from_all_days and not basis.weekend.from_all_days
    assert projection.method == (
        "spent 760.00 so far + 13 weekdays at 100.00/day + 5 weekend days at 20.00/day"
        " (rates from the last 10 complete days)"
    )


def test_a_ramp_projects_recent_means_with_a_mad_range():
    # December 2026 starts on a Tuesday; day n costs n. The last 14 complete days (1..14) hold
    # weekend days 5, 6, 12, 13 (mean 9, MAD 3.5) and weekdays 1-4, 7-11, 14 (mean 6.9, MAD 3.52).
    december = (date(2026, 12, 1), date(2026, 12, 31))
    daily = series(december[0], date(2026, 12, 14), lambda day: day.day)

    projection = project(daily, *december, date(2026, 12, 14))

    weekday, weekend = projection.basis.weekday, projection.basis.weekend
    assert (weekday.rate, weekday.low, weekday.high) == (D("6.9"), D("3.38"), D("10.42"))
    assert (weekend.rate, weekend.low, weekend.high) == (D(9), D("5.5"), D("12.5"))
    assert (weekday.remaining_days, weekend.remaining_days) == (13, 4)
    assert projection.spent == D(105)
    assert projection.projected == D("230.7")  # 105 + 13 * 6.9 + 4 * 9
    assert projection.low == D("170.94")  # 105 + 13 * 3.38 + 4 * 5.5
    assert projection.high == D("290.46")  # 105 + 13 * 10.42 + 4 * 12.5


def test_only_the_last_recent_days_set_the_rate():
    # 20 days at 50, then 3 days at 10: with a 3-day window the rate is 10, with 14 it is mixed.
    march = (date(2026, 3, 1), date(2026, 3, 31))
    daily = series(march[0], date(2026, 3, 20), "50") | series(
        date(2026, 3, 21), date(2026, 3, 23), "10"
    )

    short = project(daily, *march, date(2026, 3, 23), recent_days=3)

    assert short.basis.days_used == 3
    assert short.basis.window_start == date(2026, 3, 21)
    assert short.projected == D(1030) + 8 * D(10)
    assert short.basis.weekday.from_all_days is False  # Monday 23rd
    assert short.basis.weekend.rate == D(10)  # Saturday 21st, Sunday 22nd


def test_a_kind_without_recent_days_falls_back_to_the_all_days_mean():
    # Monday 2 to Friday 6 November 2026 with a 5-day window: no weekend day sampled.
    november = (date(2026, 11, 2), date(2026, 11, 15))
    daily = series(november[0], date(2026, 11, 6), lambda day: day.day)  # 2..6, mean 4

    projection = project(daily, *november, date(2026, 11, 6), recent_days=5)

    assert projection.basis.weekend.from_all_days is True
    assert projection.basis.weekend.rate == D(4)
    assert projection.basis.weekend.days_used == 5
    assert projection.projected == D(20) + 9 * D(4)


# -- gating, calendar and edges ----------------------------------------------------------------


def test_no_forecast_before_min_days_complete_days():
    march = (date(2026, 3, 1), date(2026, 3, 31))
    daily = series(*march, "5")

    assert project_period_spend(daily, *march, date(2026, 3, 4)) is None
    assert project_period_spend(daily, *march, date(2026, 3, 5)) is not None
    assert project_period_spend(daily, *march, date(2026, 2, 28)) is None  # before the period
    assert project_period_spend(daily, *march, date(2026, 3, 2), min_days=2) is not None
    assert project_period_spend(daily, *march, date(2026, 3, 1), min_days=2) is None


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 2, 1), date(2026, 2, 28), D(280)),
        (date(2024, 2, 1), date(2024, 2, 29), D(290)),
        (date(2026, 4, 1), date(2026, 4, 30), D(300)),
        (date(2026, 3, 1), date(2026, 3, 31), D(310)),
        (date(2026, 1, 1), date(2026, 3, 31), D(900)),
    ],
    ids=["28-days", "leap-29-days", "30-days", "31-days", "quarter"],
)
def test_month_lengths(start, end, expected):
    through = start + timedelta(days=6)
    projection = project(series(start, through, "10"), start, end, through)

    assert projection.projected == expected
    assert projection.basis.weekday.remaining_days + projection.basis.weekend.remaining_days == (
        (end - through).days
    )


def test_missing_days_in_the_period_count_as_zero_and_later_days_are_ignored():
    march = (date(2026, 3, 1), date(2026, 3, 31))
    daily = series(march[0], date(2026, 3, 14), "10")
    del daily[date(2026, 3, 3)], daily[date(2026, 3, 4)]  # Tuesday, Wednesday: nothing billed
    daily[date(2026, 3, 15)] = D(9999)  # provisional: after the last complete day

    projection = project(daily, *march, date(2026, 3, 14))

    assert projection.spent == D(120)
    assert projection.basis.days_used == 14
    assert projection.basis.weekday.rate == D(80) / 10
    # MAD of eight 10s and two 0s around 8 is 3.2; the highest day seen (10) caps 11.2.
    assert (projection.basis.weekday.low, projection.basis.weekday.high) == (D("4.8"), D(10))
    assert projection.basis.weekend.rate == D(10)


def test_earlier_days_steady_an_early_forecast_only_when_given():
    march = (date(2026, 3, 1), date(2026, 3, 31))
    only_march = series(march[0], date(2026, 3, 5), "10")
    with_february = series(date(2026, 2, 20), date(2026, 2, 28), "30") | only_march

    alone = project(only_march, *march, date(2026, 3, 5))
    steadied = project(with_february, *march, date(2026, 3, 5))

    assert alone.basis.days_used == 5
    assert alone.basis.window_start == date(2026, 3, 1)
    assert alone.projected == D(310)
    assert steadied.basis.days_used == 14
    assert steadied.basis.window_start == date(2026, 2, 20)
    assert steadied.spent == D(50)  # the spend is March's alone
    assert steadied.projected > alone.projected


def test_a_period_with_no_cost_projects_zero():
    march = (date(2026, 3, 1), date(2026, 3, 31))

    projection = project({}, *march, date(2026, 3, 9))

    assert (projection.spent, projection.low, projection.projected, projection.high) == (0, 0, 0, 0)


@pytest.mark.parametrize("through", [date(2026, 2, 28), date(2026, 3, 10)])
def test_nothing_remaining_projects_the_spend(through):
    february = (date(2026, 2, 1), date(2026, 2, 28))
    daily = series(february[0], date(2026, 3, 10), lambda day: day.day)

    projection = project(daily, *february, through)

    assert projection.basis.through == date(2026, 2, 28)
    assert projection.spent == D(sum(range(1, 29)))
    assert projection.low == projection.projected == projection.high == projection.spent
    assert projection.method == "spent 406.00 so far; no days remain in the period"


def test_the_explanation_takes_the_currency_formatter():
    february = (date(2026, 2, 1), date(2026, 2, 28))
    daily = weekday_weekend(february[0], date(2026, 2, 27), "1234.5", "7")

    projection = project(daily, *february, date(2026, 2, 27))

    text = projection.basis.describe(projection.spent, lambda amount: f"€{amount:,.2f}")
    assert text == (
        "spent €24,739.00 so far + 1 weekend day at €7.00/day"
        " (rates from the last 14 complete days)"
    )


def test_bad_input_is_refused():
    march = (date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(ValueError, match="before start"):
        project_period_spend({}, march[1], march[0], march[1])
    with pytest.raises(ValueError, match="recent_days"):
        project_period_spend({}, *march, march[1], recent_days=0)
    with pytest.raises(ValueError, match="min_days"):
        project_period_spend({}, *march, march[1], min_days=0)
    with pytest.raises(ValueError, match="not an amount of money"):
        project_period_spend({date(2026, 3, 2): D("NaN")}, *march, march[1])


cents = st.decimals(min_value=D("-500"), max_value=D("100000"), places=2)


@settings(max_examples=200, deadline=None)
@given(
    costs=st.lists(cents, min_size=1, max_size=45),
    elapsed=st.integers(min_value=1, max_value=31),
    recent_days=st.integers(min_value=1, max_value=30),
)
def test_the_range_always_holds_the_projection(costs, elapsed, recent_days):
    start, end = date(2026, 1, 1), date(2026, 1, 31)
    first = start - timedelta(days=len(costs) - elapsed) if len(costs) > elapsed else start
    daily = {first + timedelta(days=n): cost for n, cost in enumerate(costs)}
    through = start + timedelta(days=elapsed - 1)

    projection = project(daily, start, end, through, recent_days=recent_days, min_days=1)

    assert projection.low <= projection.projected <= projection.high
    for rate in (projection.basis.weekday, projection.basis.weekend):
        assert rate.low <= rate.rate <= rate.high
    in_period = [cost for day, cost in daily.items() if start <= day <= through]
    assert projection.spent == sum(in_period, D(0))


# -- the forecast alert step -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("projected", "last", "expected"),
    [
        ("5000", None, False),  # at the budget is not over it
        ("5000.01", None, True),  # first time over: alert
        ("4000", None, False),
        ("5699.99", "5200", False),  # under one further step of 500
        ("5700", "5200", True),  # exactly one step (10% of the 5000 budget) higher
        ("5100", "5200", False),  # fell since the last alert
        ("4900", "5200", False),  # back under the budget
        ("10500", "10000", True),  # the step is of the budget, not of the projection
    ],
)
def test_forecast_alert_step(projected, last, expected):
    last_alerted = None if last is None else D(last)

    assert forecast_should_alert(D(5000), D(projected), last_alerted) is expected


def test_forecast_alert_step_is_configurable():
    assert forecast_should_alert(D(1000), D(1240), D(1100), step_percent=15) is False
    assert forecast_should_alert(D(1000), D(1250), D(1100), step_percent=15) is True
    assert forecast_should_alert(D(1000), D("1100.5"), D(1100), step_percent=D("0.05")) is True
    assert forecast_should_alert(D(1000), D(1100), D(1100), step_percent=0) is True


def test_forecast_alert_refuses_a_nonsense_budget():
    with pytest.raises(ValueError, match="positive"):
        forecast_should_alert(D(0), D(10), None)
    with pytest.raises(ValueError, match="negative"):
        forecast_should_alert(D(100), D(110), None, step_percent=-1)
