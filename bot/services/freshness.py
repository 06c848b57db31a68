"""How current the stored cost is."""

from __future__ import annotations

from datetime import date

from bot.services.ports import CostStore


def data_through(store: CostStore, today: date) -> date | None:
    """The store's last day with usage charges, but never after today.

    A monthly fee is spread over the rest of its month, which puts cost on future days;
    saying "data through the 30th" on the 27th would be a lie, so the store counts usage only
    (see `CostStore.data_through`); a store of purchases alone is capped at today here.
    """
    last = store.data_through()
    return min(last, today) if last else None


def provisional_in(store: CostStore, start: date, end: date) -> tuple[date, ...]:
    """The days from start to end (inclusive) that any source still calls estimated."""
    days = {day for listed in store.provisional_days().values() for day in listed}
    return tuple(sorted(day for day in days if start <= day <= end))
