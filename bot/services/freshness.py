"""How current the stored cost is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.services.ports import CostStore


def data_through(store: CostStore, today: date, sources: Sequence[str] = ()) -> date | None:
    """The last day with usage charges, but never after today.

    A monthly fee is spread over the rest of its month, which puts cost on future days;
    saying "data through the 30th" on the 27th would be a lie, so the store counts usage only
    (see `CostStore.data_through`); a store of purchases alone is capped at today here.
    With configured `sources`, the earliest of theirs: when Cost Explorer is current and the
    CUR export is five days behind, the five days are not complete.
    """
    last = None
    if sources:
        by_source = store.data_through_by_source()
        known = [day for name in sources if (day := by_source.get(name)) is not None]
        last = min(known, default=None)
    last = last or store.data_through()
    return min(last, today) if last else None


def provisional_in(store: CostStore, start: date, end: date) -> tuple[date, ...]:
    """The days from start to end (inclusive) that any source still calls estimated."""
    days = {day for listed in store.provisional_days().values() for day in listed}
    return tuple(sorted(day for day in days if start <= day <= end))
