"""Budget forecasts: the projected end-of-period spend, its range, and when it is worth an alert.

A projection is the spend of the complete days so far plus, for each remaining day, the recent
run rate of its kind: weekdays (Monday to Friday) and weekend days are averaged apart, because
training jobs and notebooks follow office hours and a single blended rate would over-forecast a
month that ends on a weekend.

The range uses the mean absolute deviation (MAD) of the recent days of each kind: a kind's low rate
is its mean minus its MAD, its high rate its mean plus its MAD, each kept within the lowest and the
highest day seen (so a quiet fortnight with one spike never projects a negative day). The mean
always lies within these bounds, so low <= projected <= high holds by construction.

Arithmetic is done in exact fractions and turned into Decimal once per figure, so the three
figures keep their order and a series with a terminating mean projects to the exact cent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

from bot.domain.money import to_cents

DEFAULT_RECENT_DAYS = 14
DEFAULT_MIN_DAYS = 5
DEFAULT_FORECAST_STEP_PERCENT = 10

_ONE_DAY = timedelta(days=1)
# Enough significant digits for any bill; a mean such as 10/3 is cut here, not at 28 digits.
_DECIMAL_DIGITS = 34
_SATURDAY = 5


@dataclass(frozen=True)
class RunRate:
    """The daily rate used for one kind of remaining day, with the sample it came from."""

    days_used: int  # recent days of this kind (or of all kinds, when `from_all_days`)
    rate: Decimal  # mean cost per day
    low: Decimal  # max(mean - MAD, lowest day)
    high: Decimal  # min(mean + MAD, highest day)
    remaining_days: int  # days of this kind left in the period after `through`
    from_all_days: bool  # no recent day of this kind: the all-days mean stands in


@dataclass(frozen=True)
class ProjectionBasis:
    """How a projection was computed, for the message that explains it."""

    period_start: date
    period_end: date
    through: date  # last complete day counted as spent
    days_elapsed: int  # complete days of the period, start..through
    window_start: date  # first recent day sampled
    days_used: int  # recent days sampled, window_start..through (see project_period_spend)
    recent_days: int  # the window's length as asked
    weekday: RunRate
    weekend: RunRate

    def describe(self, spent: Decimal, money: Callable[[Decimal], str] | None = None) -> str:
        """`spent $X so far + N weekdays at $A/day + M weekend days at $B/day (rates from ...)`.

        `money` formats an amount in the budget's currency (the Slack layer passes its
        `format_money`); without it amounts are plain cents, e.g. `1,234.50`.
        """
        fmt = money if money is not None else _plain_cents
        parts = [f"spent {fmt(spent)} so far"]
        if self.weekday.remaining_days:
            parts.append(_days_text(self.weekday, "weekday", "weekdays", fmt))
        if self.weekend.remaining_days:
            parts.append(_days_text(self.weekend, "weekend day", "weekend days", fmt))
        if len(parts) == 1:
            return f"{parts[0]}; no days remain in the period"
        days = "day" if self.days_used == 1 else "days"
        return f"{' + '.join(parts)} (rates from the last {self.days_used} complete {days})"


@dataclass(frozen=True)
class Projection:
    """Projected end-of-period spend of one currency, with a range: low <= projected <= high."""

    spent: Decimal  # complete days so far, period_start..through
    projected: Decimal
    low: Decimal
    high: Decimal
    basis: ProjectionBasis

    @property
    def method(self) -> str:
        """The explanation in plain cents; use `basis.describe(spent, money)` for a currency."""
        return self.basis.describe(self.spent)


def project_period_spend(
    daily: Mapping[date, Decimal],
    period_start: date,
    period_end: date,
    through: date,
    *,
    recent_days: int = DEFAULT_RECENT_DAYS,
    min_days: int = DEFAULT_MIN_DAYS,
) -> Projection | None:
    """Project the spend of `period_start..period_end` (inclusive) from its complete days.

    `daily` holds one currency's cost per UTC day; `through` is the last complete day. Days
    after `through` are ignored (still provisional). A day within the period and on or before
    `through` that is missing from `daily` counts as a day without cost: the store keeps no row
    for a day nothing was billed. A recent day before `period_start` is sampled only when
    `daily` has it, so callers may pass the previous period's last days to steady an early
    forecast, while an absent one is unknown, not free.

    None while the period has fewer than `min_days` complete days. When `through` is on or
    after `period_end` nothing remains: the projection is the spend and the range collapses.
    """
    if period_end < period_start:
        raise ValueError(f"period end {period_end} is before start {period_start}")
    if recent_days < 1:
        raise ValueError(f"recent_days must be at least 1, not {recent_days}")
    if min_days < 1:
        raise ValueError(f"min_days must be at least 1, not {min_days}")
    through = min(through, period_end)
    days_elapsed = (through - period_start).days + 1
    if days_elapsed < min_days:
        return None

    spent = sum(
        (_fraction(daily, day) for day in _days(period_start, through)),
        Fraction(0),
    )
    window_start = through - timedelta(days=recent_days - 1)
    weekday_costs: list[Fraction] = []
    weekend_costs: list[Fraction] = []
    sampled: list[date] = []
    for day in _days(window_start, through):
        if day < period_start and day not in daily:
            continue
        sampled.append(day)
        (weekend_costs if _is_weekend(day) else weekday_costs).append(_fraction(daily, day))
    all_costs = weekday_costs + weekend_costs

    remaining = _days(through + _ONE_DAY, period_end)
    remaining_weekend = sum(1 for day in remaining if _is_weekend(day))
    weekday = _kind_rate(weekday_costs, all_costs, len(remaining) - remaining_weekend)
    weekend = _kind_rate(weekend_costs, all_costs, remaining_weekend)

    def projected_with(pick: Callable[[_Rate], Fraction]) -> Decimal:
        return _decimal(
            spent + pick(weekday) * weekday.remaining_days + pick(weekend) * weekend.remaining_days
        )

    basis = ProjectionBasis(
        period_start=period_start,
        period_end=period_end,
        through=through,
        days_elapsed=days_elapsed,
        window_start=sampled[0],
        days_used=len(all_costs),
        recent_days=recent_days,
        weekday=weekday.public(),
        weekend=weekend.public(),
    )
    return Projection(
        spent=_decimal(spent),
        projected=projected_with(lambda r: r.mean),
        low=projected_with(lambda r: r.low),
        high=projected_with(lambda r: r.high),
        basis=basis,
    )


def forecast_should_alert(
    amount: Decimal,
    projected: Decimal,
    last_alerted_projection: Decimal | None,
    step_percent: Decimal | int = DEFAULT_FORECAST_STEP_PERCENT,
) -> bool:
    """Whether a projection of one budget and period is worth a (further) forecast alert.

    The first alert of a period goes out once the projection exceeds the budget `amount`. After
    that, only a projection that is over the budget AND at least `step_percent` of the budget
    amount above the last alerted projection alerts again (10% of a $5,000 budget: every further
    $500). The step is measured against the budget, not the projection, so it means the same
    money however far over the budget the forecast already is. A projection that fell and rose
    again is compared with the last alerted one, so wobbling around it never re-alerts.
    """
    if amount <= 0:
        raise ValueError(f"a budget amount must be positive, not {amount}")
    if step_percent < 0:
        raise ValueError(f"the forecast step must not be negative, not {step_percent}")
    if projected <= amount:
        return False
    if last_alerted_projection is None:
        return True
    step = Fraction(amount) * Fraction(step_percent) / 100
    return Fraction(projected) - Fraction(last_alerted_projection) >= step


@dataclass(frozen=True)
class _Rate:
    """A kind's rate as exact fractions, before it is shown."""

    mean: Fraction
    low: Fraction
    high: Fraction
    days_used: int
    remaining_days: int
    from_all_days: bool

    def public(self) -> RunRate:
        return RunRate(
            days_used=self.days_used,
            rate=_decimal(self.mean),
            low=_decimal(self.low),
            high=_decimal(self.high),
            remaining_days=self.remaining_days,
            from_all_days=self.from_all_days,
        )


def _kind_rate(costs: Sequence[Fraction], all_costs: Sequence[Fraction], remaining: int) -> _Rate:
    """Mean and MAD bounds of one kind's recent days, or of all recent days when it has none."""
    sample = costs if costs else all_costs
    mean = sum(sample, Fraction(0)) / len(sample)
    mad = sum((abs(cost - mean) for cost in sample), Fraction(0)) / len(sample)
    return _Rate(
        mean=mean,
        low=max(mean - mad, min(sample)),
        high=min(mean + mad, max(sample)),
        days_used=len(sample),
        remaining_days=remaining,
        from_all_days=not costs,
    )


def _fraction(daily: Mapping[date, Decimal], day: date) -> Fraction:
    amount = daily.get(day)
    if amount is None:
        return Fraction(0)
    if not amount.is_finite():
        raise ValueError(f"the cost of {day} is {amount}, not an amount of money")
    return Fraction(amount)


def _decimal(value: Fraction) -> Decimal:
    with localcontext() as context:
        context.prec = _DECIMAL_DIGITS
        return Decimal(value.numerator) / Decimal(value.denominator)


def _days(first: date, last: date) -> Sequence[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _is_weekend(day: date) -> bool:
    return day.weekday() >= _SATURDAY


def _days_text(rate: RunRate, one: str, many: str, fmt: Callable[[Decimal], str]) -> str:
    name = one if rate.remaining_days == 1 else many
    return f"{rate.remaining_days} {name} at {fmt(rate.rate)}/day"


def _plain_cents(amount: Decimal) -> str:
    return f"{to_cents(amount):,.2f}"
