"""Schedule windows in which machines are left alone: e.g. a nightly batch that idles between
jobs, or weekends when a team wants nothing touched. Times are UTC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ExclusionWindow:
    days: frozenset[int]  # 0 = Monday, as datetime.weekday()
    start: time
    end: time  # before `start`: the window runs past midnight into the next day

    def covers(self, at: datetime) -> bool:
        moment = at.time().replace(tzinfo=None)
        if self.start <= self.end:
            return at.weekday() in self.days and self.start <= moment < self.end
        # Past midnight: the evening part belongs to its day, the morning part to the day before.
        if moment >= self.start:
            return at.weekday() in self.days
        return moment < self.end and (at.weekday() - 1) % 7 in self.days

    def describe(self) -> str:
        days = ", ".join(WEEKDAYS[d] for d in sorted(self.days))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M} UTC"


def covering_window(at: datetime, windows: Sequence[ExclusionWindow]) -> ExclusionWindow | None:
    return next((window for window in windows if window.covers(at)), None)
