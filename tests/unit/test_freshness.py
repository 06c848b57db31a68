"""Freshness is read once per data version, and says the earliest configured source's day."""

from __future__ import annotations

from datetime import date

from bot.domain.periods import Period
from bot.services.freshness import Freshness


class Store:
    """The four CostStore readings Freshness makes, counted."""

    def __init__(self) -> None:
        self.version = 1
        self.reads = 0

    def data_version(self):
        return self.version

    def data_through(self):
        self.reads += 1
        return date(2026, 11, 30)

    def data_through_by_source(self):
        return {"ce": date(2026, 11, 30), "cur": date(2026, 11, 25), "old": date(2024, 1, 1)}

    def provisional_days(self):
        return {"ce": [date(2026, 11, 29), date(2026, 11, 30)], "k8s": [date(2026, 10, 31)]}


def test_read_once_per_data_version():
    store = Store()
    freshness = Freshness(store)  # type: ignore[arg-type]
    today = date(2026, 12, 1)
    for _ in range(5):
        assert freshness.data_through(today) == date(2026, 11, 30)
    assert store.reads == 1
    store.version = 2  # an ingest published
    freshness.data_through(today)
    assert store.reads == 2


def test_the_most_behind_configured_source_and_today_bound_the_day():
    freshness = Freshness(Store(), ["ce", "cur"])  # type: ignore[arg-type]
    assert freshness.data_through(date(2026, 12, 1)) == date(2026, 11, 25)
    assert freshness.data_through(date(2026, 11, 20)) == date(2026, 11, 20)
    november = Period(date(2026, 11, 1), date(2026, 11, 30), "2026-11")
    assert freshness.provisional(november) == (date(2026, 11, 29), date(2026, 11, 30))
