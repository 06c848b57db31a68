"""Every answer says which of its days are incomplete (today, after data_through) or provisional."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.cli_render import render_cost_report, render_top_report
from bot.domain.completeness import (
    completeness_note,
    incomplete_from,
    incomplete_note,
    provisional_note,
)
from bot.domain.periods import Period, parse_period
from bot.domain.report_json import cost_report_json, top_report_json
from bot.domain.reports import CurrencyCoverage, UntaggedReport
from handlers.blocks import (
    build_cost_report_blocks,
    build_home_blocks,
    build_top_report_blocks,
    build_trend_blocks,
    build_untagged_blocks,
    cost_report_text,
    to_payload,
    top_report_text,
    untagged_text,
)
from tests.unit.test_blocks import (
    LLM_TOP,
    all_text,
    assert_safe,
    cost_report,
    top_report,
)

TODAY = date(2026, 11, 30)
MTD = parse_period("mtd", TODAY)  # Nov 1 .. Nov 30
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), "last-month")
LAGGING = "Days after Nov 26 are incomplete (data through Nov 26); today is never complete."


def test_days_after_data_through_and_today_are_incomplete():
    assert incomplete_from(MTD, date(2026, 11, 26), TODAY) == date(2026, 11, 27)
    assert incomplete_note(MTD, date(2026, 11, 26), TODAY) == LAGGING


def test_with_data_through_yesterday_only_today_is_incomplete():
    assert incomplete_from(MTD, date(2026, 11, 29), TODAY) == TODAY
    # Usage on today's date so far does not make today complete.
    assert incomplete_from(MTD, TODAY, TODAY) == TODAY
    note = "Today is incomplete: a day is never complete until it is over."
    assert incomplete_note(MTD, date(2026, 11, 29), TODAY) == note
    assert incomplete_note(MTD, TODAY, TODAY) == note


def test_a_past_period_with_all_its_data_is_complete():
    assert incomplete_from(OCTOBER, date(2026, 11, 26), TODAY) is None
    assert incomplete_note(OCTOBER, date(2026, 11, 26), TODAY) is None
    assert completeness_note(OCTOBER, date(2026, 11, 26), TODAY) is None


def test_a_past_period_whose_data_stops_early_says_so_without_today():
    note = incomplete_note(OCTOBER, date(2026, 10, 20), TODAY)
    assert note == "Days after Oct 20 are incomplete (data through Oct 20)."
    assert incomplete_from(OCTOBER, date(2026, 10, 20), TODAY) == date(2026, 10, 21)


def test_another_year_is_named():
    note = incomplete_note(
        parse_period("ytd", date(2027, 1, 5)), date(2026, 12, 30), date(2027, 1, 5)
    )
    assert note == (
        "Days after Dec 30, 2026 are incomplete (data through Dec 30, 2026); "
        "today is never complete."
    )


def test_no_note_without_data_or_without_the_day_of_asking():
    assert incomplete_note(MTD, None, TODAY) is None  # "no billing data yet" says it already
    assert incomplete_from(MTD, None, TODAY) == MTD.start
    assert incomplete_note(MTD, date(2026, 11, 26), None) is None


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((), None),
        ((date(2026, 9, 1),), None),  # outside the period
        ((date(2026, 11, 28),), "1 day is provisional (estimated by the source)."),
        (
            (date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 28)),
            "2 days are provisional (estimated by the source).",
        ),
    ],
)
def test_provisional_days_in_the_period_are_counted(days, expected):
    assert provisional_note(MTD, days) == expected


def test_both_notes_make_one_line():
    note = completeness_note(MTD, date(2026, 11, 26), TODAY, (date(2026, 11, 25),))
    assert note == f"{LAGGING} 1 day is provisional (estimated by the source)."


# --- in every answer ------------------------------------------------------------------------


def _asked(report, **changes):
    return dataclasses.replace(report, asked_on=TODAY, **changes)


def test_the_cost_answer_says_it_in_blocks_text_cli_and_json():
    report = _asked(cost_report(period=MTD), provisional_days=(date(2026, 11, 26),))
    payload = to_payload(build_cost_report_blocks(report, command_text="project x mtd"))
    assert_safe(payload)
    expected = f"{LAGGING} 1 day is provisional (estimated by the source)."
    footer = payload[-2]
    assert footer["type"] == "context"
    assert expected in [element["text"] for element in footer["elements"]]
    assert cost_report_text(report).endswith(expected)
    assert render_cost_report(report).splitlines()[-1] == f"  {expected}"
    data = cost_report_json(report)
    assert data["incomplete_from"] == "2026-11-27"
    assert data["provisional_days"] == ["2026-11-26"]


def test_the_top_answer_says_it_in_blocks_text_cli_and_json():
    report = dataclasses.replace(top_report(LLM_TOP), period=MTD, asked_on=TODAY)
    payload = to_payload(build_top_report_blocks(report, command_text="top team mtd"))
    assert_safe(payload)
    assert LAGGING in all_text(payload)
    assert top_report_text(report).endswith(LAGGING)
    assert render_top_report(report).splitlines()[-1] == f"  {LAGGING}"
    assert top_report_json(report)["incomplete_from"] == "2026-11-27"


def test_the_untagged_answer_says_it():
    part = CurrencyCoverage("USD", Decimal(10), Decimal(4), (), ())
    report = UntaggedReport(MTD, "effective", (part,), date(2026, 11, 26), asked_on=TODAY)
    payload = to_payload(build_untagged_blocks(report, command_text="untagged mtd"))
    assert_safe(payload)
    assert LAGGING in all_text(payload)
    assert untagged_text(report).endswith(LAGGING)


def test_the_trend_and_home_answers_say_it():
    report = _asked(cost_report(period=MTD))
    trend = to_payload(build_trend_blocks(report, file_id=None, command_text="trend project x"))
    assert LAGGING in all_text(trend)
    top = dataclasses.replace(top_report(LLM_TOP), period=MTD, asked_on=TODAY)
    home = to_payload(build_home_blocks(top, updated_at=datetime(2026, 11, 30, tzinfo=UTC)))
    assert LAGGING in all_text(home)


def test_a_complete_answer_has_no_note():
    report = _asked(cost_report(period=OCTOBER))
    payload = to_payload(build_cost_report_blocks(report, command_text="project x last-month"))
    assert "incomplete" not in all_text(payload)
    assert "incomplete" not in cost_report_text(report)
    assert "incomplete" not in render_cost_report(report)
    assert cost_report_json(report)["incomplete_from"] is None
