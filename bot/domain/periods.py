"""Reporting periods typed by people ("mtd", "7d", "2024-09", ...) as inclusive UTC date ranges."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

DEFAULT_PERIOD = "mtd"

VALID_PERIOD_FORMS: tuple[str, ...] = (
    "today",
    "yesterday",
    "mtd",
    "last-month",
    "Nd (e.g. 7d, 90d)",
    "ytd",
    "YYYY-MM",
    "YYYY-MM-DD..YYYY-MM-DD",
)

# The longest period of any form: ten years and change, enough for any cost question. Every
# answer's work (daily series, chart, comparison period) grows with the days asked for, so one
# unbounded range could hold a worker and gigabytes for minutes.
MAX_DAYS = 3660

# Long pasted text is cut in error messages so a Slack reply stays readable.
_MAX_ECHO_CHARS = 40

_ONE_DAY = timedelta(days=1)

# [0-9] rather than \d: \d also matches other scripts' digits ("٧d"), which nobody means here.
_N_DAYS = re.compile(r"([0-9]+)d")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_ISO_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_RANGE = re.compile(rf"({_ISO_DAY})\s*\.\.\s*({_ISO_DAY})")


class PeriodError(ValueError):
    """A period text that cannot be understood; the message is safe to show to the user."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of UTC calendar dates with the text that names it."""

    start: date
    end: date  # inclusive
    label: str

    def __post_init__(self) -> None:
        """Reject an empty or reversed range, which no caller can sensibly use."""
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before start {self.start}")

    @property
    def days(self) -> int:
        """Number of days in the period, counting both ends."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same number of days that ends the day before this one starts.

        Deliberately not "the previous calendar month": comparisons need equal lengths, so
        the period before March (31 days) is Jan 29..Feb 28 in a common year.
        Raises OverflowError before 0001-01-01; parse_period never returns such a period.
        """
        days = self.days
        end = self.start - _ONE_DAY
        start = end - timedelta(days=days - 1)
        unit = "day" if days == 1 else "days"
        return Period(start=start, end=end, label=f"previous {days} {unit}")

    def iter_days(self) -> Iterator[date]:
        """Yield every date of the period in order."""
        # Offsets from start rather than "day += 1" so 9999-12-31 does not overflow past the end.
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def clipped(self, last: date) -> Period:
        """This period with its end moved back to `last` if it runs past it; label unchanged.

        Used to stop "mtd"/"ytd"/future periods at the last day that has data. The label is
        kept because it still names what the user asked for. Raises ValueError when `last`
        is before the start, since the result would be an empty period.
        """
        if last < self.start:
            raise ValueError(f"cannot clip period {self.label!r} starting {self.start} at {last}")
        if last >= self.end:
            return self
        return replace(self, end=last)


def parse_period(text: str | None, today: date) -> Period:
    """Parse a period typed by a user; `today` is the caller's current UTC date."""
    if isinstance(today, datetime):
        # A datetime would leak times (and maybe a non-UTC zone) into date arithmetic.
        raise TypeError("today must be a date, not a datetime")
    shown = (text or "").strip()
    normalised = shown.lower() or DEFAULT_PERIOD
    try:
        period = _build(normalised, shown, today)
        _check_length(period, shown)
        # Checked once here so callers can always call previous() on a parsed period.
        period.previous()
    except OverflowError:
        # Only reachable next to 0001-01-01 (e.g. "ytd" in year 1): nothing earlier exists.
        raise _error(f"Period {_quote(shown)} is outside the supported calendar.") from None
    return period


def _build(normalised: str, shown: str, today: date) -> Period:
    """Turn already-normalised period text into a Period, or raise PeriodError."""
    fixed = _FIXED_PERIODS.get(normalised)
    if fixed is not None:
        return fixed(today)
    if match := _N_DAYS.fullmatch(normalised):
        return _last_n_days(match.group(1), today)
    if match := _MONTH.fullmatch(normalised):
        return _calendar_month(match.group(1), match.group(2))
    if match := _RANGE.fullmatch(normalised):
        return _date_range(match.group(1), match.group(2))
    raise _error(f"Unknown period {_quote(shown)}.")


def _check_length(period: Period, shown: str) -> None:
    """Refuse a period longer than MAX_DAYS, saying the cap and what to ask instead."""
    if period.days > MAX_DAYS:
        raise PeriodError(
            f"Period {_quote(shown)} is {period.days:,} days long; a period can be at most "
            f"{MAX_DAYS} days (about ten years). Ask for a shorter one, e.g. ytd, 365d or "
            f"a range such as {_example_range(period)}."
        )


def _example_range(period: Period) -> str:
    """The last year of the refused period, as a range the user can paste."""
    start = period.end - timedelta(days=364)
    return f"{start.isoformat()}..{period.end.isoformat()}"


def _today(today: date) -> Period:
    """Just today."""
    return Period(today, today, "today")


def _yesterday(today: date) -> Period:
    """Just the day before today."""
    day = today - _ONE_DAY
    return Period(day, day, "yesterday")


def _month_to_date(today: date) -> Period:
    """The 1st of this month up to and including today."""
    return Period(today.replace(day=1), today, "mtd")


def _last_month(today: date) -> Period:
    """The whole calendar month before this one."""
    end = today.replace(day=1) - _ONE_DAY
    return Period(end.replace(day=1), end, "last-month")


def _year_to_date(today: date) -> Period:
    """January 1st of this year up to and including today."""
    return Period(date(today.year, 1, 1), today, "ytd")


_FIXED_PERIODS: dict[str, Callable[[date], Period]] = {
    "today": _today,
    "yesterday": _yesterday,
    "mtd": _month_to_date,
    "last-month": _last_month,
    "ytd": _year_to_date,
}


def _last_n_days(digits: str, today: date) -> Period:
    """The last N days, today included."""
    # Length check before int(): Python refuses to convert digit strings over 4300 characters.
    significant = digits.lstrip("0") or "0"
    count = int(significant) if len(significant) <= len(str(MAX_DAYS)) else MAX_DAYS + 1
    if not 1 <= count <= MAX_DAYS:
        raise _error(f"Number of days in {_quote(digits + 'd')} must be from 1 to {MAX_DAYS}.")
    return Period(today - timedelta(days=count - 1), today, f"{count}d")


def _calendar_month(year: str, month: str) -> Period:
    """One whole calendar month given as YYYY-MM."""
    label = f"{year}-{month}"
    try:
        start = date(int(year), int(month), 1)
    except ValueError:
        raise _error(f"Invalid month {_quote(label)}.") from None
    _, last_day = calendar.monthrange(start.year, start.month)
    return Period(start, start.replace(day=last_day), label)


def _date_range(first: str, last: str) -> Period:
    """An inclusive range given as YYYY-MM-DD..YYYY-MM-DD."""
    start, end = _iso_date(first), _iso_date(last)
    if start > end:
        raise _error(f"Period start {first} is after end {last}.")
    return Period(start, end, f"{first}..{last}")


def _iso_date(text: str) -> date:
    """A YYYY-MM-DD date that the regex has already shaped, checked against the calendar."""
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        raise _error(f"Invalid date {_quote(text)}.") from None


def _quote(text: str) -> str:
    """The user's text in double quotes, shortened if it is long."""
    if len(text) > _MAX_ECHO_CHARS:
        text = text[: _MAX_ECHO_CHARS - 1] + "…"
    return f'"{text}"'


def _error(reason: str) -> PeriodError:
    """A PeriodError whose message explains the problem and lists every accepted form."""
    return PeriodError(f"{reason} Use one of: {', '.join(VALID_PERIOD_FORMS)}.")
