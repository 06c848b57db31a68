"""Tests for parsing reporting periods and the arithmetic on them."""

from __future__ import annotations

import ast
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import periods
from bot.domain.periods import (
    DEFAULT_PERIOD,
    MAX_DAYS,
    VALID_PERIOD_FORMS,
    Period,
    PeriodError,
    parse_period,
)

D = date
TODAY = D(2024, 9, 15)
ALL_FORMS = ", ".join(VALID_PERIOD_FORMS)


@pytest.mark.parametrize(
    ("text", "today", "start", "end", "label"),
    [
        ("today", TODAY, TODAY, TODAY, "today"),
        ("yesterday", TODAY, D(2024, 9, 14), D(2024, 9, 14), "yesterday"),
        ("yesterday", D(2024, 3, 1), D(2024, 2, 29), D(2024, 2, 29), "yesterday"),
        ("mtd", TODAY, D(2024, 9, 1), TODAY, "mtd"),
        ("mtd", D(2024, 9, 1), D(2024, 9, 1), D(2024, 9, 1), "mtd"),
        ("last-month", TODAY, D(2024, 8, 1), D(2024, 8, 31), "last-month"),
        ("last-month", D(2024, 1, 10), D(2023, 12, 1), D(2023, 12, 31), "last-month"),
        ("last-month", D(2024, 3, 31), D(2024, 2, 1), D(2024, 2, 29), "last-month"),
        ("1d", TODAY, TODAY, TODAY, "1d"),
        ("7d", TODAY, D(2024, 9, 9), TODAY, "7d"),
        ("90d", TODAY, D(2024, 6, 18), TODAY, "90d"),
        ("007d", TODAY, D(2024, 9, 9), TODAY, "7d"),
        (f"{MAX_DAYS}d", TODAY, TODAY - timedelta(days=MAX_DAYS - 1), TODAY, f"{MAX_DAYS}d"),
        ("ytd", TODAY, D(2024, 1, 1), TODAY, "ytd"),
        ("ytd", D(2025, 1, 1), D(2025, 1, 1), D(2025, 1, 1), "ytd"),
        ("2024-09", TODAY, D(2024, 9, 1), D(2024, 9, 30), "2024-09"),
        ("2024-02", TODAY, D(2024, 2, 1), D(2024, 2, 29), "2024-02"),
        ("2023-02", TODAY, D(2023, 2, 1), D(2023, 2, 28), "2023-02"),
        ("2024-12", TODAY, D(2024, 12, 1), D(2024, 12, 31), "2024-12"),
        ("9999-12", TODAY, D(9999, 12, 1), D(9999, 12, 31), "9999-12"),
        (
            "2024-09-01..2024-09-30",
            TODAY,
            D(2024, 9, 1),
            D(2024, 9, 30),
            "2024-09-01..2024-09-30",
        ),
        ("2024-09-03..2024-09-03", TODAY, D(2024, 9, 3), D(2024, 9, 3), "2024-09-03..2024-09-03"),
        ("2023-12-25..2024-01-02", TODAY, D(2023, 12, 25), D(2024, 1, 2), "2023-12-25..2024-01-02"),
    ],
)
def test_parses_every_form(text: str, today: date, start: date, end: date, label: str) -> None:
    assert parse_period(text, today) == Period(start, end, label)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("MTD", "mtd"),
        ("  mtd  ", "mtd"),
        ("\tLast-Month\n", "last-month"),
        ("90D", "90d"),
        ("YTD", "ytd"),
        ("Today", "today"),
        ("2024-09-01 .. 2024-09-30", "2024-09-01..2024-09-30"),
        ("2024-09-01 ..2024-09-30", "2024-09-01..2024-09-30"),
        (" 2024-09-01..  2024-09-30 ", "2024-09-01..2024-09-30"),
    ],
)
def test_normalises_case_and_spaces(text: str, label: str) -> None:
    assert parse_period(text, TODAY).label == label


@pytest.mark.parametrize("text", [None, "", "   "])
def test_missing_text_means_the_default_period(text: str | None) -> None:
    assert parse_period(text, TODAY) == parse_period(DEFAULT_PERIOD, TODAY)
    assert parse_period(text, TODAY).label == "mtd"


def test_future_periods_are_allowed() -> None:
    assert parse_period("2030-01", TODAY) == Period(D(2030, 1, 1), D(2030, 1, 31), "2030-01")


def test_unknown_text_message_lists_the_valid_forms() -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period("foo", TODAY)
    assert str(caught.value) == (
        'Unknown period "foo". Use one of: today, yesterday, mtd, last-month, '
        "Nd (e.g. 7d, 90d), ytd, YYYY-MM, YYYY-MM-DD..YYYY-MM-DD."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("foo", 'Unknown period "foo".'),
        ("last month", 'Unknown period "last month".'),
        ("7", 'Unknown period "7".'),
        ("d", 'Unknown period "d".'),
        ("-7d", 'Unknown period "-7d".'),
        ("7 d", 'Unknown period "7 d".'),
        ("٧d", 'Unknown period "٧d".'),  # Arabic-Indic seven: only ASCII digits count.
        ("2024-9", 'Unknown period "2024-9".'),
        ("2024-09-01", 'Unknown period "2024-09-01".'),
        ("2024-09-01...2024-09-30", 'Unknown period "2024-09-01...2024-09-30".'),
        ("2024-02-30", 'Unknown period "2024-02-30".'),
        ("mtd\n7d", 'Unknown period "mtd\n7d".'),
        ("0d", 'Number of days in "0d" must be from 1 to 3660.'),
        ("000d", 'Number of days in "000d" must be from 1 to 3660.'),
        ("3661d", 'Number of days in "3661d" must be from 1 to 3660.'),
        ("9" * 5000 + "d", "must be from 1 to 3660."),
        ("2024-13", 'Invalid month "2024-13".'),
        ("2024-00", 'Invalid month "2024-00".'),
        ("0000-01", 'Invalid month "0000-01".'),
        ("2024-02-30..2024-03-01", 'Invalid date "2024-02-30".'),
        ("2023-02-01..2023-02-29", 'Invalid date "2023-02-29".'),
        ("2024-09-01..2024-13-01", 'Invalid date "2024-13-01".'),
        ("2024-09-30..2024-09-01", "Period start 2024-09-30 is after end 2024-09-01."),
    ],
)
def test_rejects_bad_text_with_a_helpful_message(text: str, expected: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, TODAY)
    message = str(caught.value)
    assert expected in message
    assert message.endswith(f"Use one of: {ALL_FORMS}.")


def test_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period("x" * 500, TODAY)
    assert len(str(caught.value)) < 200
    assert "…" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("ytd", D(1, 6, 1)),
        ("yesterday", D(1, 1, 1)),
        ("last-month", D(1, 1, 20)),
        ("3660d", D(1, 1, 1)),
        ("0001-01", TODAY),
        ("0001-01-01..0001-01-05", TODAY),
    ],
)
def test_periods_at_the_start_of_the_calendar_raise_period_error(text: str, today: date) -> None:
    with pytest.raises(PeriodError, match="outside the supported calendar"):
        parse_period(text, today)


def test_today_must_be_a_date_not_a_datetime() -> None:
    with pytest.raises(TypeError):
        parse_period("mtd", datetime(2024, 9, 15, 23, 30))


def test_period_error_is_a_value_error() -> None:
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (D(2024, 9, 1), D(2024, 9, 1), 1),
        (D(2024, 9, 1), D(2024, 9, 30), 30),
        (D(2024, 1, 1), D(2024, 12, 31), 366),
        (D(2023, 1, 1), D(2023, 12, 31), 365),
    ],
)
def test_days_counts_both_ends(start: date, end: date, days: int) -> None:
    assert Period(start, end, "x").days == days


def test_reversed_period_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="before start"):
        Period(D(2024, 9, 2), D(2024, 9, 1), "x")


@pytest.mark.parametrize(
    ("text", "today", "start", "end", "label"),
    [
        # March has 31 days, so the period before it is 31 days too, not February.
        ("last-month", D(2023, 4, 5), D(2023, 1, 29), D(2023, 2, 28), "previous 31 days"),
        ("last-month", D(2024, 4, 5), D(2024, 1, 30), D(2024, 2, 29), "previous 31 days"),
        ("mtd", D(2024, 9, 27), D(2024, 8, 5), D(2024, 8, 31), "previous 27 days"),
        ("mtd", D(2024, 9, 1), D(2024, 8, 31), D(2024, 8, 31), "previous 1 day"),
        ("today", TODAY, D(2024, 9, 14), D(2024, 9, 14), "previous 1 day"),
        ("7d", TODAY, D(2024, 9, 2), D(2024, 9, 8), "previous 7 days"),
        ("2024-01", TODAY, D(2023, 12, 1), D(2023, 12, 31), "previous 31 days"),
    ],
)
def test_previous_is_the_same_length_just_before(
    text: str, today: date, start: date, end: date, label: str
) -> None:
    assert parse_period(text, today).previous() == Period(start, end, label)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(D(2024, 9, 1), D(2024, 9, 1), "x"), [D(2024, 9, 1)]),
        (
            Period(D(2024, 2, 28), D(2024, 3, 1), "x"),
            [D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1)],
        ),
        (Period(D(9999, 12, 30), D(9999, 12, 31), "x"), [D(9999, 12, 30), D(9999, 12, 31)]),
    ],
)
def test_iter_days_yields_each_day_in_order(period: Period, expected: list[date]) -> None:
    assert list(period.iter_days()) == expected


SEPTEMBER = Period(D(2024, 9, 1), D(2024, 9, 30), "2024-09")


@pytest.mark.parametrize(
    ("last", "expected_end"),
    [
        (D(2024, 9, 15), D(2024, 9, 15)),
        (D(2024, 9, 1), D(2024, 9, 1)),
        (D(2024, 9, 30), D(2024, 9, 30)),
        (D(2024, 10, 20), D(2024, 9, 30)),
    ],
)
def test_clipped_moves_the_end_back_only(last: date, expected_end: date) -> None:
    assert SEPTEMBER.clipped(last) == Period(D(2024, 9, 1), expected_end, "2024-09")


def test_clipped_before_the_start_raises() -> None:
    with pytest.raises(ValueError, match="cannot clip"):
        SEPTEMBER.clipped(D(2024, 8, 31))


# --- properties -----------------------------------------------------------------------------

# Real dates plus calendar-shaped nonsense such as 2023-02-29 or 2024-13-00.
_DAY_TEXT = st.one_of(
    st.dates().map(date.isoformat),
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
)
_PLAUSIBLE_TEXT = st.one_of(
    st.sampled_from(["today", "yesterday", "mtd", "last-month", "ytd", "MTD", " Ytd "]),
    st.integers(min_value=-5, max_value=MAX_DAYS + 5).map(lambda n: f"{n}d"),
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 9999), st.integers(0, 13)),
    st.builds(
        lambda a, sep, b: f"{a}{sep}{b}", _DAY_TEXT, st.sampled_from(["..", " .. "]), _DAY_TEXT
    ),
)


def _check_parse(text: str, today: date) -> None:
    """Parse and check the invariants; PeriodError is the only acceptable failure."""
    try:
        period = parse_period(text, today)
    except PeriodError:
        return
    assert period.start <= period.end
    assert period.days <= MAX_DAYS  # one cap for every form
    assert period.label == period.label.strip().lower()
    before = period.previous()
    assert before.days == period.days
    assert before.end + timedelta(days=1) == period.start


@given(text=st.text(), today=st.dates())
def test_any_text_parses_or_raises_period_error(text: str, today: date) -> None:
    _check_parse(text, today)


@given(text=_PLAUSIBLE_TEXT, today=st.dates())
def test_plausible_text_parses_or_raises_period_error(text: str, today: date) -> None:
    _check_parse(text, today)


@given(
    start=st.dates(),
    days=st.integers(min_value=1, max_value=3 * MAX_DAYS),
    today=st.dates(),
    spaced=st.booleans(),
)
def test_every_accepted_range_is_within_the_cap(
    start: date, days: int, today: date, spaced: bool
) -> None:
    try:
        end = start + timedelta(days=days - 1)
    except OverflowError:
        return
    text = f"{start.isoformat()}{' .. ' if spaced else '..'}{end.isoformat()}"
    try:
        period = parse_period(text, today)
    except PeriodError as refused:
        if days > MAX_DAYS:
            assert f"at most {MAX_DAYS} days" in str(refused)
        return
    assert period.days == days <= MAX_DAYS


@pytest.mark.parametrize(
    "text",
    ["1015-01-01..2026-11-27", "2014-01-01..2024-12-31", "0001-01-01..9999-12-31"],
)
def test_a_range_over_the_cap_is_refused_with_the_cap_and_a_shorter_question(text: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, TODAY)
    message = str(caught.value)
    assert f"at most {MAX_DAYS} days" in message
    assert "365d" in message
    last_year = message.rsplit("such as ", 1)[1].rstrip(".")
    assert parse_period(last_year, TODAY).days == 365


def test_the_longest_range_allowed_is_exactly_the_cap() -> None:
    end = D(2026, 11, 27)
    start = end - timedelta(days=MAX_DAYS - 1)
    assert parse_period(f"{start}..{end}", TODAY).days == MAX_DAYS
    with pytest.raises(PeriodError, match="3,661 days long"):
        parse_period(f"{start - timedelta(days=1)}..{end}", TODAY)


@given(text=_PLAUSIBLE_TEXT, today=st.dates(min_value=D(1900, 1, 1)))
def test_parsed_label_parses_back_to_the_same_period(text: str, today: date) -> None:
    try:
        period = parse_period(text, today)
    except PeriodError:
        return
    assert parse_period(period.label, today) == period


def test_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(periods.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)
