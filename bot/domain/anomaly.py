"""Is a day's cost far above its baseline? Robust, explained, and one alert per episode.

A day is compared with the same weekday-mix of the `baseline_days` days before it: weekdays
(Mon-Fri) with weekdays, weekend days with weekend days, so a weekly pattern (quiet weekends, or
weekend training runs) is the baseline, not an anomaly.

Each baseline value is carried forward to the judged day along the robust linear trend of the
window (Theil-Sen: the median of pairwise slopes, unmoved by the spikes it is looking for). The
expected cost is the median of the carried values, or the median of the raw values when that is
higher (a falling trend is never extrapolated below the usual level); the spread is the MAD of the
carried values. So a steady ramp is expected, and a spike on a ramp is measured against the noise,
not against the whole rise. With no trend this is the plain median and MAD.

A day is anomalous when its excess over the expected cost is more than `sensitivity` times the
scaled MAD (1.4826 * MAD, a standard deviation for normal noise), at least `min_impact` in
money, and at least `min_impact` above all but the highest day of its baseline: a level the
window reached more than once (a training run every fortnight) is a recurring pattern, not
news, while one earlier incident does not hide the next.
A flat series has MAD 0, so the spread is floored at a small share of the expected cost: a
one-cent rise of a constant cost is not "infinitely" unusual, nor is growth that bends a little
above its straight-line trend.

A step change (cost jumps and stays) is one episode, alerted once. While it is open, each day is
judged against the baseline from before the episode started; it closes when a day is back within
range, or once more than half of the baseline window lies inside it (the new level has become the
baseline): from then on days are judged against the rolling baseline again, so only a further rise
starts a new episode.

Days missing from a series inside its history cost zero; days before a series' first day are not
history. Money stays Decimal throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.domain.money import ZERO

_DAY = timedelta(days=1)
# 1.4826 * MAD estimates the standard deviation of normally distributed noise.
MAD_SCALE = Decimal("1.4826")


@dataclass(frozen=True)
class AnomalySettings:
    baseline_days: int = 28
    sensitivity: Decimal = Decimal("4")
    min_impact: Decimal = Decimal("50")
    # Floor of the spread as a share of the median, for series with (almost) no variation.
    spread_floor_share: Decimal = Decimal("0.05")
    # Fewer same-class days than this in the window: too little history to judge.
    min_baseline_points: int = 4

    def __post_init__(self) -> None:
        if self.baseline_days < 7:
            raise ValueError("baseline_days must be at least 7 (a week of each day class)")
        if self.sensitivity <= 0:
            raise ValueError("sensitivity must be above 0")
        if self.min_impact < 0:
            raise ValueError("min_impact must not be negative")
        if self.min_baseline_points < 2:
            raise ValueError("min_baseline_points must be at least 2")


@dataclass(frozen=True)
class Episode:
    """An open anomaly: from its first anomalous day to the last day judged still inside it."""

    started: date
    last_day: date
    baseline: Decimal  # the expected cost of the first day, for the message


class JudgementStatus(StrEnum):
    NORMAL = "normal"
    ANOMALY = "anomaly"  # a new episode starts today: alert
    ONGOING = "ongoing"  # still inside an open episode: no new alert
    NOT_JUDGED = "not_judged"  # too little history


@dataclass(frozen=True)
class Reference:
    """What a day was compared with: the expected cost and the spread around it."""

    expected: Decimal
    spread: Decimal  # scaled MAD, floored
    # The second highest baseline day: a cost the baseline reached more than once (a training
    # run every fortnight, a weekly batch) is the usual pattern, however far above the median.
    highest: Decimal | None = None

    def excess(self, cost: Decimal) -> Decimal:
        return cost - self.expected


@dataclass(frozen=True)
class Judgement:
    day: date
    status: JudgementStatus
    cost: Decimal  # the day's cost after excluded one-time fees
    excluded: Decimal = ZERO
    reference: Reference | None = None  # what the day was compared with
    episode: Episode | None = None  # the episode open after this day
    closed: Episode | None = None  # an episode that ended before this day

    @property
    def alert(self) -> bool:
        return self.status is JudgementStatus.ANOMALY

    @property
    def impact(self) -> Decimal | None:
        """Cost above the expected cost (the amount an alert reports)."""
        return None if self.reference is None else self.reference.excess(self.cost)


@dataclass(frozen=True)
class Driver:
    name: str
    baseline: Decimal
    cost: Decimal
    rise: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rise", self.cost - self.baseline)


def alert_key(dimension: str, value: str, episode: Episode) -> str:
    """The dedupe key of an episode's alert: one per dimension value and episode start."""
    return f"anomaly:{dimension}:{value}:{episode.started.isoformat()}"


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def baseline_window(
    day: date, settings: AnomalySettings, *, window_end: date | None = None
) -> list[date]:
    """The days `day` is compared with: same weekday-mix, in the window ending at `window_end`.

    `window_end` defaults to the day before `day`; an open episode uses the day before it started.
    """
    end = day - _DAY if window_end is None else window_end
    start = end - (settings.baseline_days - 1) * _DAY
    weekend = is_weekend(day)
    return [d for d in _days(start, end) if is_weekend(d) == weekend]


def judge_day(
    series: Mapping[date, Decimal],
    day: date,
    settings: AnomalySettings,
    *,
    open_episode: Episode | None,
    excluded: Mapping[date, Decimal] | None = None,
) -> Judgement:
    """Judge one complete day of one series (a project's, team's or service's daily cost).

    `excluded` holds per-day amounts of one-time charges (purchases, fees) taken out of the
    series before judging, so a one-day fee is neither an anomaly nor part of a baseline. With an
    open episode, `series` must reach back `baseline_days` before the episode started.
    """
    fees = excluded or {}
    if open_episode is not None and day <= open_episode.last_day:
        raise ValueError(
            f"{day} was judged already: the open episode runs to {open_episode.last_day}"
        )
    first_day = min(series, default=None)
    cost = _net(series, fees, day, first_day)
    excluded_today = fees.get(day, ZERO)
    closed: Episode | None = None

    if open_episode is not None:
        rolling_days = baseline_window(day, settings)
        inside = sum(1 for d in rolling_days if d >= open_episode.started)
        absorbed = inside * 2 > len(rolling_days)
        before_start = open_episode.started - _DAY
        pre = _reference(series, fees, first_day, day, settings, window_end=before_start)
        if not absorbed and pre is not None and _exceeds(cost, pre, settings):
            return Judgement(
                day,
                JudgementStatus.ONGOING,
                cost,
                excluded_today,
                pre,
                episode=replace(open_episode, last_day=day),
            )
        closed = open_episode

    reference = _reference(series, fees, first_day, day, settings)
    if reference is None:
        return Judgement(day, JudgementStatus.NOT_JUDGED, cost, excluded_today, closed=closed)
    if not _exceeds(cost, reference, settings):
        return Judgement(
            day, JudgementStatus.NORMAL, cost, excluded_today, reference, closed=closed
        )
    episode = Episode(started=day, last_day=day, baseline=reference.expected)
    return Judgement(day, JudgementStatus.ANOMALY, cost, excluded_today, reference, episode, closed)


def drivers(
    today_breakdown: Mapping[str, Decimal],
    baseline_breakdown: Mapping[str, Decimal],
    top: int = 5,
) -> list[Driver]:
    """The services or resources that rose most against their baseline, largest rise first."""
    rose = [
        Driver(name, baseline_breakdown.get(name, ZERO), cost)
        for name, cost in today_breakdown.items()
    ]
    rose = [d for d in rose if d.rise > 0]
    rose.sort(key=lambda d: (-d.rise, d.name))
    return rose[:top]


def baseline_breakdown(
    breakdowns: Mapping[date, Mapping[str, Decimal]], days: Iterable[date]
) -> dict[str, Decimal]:
    """Each name's median cost over `days` (a day without the name counts as zero)."""
    chosen = list(days)
    names = {name for d in chosen for name in breakdowns.get(d, {})}
    return {
        name: _median([breakdowns.get(d, {}).get(name, ZERO) for d in chosen]) for name in names
    }


def days_to_judge(
    last_judged: date | None, complete_through: date, first_lookback: int = 3
) -> list[date]:
    """Every complete day since the last one judged; on the first run, the last few days."""
    if last_judged is None:
        if first_lookback < 1:
            raise ValueError("first_lookback must be at least 1")
        return list(_days(complete_through - (first_lookback - 1) * _DAY, complete_through))
    return list(_days(last_judged + _DAY, complete_through))


def _exceeds(cost: Decimal, reference: Reference, settings: AnomalySettings) -> bool:
    excess = reference.excess(cost)
    if reference.highest is not None and cost - reference.highest < settings.min_impact:
        return False  # no higher, by a sum that matters, than a day of the baseline itself
    return excess >= settings.min_impact and excess > settings.sensitivity * reference.spread


def _reference(
    series: Mapping[date, Decimal],
    fees: Mapping[date, Decimal],
    first_day: date | None,
    day: date,
    settings: AnomalySettings,
    *,
    window_end: date | None = None,
) -> Reference | None:
    """The expected cost of `day` and the spread around it, or None without enough history."""
    if first_day is None:
        return None
    window = [d for d in baseline_window(day, settings, window_end=window_end) if d >= first_day]
    if len(window) < settings.min_baseline_points:
        return None
    values = [_net(series, fees, d, first_day) for d in window]
    slope = _theil_sen_slope([d.toordinal() for d in window], values)
    # Each baseline day carried forward along the trend to the judged day: on a ramp these are
    # close together (the noise only), where the raw values spread over the whole rise.
    carried = [v + slope * (day - d).days for d, v in zip(window, values, strict=True)]
    on_trend = _median(carried)
    # A falling trend is not extrapolated: a day back at the usual level is not an anomaly.
    expected = max(on_trend, _median(values))
    mad = _median([abs(v - on_trend) for v in carried])
    spread = max(MAD_SCALE * mad, settings.spread_floor_share * abs(expected))
    # The second highest: a level reached once (an earlier incident) does not hide the next.
    highest = sorted(values)[-2] if len(values) > 1 else None
    return Reference(expected=expected, spread=spread, highest=highest)


def _theil_sen_slope(xs: Sequence[int], ys: Sequence[Decimal]) -> Decimal:
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    return _median(slopes) if slopes else ZERO


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    if not ordered:
        return ZERO
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _net(
    series: Mapping[date, Decimal], fees: Mapping[date, Decimal], day: date, first_day: date | None
) -> Decimal:
    if first_day is None or day < first_day:
        return ZERO
    return series.get(day, ZERO) - fees.get(day, ZERO)


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += _DAY
