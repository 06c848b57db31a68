"""What `costbot status` and `/cost status` say of each source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

# The JSON keys of one source, exactly and in this order.
SOURCE_STATUS_KEYS: tuple[str, ...] = (
    "name",
    "type",
    "last_success",
    "last_attempt",
    "last_error",
    "consecutive_failures",
    "data_through",
    "lag_days",
    "rows_rejected",
    "next_run",
    "api_calls",
)
# A source only ever loaded by hand with `costbot ingest` (not in the config).
MANUAL_TYPE = "ingest"


@dataclass(frozen=True)
class SourceStatus:
    name: str
    type: str
    last_success: datetime | None
    last_attempt: datetime | None
    last_error: str | None
    consecutive_failures: int
    data_through: date | None  # the last day with usage charges
    lag_days: int | None  # days from data_through to today
    rows_rejected: int
    next_run: datetime | None
    api_calls: int  # paid API calls this UTC month
    schedule: str | None = None  # "every 6h", "cron 15 */6 * * *"; None: loaded by hand

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    def as_json(self) -> dict[str, Any]:
        values = {
            "name": self.name,
            "type": self.type,
            "last_success": _iso(self.last_success),
            "last_attempt": _iso(self.last_attempt),
            "last_error": self.last_error,
            "consecutive_failures": self.consecutive_failures,
            "data_through": self.data_through.isoformat() if self.data_through else None,
            "lag_days": self.lag_days,
            "rows_rejected": self.rows_rejected,
            "next_run": _iso(self.next_run),
            "api_calls": self.api_calls,
        }
        assert tuple(values) == SOURCE_STATUS_KEYS
        return values


@dataclass(frozen=True)
class SourcesReport:
    """`/cost status`: every source, and the day answers are complete through."""

    sources: tuple[SourceStatus, ...]
    data_through: date | None
    checked_at: datetime


def lag_days(data_through: date | None, today: date) -> int | None:
    return None if data_through is None else max((today - data_through).days, 0)


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second (a naive time is taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
