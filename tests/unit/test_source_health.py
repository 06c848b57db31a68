"""Source health: one message per failure streak, one on recovery; schedules; status JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.schedules import Schedule, ScheduleError, parse_every
from bot.domain.source_health import RunOutcome, SourceHealth, after_run
from bot.domain.source_status import SOURCE_STATUS_KEYS, SourceStatus, lag_days

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _runs(results: str, alert_after: int = 3):
    health, events = SourceHealth("s", "demo"), []
    for i, ok in enumerate(results):
        outcome = RunOutcome(T0 + timedelta(hours=i), ok == "+", None if ok == "+" else "boom")
        health, event = after_run(health, outcome, alert_after=alert_after)
        events.append(event.kind if event else None)
    return health, events


def test_the_ops_channel_hears_once_per_streak_and_once_on_recovery():
    health, events = _runs("+--------+--+")
    assert events == [None, None, None, "failing", *[None] * 5, "recovered", None, None, None]
    assert health.consecutive_failures == 0 and health.alerted_since is None


def test_a_streak_shorter_than_the_threshold_is_never_told():
    _health, events = _runs("--+--+", alert_after=3)
    assert set(events) == {None}


def test_the_failing_event_names_the_first_failure_and_keys_the_streak():
    health = SourceHealth("s", "demo")
    for hour in range(3):
        health, event = after_run(
            health, RunOutcome(T0 + timedelta(hours=hour), False, "e"), alert_after=3
        )
    assert event is not None and event.since == T0 and event.failures == 3
    assert event.key == f"source-failing:s:{T0.isoformat()}"


def test_paid_calls_add_up_within_a_utc_month_only():
    health = SourceHealth("s", "aws_cost_explorer")
    health, _ = after_run(health, RunOutcome(T0, True, calls=3), alert_after=3)
    health, _ = after_run(health, RunOutcome(T0 + timedelta(days=1), True, calls=2), alert_after=3)
    assert (health.api_calls, health.calls_month) == (5, "2026-12")
    next_month = datetime(2027, 1, 1, tzinfo=UTC)
    health, _ = after_run(health, RunOutcome(next_month, True, calls=1), alert_after=3)
    assert (health.api_calls, health.calls_month) == (1, "2027-01")


@pytest.mark.parametrize(
    ("text", "every"),
    [("30m", timedelta(minutes=30)), ("6h", timedelta(hours=6)), ("1d", timedelta(days=1))],
)
def test_every_reads_minutes_hours_and_days(text, every):
    assert parse_every(text) == every
    assert Schedule(every=every).text == f"every {text}"


@pytest.mark.parametrize("text", ["6", "six hours", "5s", "40d", "-1h"])
def test_a_bad_every_says_what_to_write(text):
    with pytest.raises(ScheduleError, match="every:"):
        parse_every(text)


def test_a_schedule_is_every_or_cron_never_both():
    with pytest.raises(ScheduleError):
        Schedule(every=timedelta(hours=1), cron="0 * * * *")
    with pytest.raises(ScheduleError):
        Schedule()


def test_status_json_has_exactly_the_keys_in_utc():
    local = datetime(2026, 12, 1, 13, 30, tzinfo=UTC).astimezone()
    status = SourceStatus("s", "demo", local, local, None, 0, date(2026, 11, 29), 2, 0, None, 0)
    values = status.as_json()
    assert tuple(values) == SOURCE_STATUS_KEYS
    assert values["last_success"] == "2026-12-01T13:30:00Z"
    assert lag_days(date(2026, 11, 29), date(2026, 12, 1)) == 2
    assert lag_days(None, date(2026, 12, 1)) is None
