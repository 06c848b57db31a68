"""Budgets: what a team may spend in a UTC calendar period, and how far along it is.

A budget counts cost in its own currency only; cost in other currencies is reported beside it,
never converted or added in. Decisions (warning, over) compare exact products of Decimals, so a
spend of exactly 80% is at the 80% threshold whatever the rounding of the shown percentage.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext
from enum import StrEnum

from bot.domain.allocation import DIMENSIONS
from bot.domain.cost_rows import DIMENSION_VALUE_LENGTH
from bot.domain.currencies import is_currency_code

DEFAULT_THRESHOLDS: tuple[int, ...] = (50, 80, 100)
MIN_THRESHOLD = 1
MAX_THRESHOLD = 1000
ALL_SCOPE = "all"

# Shown percentages are quotients such as 10/31; this many significant digits, fixed here so
# the result does not depend on the caller's decimal context.
_PERCENT_DIGITS = 28

# Slack user ids start with U or W, user-group ids with S; all are upper-case letters and digits.
_SLACK_MENTION_ID = re.compile(r"[UWS][A-Z0-9]{2,}")


class BudgetError(ValueError):
    """A budget that cannot be used; the message says what to change and is safe to show."""


class BudgetPeriod(StrEnum):
    """How long a budget lasts: a UTC calendar month, quarter or year."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    def period_containing(self, day: date) -> tuple[date, date]:
        """The first and last (inclusive) day of the period of this kind that contains `day`."""
        if isinstance(day, datetime) or not isinstance(day, date):
            # A datetime would carry a time (and maybe a non-UTC zone) into calendar arithmetic.
            raise TypeError(f"day must be a date, not {type(day).__name__}")
        if self is BudgetPeriod.MONTHLY:
            first_month, months = day.month, 1
        elif self is BudgetPeriod.QUARTERLY:
            first_month, months = (day.month - 1) // 3 * 3 + 1, 3
        else:
            first_month, months = 1, 12
        last_month = first_month + months - 1
        _, last_day = calendar.monthrange(day.year, last_month)
        return date(day.year, first_month, 1), date(day.year, last_month, last_day)

    @classmethod
    def parse(cls, text: str) -> BudgetPeriod:
        """The period kind named by `text` (any case), or a BudgetError listing the kinds."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            kinds = ", ".join(kind.value for kind in cls)
            raise BudgetError(f"Unknown budget period {text!r}; use one of: {kinds}.") from None


DEFAULT_PERIOD = BudgetPeriod.MONTHLY


@dataclass(frozen=True)
class BudgetScope:
    """What a budget covers: one value of one dimension (`project: fraud-detection`) or all cost.

    `dimension` and `value` are both None for the whole-bill scope; build that with `everything()`.
    """

    dimension: str | None
    value: str | None

    def __post_init__(self) -> None:
        """Refuse half a scope, an unknown dimension or an empty value."""
        if self.dimension is None and self.value is None:
            return
        if self.dimension not in DIMENSIONS:
            raise BudgetError(
                f"Unknown budget dimension {self.dimension!r}; use one of: "
                f"{', '.join(DIMENSIONS)}, or {ALL_SCOPE!r} for all cost."
            )
        if not isinstance(self.value, str) or not self.value.strip():
            raise BudgetError(
                f"A {self.dimension} budget needs a {self.dimension} name, "
                f"e.g. {self.dimension} fraud-detection."
            )
        if self.value != self.value.strip():
            raise BudgetError(f"Budget {self.dimension} {self.value!r} has spaces around it.")
        if len(self.value) > DIMENSION_VALUE_LENGTH:
            raise BudgetError(
                f"Budget {self.dimension} name is {len(self.value):,} characters long; "
                f"at most {DIMENSION_VALUE_LENGTH} are allowed."
            )

    @classmethod
    def everything(cls) -> BudgetScope:
        """The scope of all cost in the store."""
        return cls(None, None)

    @property
    def is_all(self) -> bool:
        """True for the whole-bill scope."""
        return self.dimension is None

    def key(self) -> str:
        """Stable text naming the scope: `all` or `project=fraud-detection`.

        `=` cannot occur in a dimension name and `all` has none, so distinct scopes never share
        a key, even when a value contains `=` or `:`. The value is case-folded: costs match a
        scope whatever its case (allocation lower-cases tag values), so `Fraud-Detection` and
        `fraud-detection` are one scope with one budget.
        """
        if self.dimension is None:
            return ALL_SCOPE
        return f"{self.dimension}={(self.value or '').casefold()}"

    def __str__(self) -> str:
        """The scope as people write it: `all` or `project fraud-detection`."""
        return ALL_SCOPE if self.dimension is None else f"{self.dimension} {self.value}"


@dataclass(frozen=True)
class Budget:
    """An amount a scope may spend per period, and who hears about it.

    `floor` (in the budget's currency) silences threshold alerts while spend is under it, so a
    tiny budget's first cents do not page anyone; it does not change the status.
    """

    scope: BudgetScope
    amount: Decimal
    currency: str
    period: BudgetPeriod = DEFAULT_PERIOD
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    channel: str | None = None
    mentions: tuple[str, ...] = ()
    floor: Decimal | None = None

    def __post_init__(self) -> None:
        """Check every field, naming the budget, so a bad config line is found at once."""
        name = f"Budget for {self.scope}"
        if not isinstance(self.period, BudgetPeriod):
            raise BudgetError(f"{name}: period must be one of {', '.join(BudgetPeriod)}.")
        _check_amount(name, self.amount)
        _check_currency(name, self.currency)
        _check_thresholds(name, self.thresholds)
        _check_channel(name, self.channel)
        _check_mentions(name, self.mentions)
        _check_floor(name, self.floor)

    def period_containing(self, day: date) -> tuple[date, date]:
        """This budget's period that contains `day`, as inclusive start and end dates."""
        return self.period.period_containing(day)


def _check_amount(name: str, amount: object) -> None:
    """A budget amount is a finite Decimal above zero (never a float: money is exact)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise BudgetError(f"{name}: amount must be an exact number such as 5000 or 1250.50.")
    if amount <= 0:
        raise BudgetError(f"{name}: amount must be more than 0, not {amount}.")


def _check_currency(name: str, currency: object) -> None:
    """An active ISO 4217 code in capitals, suggesting the capitalised form when that fits."""
    if isinstance(currency, str) and is_currency_code(currency):
        return
    hint = ""
    if isinstance(currency, str) and is_currency_code(currency.strip().upper()):
        hint = f" (did you mean {currency.strip().upper()}?)"
    raise BudgetError(
        f"{name}: currency {currency!r} is not a 3-letter ISO 4217 code such as USD or EUR{hint}."
    )


def _check_thresholds(name: str, thresholds: object) -> None:
    """Whole percents from 1 to 1000, rising, each once; at least one."""
    if not isinstance(thresholds, tuple) or not thresholds:
        raise BudgetError(f"{name}: thresholds must be a list of percents such as [50, 80, 100].")
    for threshold in thresholds:
        # bool is an int in Python; True as "1%" is never what was meant.
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            raise BudgetError(f"{name}: threshold {threshold!r} must be a whole percent.")
        if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
            raise BudgetError(
                f"{name}: threshold {threshold}% must be from {MIN_THRESHOLD} to "
                f"{MAX_THRESHOLD} percent."
            )
    if len(set(thresholds)) != len(thresholds):
        raise BudgetError(f"{name}: thresholds {list(thresholds)} repeat a value; list each once.")
    if list(thresholds) != sorted(thresholds):
        raise BudgetError(
            f"{name}: thresholds {list(thresholds)} must rise; write {sorted(thresholds)}."
        )


def _check_channel(name: str, channel: object) -> None:
    """A channel name or id without spaces, or None to route by scope."""
    if channel is None:
        return
    if not isinstance(channel, str) or not channel.strip() or any(c.isspace() for c in channel):
        raise BudgetError(
            f"{name}: channel {channel!r} must be a channel name like #ml-costs or an id like "
            "C0123456789."
        )


def _check_mentions(name: str, mentions: object) -> None:
    """Slack user ids (U..., W...) or user-group ids (S...)."""
    if not isinstance(mentions, tuple):
        raise BudgetError(f"{name}: mention must be a list of Slack user or user-group ids.")
    for mention in mentions:
        if not isinstance(mention, str) or not _SLACK_MENTION_ID.fullmatch(mention):
            raise BudgetError(
                f"{name}: mention {mention!r} is not a Slack user id (U0123ABCD) or user-group "
                "id (S0123ABCD); copy it from the member's or group's profile."
            )


def _check_floor(name: str, floor: object) -> None:
    """None, or an exact amount of zero or more in the budget's currency."""
    if floor is None:
        return
    if not isinstance(floor, Decimal) or not floor.is_finite():
        raise BudgetError(f"{name}: floor must be an exact number such as 50.")
    if floor < 0:
        raise BudgetError(f"{name}: floor must be 0 or more, not {floor}.")


def reaches(budget: Budget, spent: Decimal, percent: int) -> bool:
    """True when `spent` is at least `percent`% of the budget, compared exactly."""
    return spent * 100 >= budget.amount * percent


class BudgetHealth(StrEnum):
    """A budget's state on a day, from calm to worst."""

    OK = "ok"
    WARNING = "warning"  # at or past the lowest threshold, under 100%
    FORECAST_OVER = "forecast_over"  # under 100% but projected past the amount
    OVER = "over"  # at or past 100%


@dataclass(frozen=True)
class BudgetStatus:
    """One budget on one day: spent so far, share used and elapsed, projection and health."""

    budget: Budget
    start: date
    end: date  # inclusive
    day: date
    spent: Decimal  # in budget.currency only
    percent_used: Decimal
    days_elapsed: int  # today included
    days_in_period: int
    percent_elapsed: Decimal
    projected: Decimal | None  # end-of-period spend in budget.currency, when known
    status: BudgetHealth
    # Cost of the same scope and period in other currencies, by code, never added to `spent`.
    other_currencies: Mapping[str, Decimal] = field(default_factory=dict)


def budget_status(
    budget: Budget,
    day: date,
    spent_by_currency: Mapping[str, Decimal],
    projected: Decimal | None = None,
) -> BudgetStatus:
    """The status of `budget` on `day` given the period's spend so far in each currency.

    `projected` is the end-of-period spend in the budget's currency, computed elsewhere; None
    when there is no projection yet (then the status is never forecast_over).
    """
    start, end = budget.period_containing(day)
    spent = spent_by_currency.get(budget.currency, Decimal(0))
    others = {
        code: amount
        for code, amount in sorted(spent_by_currency.items())
        if code != budget.currency and amount != 0
    }
    days_elapsed = (day - start).days + 1
    days_in_period = (end - start).days + 1
    with localcontext() as context:
        context.prec = _PERCENT_DIGITS
        percent_used = spent * 100 / budget.amount
        percent_elapsed = Decimal(days_elapsed * 100) / days_in_period
    return BudgetStatus(
        budget=budget,
        start=start,
        end=end,
        day=day,
        spent=spent,
        percent_used=percent_used,
        days_elapsed=days_elapsed,
        days_in_period=days_in_period,
        percent_elapsed=percent_elapsed,
        projected=projected,
        status=_health(budget, spent, projected),
        other_currencies=others,
    )


def _health(budget: Budget, spent: Decimal, projected: Decimal | None) -> BudgetHealth:
    """Over beats a forecast, a forecast beats a warning: the worst true thing is shown."""
    if reaches(budget, spent, 100):
        return BudgetHealth.OVER
    if projected is not None and projected > budget.amount:
        return BudgetHealth.FORECAST_OVER
    if budget.thresholds[0] < 100 and reaches(budget, spent, budget.thresholds[0]):
        return BudgetHealth.WARNING
    return BudgetHealth.OK
