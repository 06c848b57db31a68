"""Which days of an answer are not complete yet, said in one short line.

Today is never complete (its cost is still being billed), and neither is any day after the
data's `data_through` (the last day with usage charges). Days a source itself calls estimated
(Cost Explorer's `Estimated`) are provisional: stored, but they may still change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from bot.domain.periods import Period

_DAY = timedelta(days=1)


def incomplete_from(period: Period, data_through: date | None, asked_on: date) -> date | None:
    """The first day of `period` that is not complete, or None when every day is.

    With no data at all, no day is complete: the period's first day.
    """
    if data_through is None:
        return period.start
    last_complete = min(data_through, asked_on - _DAY)
    first = max(period.start, last_complete + _DAY)
    return first if first <= period.end else None


def incomplete_note(period: Period, data_through: date | None, asked_on: date | None) -> str | None:
    """E.g. `Days after Nov 28 are incomplete (data through Nov 28); today is never complete.`

    None when every day of the period is complete, when the day of asking is not known, or when
    there is no data at all (the answer says so already).
    """
    if asked_on is None or data_through is None:
        return None
    if incomplete_from(period, data_through, asked_on) is None:
        return None
    has_today = period.start <= asked_on <= period.end
    if data_through >= asked_on - _DAY:  # only today is missing
        return "Today is incomplete: a day is never complete until it is over."
    through = _day(data_through, asked_on)
    note = f"Days after {through} are incomplete (data through {through})"
    return note + ("; today is never complete." if has_today else ".")


def provisional_in(period: Period, provisional_days: Iterable[date]) -> tuple[date, ...]:
    """The provisional days that fall in `period`, in order."""
    return tuple(sorted({day for day in provisional_days if period.start <= day <= period.end}))


def provisional_note(period: Period, provisional_days: Iterable[date]) -> str | None:
    """E.g. `3 days are provisional (estimated by the source).`; None when there are none."""
    count = len(provisional_in(period, provisional_days))
    if not count:
        return None
    days = "1 day is" if count == 1 else f"{count:,} days are"
    return f"{days} provisional (estimated by the source)."


def completeness_note(
    period: Period,
    data_through: date | None,
    asked_on: date | None,
    provisional_days: Iterable[date] = (),
) -> str | None:
    """The incomplete and provisional notes of an answer as one line, or None."""
    notes = [
        note
        for note in (
            incomplete_note(period, data_through, asked_on),
            provisional_note(period, provisional_days),
        )
        if note
    ]
    return " ".join(notes) or None


def _day(day: date, asked_on: date) -> str:
    """`Nov 28`, with the year when it is not the year of asking: `Dec 30, 2025`."""
    text = f"{day:%b} {day.day}"
    return text if day.year == asked_on.year else f"{text}, {day.year}"
