"""Which sources a store holds: what lets `costbot demo` keep its data out of a real store."""

from __future__ import annotations

from typing import Protocol


class SourceCatalog(Protocol):
    """The sources a store has data or ingest history for."""

    def sources(self) -> set[str]:
        """Every source named by an ingest run or a stored cost row."""
        ...


def other_sources(catalog: SourceCatalog, own_source: str) -> list[str]:
    """The sources in the store besides `own_source`, sorted; empty when it is safe to write.

    A store that holds only `own_source` (an earlier demo) may be refreshed; any other source
    means the store answers real questions, and demo rows would be added to every answer.
    """
    return sorted(catalog.sources() - {own_source})
