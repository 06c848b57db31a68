"""Anomaly detection on seeded daily series: spikes found; ramps, weeks, noise and fees not."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.domain.anomaly import (
    AnomalySettings,
    Driver,
    Episode,
    Judgement,
    JudgementStatus,
    alert_key,
    baseline_breakdown,
    baseline_window,
    days_to_judge,
    drivers,
    judge_day,
)

START = date(2024, 1, 1)  # a Monday
SETTINGS = AnomalySettings()
D = Decimal


def day(n: int) -> date:
    return START + timedelta(days=n)


def seeded_series(
    days: int, shape: Callable[[int, date], Decimal], *, noise: int, seed: int
) -> dict[date, Decimal]:
    """`shape` gives the cost of day n; noise is normal with sd `noise` cents, rounded to cents."""
    rng = random.Random(seed)
    return {day(n): shape(n, day(n)) + D(round(rng.gauss(0, noise))) / 100 for n in range(days)}


def judge_run(
    series: dict[date, Decimal],
    first: int,
    last: int,
    *,
    excluded: dict[date, Decimal] | None = None,
    settings: AnomalySettings = SETTINGS,
) -> list[Judgement]:
    """Judge days first..last in order, threading the open episode as an evaluator would."""
    episode: Episode | None = None
    out = []
    for n in range(first, last + 1):
        judgement = judge_day(series, day(n), settings, open_episode=episode, excluded=excluded)
        episode = judgement.episode
        out.append(judgement)
    return out


def alerts(judgements: list[Judgement]) -> list[Judgement]:
    return [j for j in judgements if j.alert]


def level(amount: str) -> Callable[[int, date], Decimal]:
    return lambda n, d: D(amount)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_spike_is_found_with_its_impact(seed: int) -> None:
    series = seeded_series(60, level("1000"), noise=3000, seed=seed)
    series[day(45)] += D("600")

    judgements = judge_run(series, 30, 59)

    (alert,) = alerts(judgements)
    assert alert.day == day(45)
    assert alert.status is JudgementStatus.ANOMALY
    assert alert.impact is not None
    assert abs(alert.impact - D("600")) < D("100")  # the spike, give or take the day's noise
    assert alert.episode == Episode(day(45), day(45), alert.reference.expected)
    assert abs(alert.episode.baseline - D("1000")) < D("30")
    # The next day is back within range: the episode closes, nothing more is said.
    after = judgements[45 - 30 + 1]
    assert after.status is JudgementStatus.NORMAL
    assert after.closed == alert.episode
    assert after.episode is None


def test_the_spike_drivers_are_the_services_that_rose_most() -> None:
    usual = {"EC2": D("700"), "S3": D("200"), "SageMaker": D("100")}
    breakdowns = {day(n): dict(usual) for n in range(45)}
    breakdowns[day(10)]["EC2"] = D("5000")  # an old spike does not move a median baseline
    today = {"EC2": D("1250.50"), "S3": D("190"), "SageMaker": D("150"), "Bedrock": D("30")}

    baseline = baseline_breakdown(breakdowns, baseline_window(day(45), SETTINGS))

    assert baseline == usual
    assert drivers(today, baseline) == [
        Driver("EC2", D("700"), D("1250.50")),
        Driver("SageMaker", D("100"), D("150")),
        Driver("Bedrock", D("0"), D("30")),
    ]
    assert [d.rise for d in drivers(today, baseline, top=2)] == [D("550.50"), D("50")]


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_a_steady_ramp_is_not_an_anomaly(seed: int) -> None:
    series = seeded_series(90, lambda n, d: D(200 + 15 * n), noise=2000, seed=seed)

    judgements = judge_run(series, 30, 89)

    # Every day is far above the plain median of its last 28 days: only the trend explains it.
    last = sorted(series[day(n)] for n in range(61, 89))
    assert series[day(89)] - last[14] > 2 * SETTINGS.min_impact
    assert alerts(judgements) == []
    assert all(j.status is JudgementStatus.NORMAL for j in judgements)


def test_growth_that_speeds_up_is_not_an_anomaly() -> None:
    # 3% a day: doubling in about 23 days, a little above its straight-line trend every day.
    series = seeded_series(90, lambda n, d: D(200) * D("1.03") ** n, noise=2000, seed=10)

    assert alerts(judge_run(series, 30, 89)) == []


def test_a_spike_on_a_ramp_is_measured_against_the_trend() -> None:
    series = seeded_series(90, lambda n, d: D(200 + 15 * n), noise=2000, seed=8)
    series[day(70)] += D("500")  # less than the ramp's rise over the baseline window

    (alert,) = alerts(judge_run(series, 30, 89))

    assert alert.day == day(70)
    assert abs(alert.reference.expected - D(200 + 15 * 70)) < D("30")
    assert abs(alert.impact - D("500")) < D("60")


def test_a_cost_that_stops_falling_is_not_an_anomaly() -> None:
    # A steady fall, then flat: the trend alone would expect it to go on falling.
    series = seeded_series(80, lambda n, d: D(1500 - 20 * min(n, 40)), noise=2000, seed=13)

    assert alerts(judge_run(series, 30, 79)) == []


@pytest.mark.parametrize(
    ("weekday", "weekend"),
    [("1000", "300"), ("300", "1000")],
    ids=["quiet-weekends", "weekend-runs"],
)
def test_a_weekly_pattern_is_not_an_anomaly(weekday: str, weekend: str) -> None:
    shape = lambda n, d: D(weekend) if d.weekday() >= 5 else D(weekday)  # noqa: E731
    series = seeded_series(90, shape, noise=2000, seed=11)

    assert alerts(judge_run(series, 30, 89)) == []


def test_weekdays_are_compared_with_weekdays() -> None:
    # Weekend training runs cost 1000; a Wednesday at that cost is an anomaly all the same.
    shape = lambda n, d: D("1000") if d.weekday() >= 5 else D("300")  # noqa: E731
    series = seeded_series(60, shape, noise=2000, seed=12)
    wednesday = day(44)
    assert wednesday.weekday() == 2
    series[wednesday] = D("1000")

    judgement = judge_day(series, wednesday, SETTINGS, open_episode=None)

    assert judgement.alert
    assert abs(judgement.reference.expected - D("300")) < D("20")
    assert all(
        not is_weekend_day for is_weekend_day in _weekends(baseline_window(wednesday, SETTINGS))
    )


def _weekends(days: list[date]) -> list[bool]:
    return [d.weekday() >= 5 for d in days]


def test_noise_and_rises_under_the_minimum_impact_are_not_anomalies() -> None:
    # A small project: its cost trebles for a day, but only by 40, under min_impact 50.
    series = seeded_series(60, level("20"), noise=100, seed=21)
    series[day(40)] += D("40")

    assert alerts(judge_run(series, 30, 59)) == []
    strict = AnomalySettings(min_impact=D("10"))
    assert [j.day for j in alerts(judge_run(series, 30, 59, settings=strict))] == [day(40)]


def test_a_flat_series_does_not_flag_a_cent() -> None:
    series = {day(n): D("500.00") for n in range(40)}
    series[day(35)] = D("500.01")
    no_minimum = AnomalySettings(min_impact=D("0"))

    judgement = judge_day(series, day(35), no_minimum, open_episode=None)

    assert judgement.status is JudgementStatus.NORMAL
    assert judgement.reference.spread == D("25.00")  # the floor: 5% of the median
    series[day(35)] = D("600.00")  # exactly 4 spreads above: not more
    assert not judge_day(series, day(35), no_minimum, open_episode=None).alert
    series[day(35)] = D("600.01")
    assert judge_day(series, day(35), no_minimum, open_episode=None).alert


def test_a_step_change_is_one_episode_alerted_once() -> None:
    series = seeded_series(
        120, lambda n, d: D("1000") if n < 40 else D("1600"), noise=3000, seed=31
    )

    judgements = judge_run(series, 30, 119)

    (alert,) = alerts(judgements)
    assert alert.day == day(40)
    ongoing = [j for j in judgements if j.status is JudgementStatus.ONGOING]
    assert ongoing, "the following high days extend the episode"
    assert all(j.episode.started == day(40) for j in ongoing)
    assert ongoing[-1].episode.last_day == ongoing[-1].day
    # The episode ends once the new level is the baseline; then all is quiet.
    (closing,) = [j for j in judgements if j.closed is not None]
    assert closing.closed.started == day(40)
    assert closing.day < day(40 + SETTINGS.baseline_days)
    assert all(j.status is JudgementStatus.NORMAL for j in judgements if j.day >= closing.day)


def test_a_further_step_after_the_new_level_settled_is_a_new_episode() -> None:
    def shape(n: int, d: date) -> Decimal:
        return D("1000") if n < 40 else D("1600") if n < 90 else D("2400")

    series = seeded_series(120, shape, noise=3000, seed=32)

    assert [j.day for j in alerts(judge_run(series, 30, 119))] == [day(40), day(90)]


def test_a_step_that_returns_closes_the_episode_on_the_day_it_is_back() -> None:
    series = seeded_series(60, level("1000"), noise=3000, seed=33)
    for n in (40, 41, 42):
        series[day(n)] += D("800")

    judgements = {j.day: j for j in judge_run(series, 30, 59)}

    assert [d for d, j in judgements.items() if j.alert] == [day(40)]
    assert judgements[day(42)].status is JudgementStatus.ONGOING
    assert judgements[day(42)].episode == Episode(
        day(40), day(42), judgements[day(40)].episode.baseline
    )
    assert judgements[day(43)].closed == judgements[day(42)].episode
    assert judgements[day(43)].status is JudgementStatus.NORMAL


def test_a_one_day_fee_is_excluded() -> None:
    series = seeded_series(60, level("1000"), noise=3000, seed=41)
    series[day(40)] += D("12000")  # an annual support plan, billed on one day
    fees = {day(40): D("12000")}

    with_fee = judge_day(series, day(40), SETTINGS, open_episode=None)
    without = judge_day(series, day(40), SETTINGS, open_episode=None, excluded=fees)

    assert with_fee.alert
    assert without.status is JudgementStatus.NORMAL
    assert without.excluded == D("12000")
    assert without.cost == series[day(40)] - D("12000")
    # A past fee does not raise the baseline of later days either.
    assert alerts(judge_run(series, 30, 59, excluded=fees)) == []


def test_too_little_history_is_not_judged() -> None:
    series = {day(n): D("100") for n in range(5)}
    series[day(5)] = D("900")

    judgement = judge_day(series, day(5), SETTINGS, open_episode=None)

    assert judgement.status is JudgementStatus.NOT_JUDGED
    assert judgement.impact is None
    assert not judgement.alert


def test_missing_days_inside_the_history_cost_zero() -> None:
    # Costs only every other weekday: the zero days are part of the baseline, so 80 is usual.
    series = {day(n): D("80") for n in range(40) if n % 2 == 0 and day(n).weekday() < 5}
    judgement = judge_day(series, day(36), SETTINGS, open_episode=None)
    assert judgement.status is JudgementStatus.NORMAL


def test_a_day_inside_the_open_episode_cannot_be_judged_again() -> None:
    series = {day(n): D("100") for n in range(40)}
    with pytest.raises(ValueError, match="judged already"):
        judge_day(series, day(35), SETTINGS, open_episode=Episode(day(34), day(35), D("100")))


def test_alert_key_names_the_dimension_value_and_episode_start() -> None:
    episode = Episode(date(2024, 3, 4), date(2024, 3, 6), D("1000"))
    assert (
        alert_key("project", "fraud-detection", episode)
        == "anomaly:project:fraud-detection:2024-03-04"
    )


def test_days_to_judge() -> None:
    through = date(2024, 3, 10)
    assert days_to_judge(None, through) == [date(2024, 3, 8), date(2024, 3, 9), through]
    assert days_to_judge(None, through, first_lookback=1) == [through]
    assert days_to_judge(date(2024, 3, 7), through) == [date(2024, 3, 8), date(2024, 3, 9), through]
    assert days_to_judge(through, through) == []
    assert days_to_judge(date(2024, 3, 12), through) == []  # data_through moved back: nothing
    with pytest.raises(ValueError):
        days_to_judge(None, through, first_lookback=0)


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="baseline_days"):
        AnomalySettings(baseline_days=3)
    with pytest.raises(ValueError, match="sensitivity"):
        AnomalySettings(sensitivity=D("0"))
    with pytest.raises(ValueError, match="min_impact"):
        AnomalySettings(min_impact=D("-1"))


@pytest.mark.parametrize("seed", [1, 2])
def test_a_training_run_every_fortnight_is_not_an_anomaly_but_a_larger_one_is(seed: int) -> None:
    def fortnightly(n: int, d: date) -> Decimal:
        return D(400) if n % 14 in (3, 4, 5) else D(130)

    series = seeded_series(84, fortnightly, noise=200, seed=seed)
    assert alerts(judge_run(series, 40, 83)) == []
    series[day(84)] = D(1700)  # a job that stalled on more GPUs than any run before
    [found] = alerts(judge_run(series, 84, 84))
    assert found.day == day(84) and found.reference.highest < D(1700)


def test_a_second_incident_within_the_baseline_is_still_found() -> None:
    series = seeded_series(60, level("100"), noise=100, seed=5)
    series[day(40)] = D(5100)
    series[day(50)] = D(4100)
    found = alerts(judge_run(series, 35, 59))
    assert [j.day for j in found] == [day(40), day(50)]
