"""A billing "file" made of FOCUS-named Arrow tables: how converted and API sources reuse the
FOCUS normaliser (allocation, validation, spreading, partitions) instead of a copy of it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

import pyarrow as pa

from bot.domain.allocation import AllocationRules
from bot.services.ports import BatchResult
from bot.sources.focus.normalise import FocusNormaliser
from bot.sources.focus.reader import FocusBatch


@dataclass
class FocusTablesFile:
    """One input of a unit: `tables()` yields FOCUS-named tables of text columns.

    `label` names the input in ingest runs and rejections (an S3 URI, "GetCostAndUsage
    2026-11-18..2026-12-01"). `provisional_days` lets an API mark the days it calls estimated.
    """

    label: str
    tables: Callable[[], Iterator[pa.Table]]
    rules: AllocationRules
    provisional_days: Callable[[], frozenset[date]] = field(default=lambda: frozenset())
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256, init=False, repr=False)

    @property
    def path(self) -> PurePosixPath:
        return PurePosixPath(self.label)

    def sha256(self) -> str:
        """SHA-256 of the tables as read (Arrow IPC bytes), available after `batches()`."""
        return self._digest.hexdigest()

    def batches(self) -> Iterator[BatchResult]:
        normaliser = FocusNormaliser(self.rules, self.label)
        line = 2
        last: BatchResult | None = None
        for table in self.tables():
            self._digest.update(_ipc_bytes(table))
            if last is not None:
                yield last
            last = normaliser.process(FocusBatch(table=table.combine_chunks(), first_line=line))
            line += table.num_rows
        if last is not None:
            # The provisional days are known once the last response is read.
            last.provisional_days = frozenset(self.provisional_days())
            yield last


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()
