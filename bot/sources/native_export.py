"""Snapshot sources over a provider's native export (CUR, Azure cost exports) in a folder or an
S3 prefix: one unit per billing period, fingerprinted from the listing, converted when read.

Each type gives a layout (which files make up each billing period now) and an opener (a local
copy of one file -> a FocusTablesFile); this module does the rest the same way for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.allocation import AllocationRules
from bot.services.ports import BatchResult
from bot.services.snapshot_ports import SnapshotUnit
from bot.sources.focus.tables import FocusTablesFile
from bot.sources.objects import ObjectName, ObjectStore, StoredObject, listing_fingerprint


@dataclass(frozen=True)
class PeriodFiles:
    """The files that make up one billing period now, as listed."""

    key: str  # the period as the export names it: "20240601-20240701"
    label: str  # "20240601-20240701 (3 files)"
    files: tuple[StoredObject, ...]


Layout = Callable[[Sequence[StoredObject], Callable[[StoredObject], bytes]], list[PeriodFiles]]
# (local copy, rules, the name people know the file by) -> the converted input
Opener = Callable[[Path, AllocationRules, str], FocusTablesFile]


def files_label(files: Sequence[object]) -> str:
    return "1 file" if len(files) == 1 else f"{len(files)} files"


class NativeExportSource:
    """Each billing period of an export is one unit; a period is read only when it changed."""

    def __init__(
        self,
        name: str,
        store: ObjectStore,
        rules: AllocationRules,
        layout: Layout,
        opener: Opener,
    ) -> None:
        self.name = name
        self.store = store
        self._rules = rules
        self._layout = layout
        self._opener = opener

    def units(self) -> list[SnapshotUnit]:
        periods = self._layout(self.store.list(), self.store.read_bytes)
        return [self._unit(period) for period in periods]

    def _unit(self, period: PeriodFiles) -> SnapshotUnit:
        def open_files() -> list[ExportedFile]:
            return [
                ExportedFile(self.store, obj, self._rules, self._opener) for obj in period.files
            ]

        return SnapshotUnit(
            key=period.key,
            label=period.label,
            fingerprint=listing_fingerprint(period.files),
            open=open_files,
            inputs=len(period.files),
        )


@dataclass
class ExportedFile:
    """One file of a period, named by its S3 URI or path; fetched and converted when its rows
    are read, so one temporary copy is on disk at a time (removed after its last row)."""

    store: ObjectStore
    obj: StoredObject
    rules: AllocationRules
    opener: Opener
    # The converted input, once its rows are being read.
    converted: FocusTablesFile | None = field(default=None, init=False)

    @property
    def path(self) -> ObjectName:
        """The file's URI; once converted, as the converter labels it (with an Azure export's
        cost basis)."""
        if self.converted is not None:
            return ObjectName(self.converted.label)
        return ObjectName(self.store.uri(self.obj.key))

    def sha256(self) -> str:
        """SHA-256 of the converted tables, available after `batches()`."""
        return self.converted.sha256() if self.converted is not None else ""

    def batches(self) -> Iterator[BatchResult]:
        uri = self.store.uri(self.obj.key)
        with self.store.fetch(self.obj) as local:
            try:
                self.converted = self.opener(local, self.rules, uri)
                yield from self.converted.batches()
            except ValueError as exc:
                # The readers name the local copy; people know the file by its URI.
                raise ValueError(str(exc).replace(str(local), uri)) from exc
