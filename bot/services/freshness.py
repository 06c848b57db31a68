"""How current the stored cost is: read once per change of the store, not once per answer."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.completeness import provisional_in
from bot.domain.periods import Period
from bot.services.ports import CostStore


@dataclass(frozen=True)
class _Seen:
    version: Hashable
    last_usage_day: date | None
    by_source: dict[str, date | None]
    provisional: tuple[date, ...]


class Freshness:
    """The last day with usage charges, and the days still estimated, per data version.

    Each is a few queries (a per-source walk back from its last day, a replay of recent ingest
    runs); an answer asks for them every time, so they are kept until an ingest changes the
    store's data version, as the answers themselves are.
    """

    def __init__(self, store: CostStore, sources: Sequence[str] = ()) -> None:
        self._store = store
        self._sources = tuple(sources)  # configured: freshness is the earliest of theirs
        self._lock = threading.Lock()
        self._seen: _Seen | None = None

    def data_through(self, today: date) -> date | None:
        """The last day with usage charges, but never after today.

        A monthly fee is spread over the rest of its month, which puts cost on future days;
        saying "data through the 30th" on the 27th would be a lie, so the store counts usage
        only (see `CostStore.data_through`); a store of purchases alone is capped at today
        here. With configured sources, the earliest of theirs: when Cost Explorer is current
        and the CUR export is five days behind, the five days are not complete.
        """
        seen = self._current()
        last = None
        if self._sources:
            known = [d for name in self._sources if (d := seen.by_source.get(name)) is not None]
            last = min(known, default=None)
        last = last or seen.last_usage_day
        return min(last, today) if last else None

    def complete_through(self, today: date) -> date | None:
        """The last complete day: before today, on or before `data_through`, and before the
        first day any source still calls estimated (Cost Explorer's `Estimated`)."""
        last = self.data_through(today)
        if last is None:
            return None
        last = min(last, today - timedelta(days=1))
        estimated = [day for day in self._current().provisional if day <= last]
        if estimated:
            last = min(estimated) - timedelta(days=1)
        return last

    def by_source(self) -> dict[str, date | None]:
        """Per source with a successful ingest, its own last day with usage charges."""
        return dict(self._current().by_source)

    def provisional(self, period: Period) -> tuple[date, ...]:
        """The days of `period` that any source still calls estimated."""
        return provisional_in(period, self._current().provisional)

    def _current(self) -> _Seen:
        version = self._store.data_version()
        with self._lock:
            if self._seen is not None and self._seen.version == version:
                return self._seen
        # Read outside the lock; two threads meeting a new version both read, one is kept.
        by_source = self._store.data_through_by_source()
        days = {d for listed in self._store.provisional_days().values() for d in listed}
        seen = _Seen(version, self._store.data_through(), by_source, tuple(sorted(days)))
        with self._lock:
            self._seen = seen
        return seen
