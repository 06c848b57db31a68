"""Digests: which complete days a daily or weekly digest covers, and its arithmetic per currency.

A digest speaks only of complete days (see `bot.services.freshness.complete_through`): a daily
digest covers the last complete day, compared with the same weekday a week before (a Monday is
not a Sunday); both kinds compare the last 7 complete days with the 7 before, which for a weekly
digest is its Monday-Sunday week and the week before. Money stays Decimal; currencies are
sections of their own, never added together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.domain.money import ZERO, percent_change
from bot.domain.reports import SharedShare

Series = Mapping[date, Decimal]
_DAY = timedelta(days=1)
CHART_DAYS = 30
MOVERS_SHOWN = 3
CHART_STACKS = 5  # the largest movers drawn apart; the rest of the scope is one "other" layer

# The dimension a digest's movers are counted in: one step down from its scope.
CHILD_DIMENSION: dict[str | None, str] = {
    None: "project",
    "team": "project",
    "owner": "project",
    "environment": "project",
    "project": "service",
    "model": "service",
    "service": "account",
    "account": "service",
    "region": "service",
}


class DigestEvery(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class DigestWindow:
    """The days a digest covers and those it compares them with (all inclusive)."""

    every: DigestEvery
    start: date
    end: date
    previous_start: date  # daily: the same weekday a week before; weekly: the week before
    previous_end: date

    @property
    def week(self) -> tuple[date, date]:
        """The last 7 complete days (a weekly digest's own week)."""
        return self.end - 6 * _DAY, self.end

    @property
    def week_before(self) -> tuple[date, date]:
        return self.end - 13 * _DAY, self.end - 7 * _DAY

    @property
    def chart(self) -> tuple[date, date]:
        return self.end - (CHART_DAYS - 1) * _DAY, self.end

    @property
    def first_day_read(self) -> date:
        return min(self.chart[0], self.week_before[0], self.previous_start)

    def days(self, first: date, last: date) -> list[date]:
        return [first + n * _DAY for n in range((last - first).days + 1)]


def digest_window(every: DigestEvery, complete_through: date | None) -> DigestWindow | None:
    """The latest period whose days are all complete; None when no day is complete yet."""
    if complete_through is None:
        return None
    if every is DigestEvery.DAILY:
        day = complete_through
        week_ago = day - 7 * _DAY
        return DigestWindow(every, day, day, week_ago, week_ago)
    sunday = complete_through - ((complete_through.weekday() - 6) % 7) * _DAY
    monday = sunday - 6 * _DAY
    return DigestWindow(every, monday, sunday, monday - 7 * _DAY, sunday - 7 * _DAY)


@dataclass(frozen=True)
class Change:
    current: Decimal
    previous: Decimal

    @property
    def delta(self) -> Decimal:
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        return percent_change(self.current, self.previous)


@dataclass(frozen=True)
class Mover:
    """One value of the child dimension (None: cost without one) and its 7-day change."""

    name: str | None
    change: Change


@dataclass(frozen=True)
class ChartLayer:
    name: str | None  # None: cost without a child value
    daily: tuple[Decimal, ...]  # one amount per chart day
    rest: bool = False  # the scope's cost outside the layers drawn apart


@dataclass(frozen=True)
class DigestShared:
    """Shared cost in a section's numbers over the covered days (`start`..`end`), per rule,
    origin and method, largest first, cost positive.

    A scoped digest: what its value received (in its numbers) and what rules shared of its
    cost among others (not in them). The all-cost digest: what its child values received,
    in their numbers; its total is unchanged by sharing, which only moves cost between them.
    """

    received: tuple[SharedShare, ...] = ()
    given: tuple[SharedShare, ...] = ()

    @property
    def received_total(self) -> Decimal:
        return sum((part.cost for part in self.received), ZERO)

    @property
    def given_total(self) -> Decimal:
        return sum((part.cost for part in self.given), ZERO)

    def __bool__(self) -> bool:
        return bool(self.received or self.given)


@dataclass(frozen=True)
class DigestSection:
    """A digest's numbers in one currency."""

    currency: str
    period: Change  # the covered day or week against its comparison
    week: Change  # the last 7 complete days against the 7 before
    rises: tuple[Mover, ...]
    falls: tuple[Mover, ...]
    untagged: Decimal | None  # over `week`; None when not known
    chart_days: tuple[date, ...]
    chart: tuple[ChartLayer, ...]
    shared: DigestShared = DigestShared()

    @property
    def untagged_share(self) -> Decimal | None:
        if self.untagged is None or self.week.current <= 0:
            return None
        return self.untagged / self.week.current * 100


def total(series: Series, first: date, last: date) -> Decimal:
    return sum((cost for day, cost in series.items() if first <= day <= last), ZERO)


def digest_sections(
    window: DigestWindow,
    scope: Mapping[str, Series],
    children: Mapping[str | None, Mapping[str, Series]],
    untagged: Mapping[str, Decimal] | None = None,
    shared: Mapping[str, DigestShared] | None = None,
) -> tuple[DigestSection, ...]:
    """One section per currency of the scope, the largest spend of the covered period first.

    Args:
        scope: currency -> the scope's daily cost.
        children: child value (None: no value) -> currency -> daily cost.
        untagged: currency -> untagged cost over the last 7 days, when the caller knows it.
        shared: currency -> the shared cost the numbers include over the covered days.
    """
    shared = shared or {}
    sections = []
    for currency, series in scope.items():
        movers = _movers(window, currency, children)
        sections.append(
            DigestSection(
                currency=currency,
                period=Change(
                    total(series, window.start, window.end),
                    total(series, window.previous_start, window.previous_end),
                ),
                week=Change(total(series, *window.week), total(series, *window.week_before)),
                rises=tuple(m for m in movers if m.change.delta > 0)[:MOVERS_SHOWN],
                falls=tuple(
                    sorted(
                        (m for m in movers if m.change.delta < 0),
                        key=lambda m: (m.change.delta, m.name or ""),
                    )
                )[:MOVERS_SHOWN],
                untagged=None if untagged is None else untagged.get(currency, ZERO),
                chart_days=tuple(window.days(*window.chart)),
                chart=_chart(window, currency, series, children, movers),
                shared=shared.get(currency, DigestShared()),
            )
        )
    sections.sort(key=lambda s: (-s.period.current, -s.week.current, s.currency))
    return tuple(s for s in sections if s.week.current or s.week.previous or s.period.previous)


def _movers(
    window: DigestWindow, currency: str, children: Mapping[str | None, Mapping[str, Series]]
) -> list[Mover]:
    """Every child value with cost in `currency` in the two weeks, largest rise first."""
    movers = [
        Mover(
            name,
            Change(total(by[currency], *window.week), total(by[currency], *window.week_before)),
        )
        for name, by in children.items()
        if currency in by
    ]
    movers.sort(key=lambda m: (-m.change.delta, m.name or ""))
    return movers


def _chart(
    window: DigestWindow,
    currency: str,
    series: Series,
    children: Mapping[str | None, Mapping[str, Series]],
    movers: list[Mover],
) -> tuple[ChartLayer, ...]:
    """The scope's daily cost over the chart days, the largest movers as layers of their own."""
    days = window.days(*window.chart)
    biggest = sorted(movers, key=lambda m: (-abs(m.change.delta), m.name or ""))[:CHART_STACKS]
    layers = []
    drawn = [ZERO] * len(days)
    for mover in biggest:
        daily = children[mover.name][currency]
        values = tuple(daily.get(day, ZERO) for day in days)
        drawn = [a + b for a, b in zip(drawn, values, strict=True)]
        layers.append(ChartLayer(mover.name, values))
    rest = tuple(series.get(day, ZERO) - shown for day, shown in zip(days, drawn, strict=True))
    if any(rest) or not layers:
        layers.append(ChartLayer(None, rest, rest=True))
    return tuple(layers)
