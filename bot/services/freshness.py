"""How current the stored cost is."""

from __future__ import annotations

from datetime import date

from bot.services.ports import CostStore


def data_through(store: CostStore, today: date) -> date | None:
    """The last day with data, but never after today.

    A monthly fee is spread over the rest of its month, which puts cost on future days;
    saying "data through the 30th" on the 27th would be a lie.
    """
    last = store.data_through()
    return min(last, today) if last else None
