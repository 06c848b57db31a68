"""The schedule: APScheduler 3 jobs for the configured sources. The only APScheduler import."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.schedules import Schedule

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cron_problem(expression: str) -> str | None:
    """Why a five-field cron line (UTC) cannot be scheduled, or None."""
    try:
        CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        return f'is not a cron line ({exc}); use five fields, e.g. "15 */6 * * *"'
    return None


def next_run(schedule: Schedule, now: datetime) -> datetime | None:
    """When the schedule next fires after `now` (UTC); `every:` is aligned to midnight UTC."""
    if schedule.cron is not None:
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=UTC)
    else:
        assert schedule.every is not None
        trigger = IntervalTrigger(seconds=schedule.every.total_seconds(), start_date=EPOCH)
    return trigger.get_next_fire_time(None, now)
