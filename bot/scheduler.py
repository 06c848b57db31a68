"""The schedule: APScheduler 3 jobs for the configured sources. The only APScheduler import."""

from __future__ import annotations

from datetime import UTC

from apscheduler.triggers.cron import CronTrigger


def cron_problem(expression: str) -> str | None:
    """Why a five-field cron line (UTC) cannot be scheduled, or None."""
    try:
        CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        return f'is not a cron line ({exc}); use five fields, e.g. "15 */6 * * *"'
    return None
