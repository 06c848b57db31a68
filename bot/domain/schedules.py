"""When a source runs: `every: 6h` (aligned to midnight UTC) or a five-field cron line (UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

MIN_EVERY = timedelta(seconds=10)  # the demo advances every few seconds
MAX_EVERY = timedelta(days=31)
_EVERY = re.compile(r"\s*(\d+)\s*(s|m|h|d)\s*", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message shows a correct one."""


@dataclass(frozen=True)
class Schedule:
    """Exactly one of `every` and `cron`."""

    every: timedelta | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.every is None) == (self.cron is None):
            raise ScheduleError('give one of every: (e.g. "6h") or cron: (e.g. "15 */6 * * *")')

    @property
    def text(self) -> str:
        return f"every {_every_text(self.every)}" if self.every else f"cron {self.cron}"


def parse_every(text: str) -> timedelta:
    """`30s`, `30m`, `6h`, `1d`: between 10 seconds and 31 days."""
    match = _EVERY.fullmatch(str(text))
    if not match:
        raise ScheduleError(f"every: {text!r} is not a duration; use e.g. 30m, 6h or 1d")
    every = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
    if not MIN_EVERY <= every <= MAX_EVERY:
        raise ScheduleError(f"every: {text!r} must be between 10s and 31d")
    return every


def _every_text(every: timedelta | None) -> str:
    seconds = int(every.total_seconds()) if every else 0
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
