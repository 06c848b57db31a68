"""The `focus_export` source: FOCUS files delivered to a folder or an S3 prefix, by period."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.domain.allocation import AllocationRules
from bot.services.ports import BatchResult
from bot.services.snapshot_ports import SnapshotUnit
from bot.sources.focus.reader import FocusFileError, open_focus_file
from bot.sources.focus.source import FocusBillingFile
from bot.sources.focus_export.layouts import PeriodFiles, find_periods
from bot.sources.objects import ObjectName, ObjectStore, StoredObject, listing_fingerprint


class FocusExportSource:
    """Each billing period of an export is one unit; a period is read only when it changed."""

    def __init__(self, name: str, store: ObjectStore, rules: AllocationRules) -> None:
        self.name = name
        self.store = store
        self._rules = rules

    def units(self) -> list[SnapshotUnit]:
        periods = find_periods(self.store.list(), self.store.read_bytes)
        return [self._unit(period) for period in periods]

    def _unit(self, period: PeriodFiles) -> SnapshotUnit:
        return SnapshotUnit(
            key=period.key,
            label=period.label,
            fingerprint=listing_fingerprint(period.files),
            open=lambda: [ExportedFocusFile(self.store, obj, self._rules) for obj in period.files],
            inputs=len(period.files),
        )


@dataclass
class ExportedFocusFile:
    """One file of a period, named by its S3 URI or path; fetched when its rows are read.

    Fetching file by file keeps one temporary copy on disk at a time; it is removed after the
    file's last row (or as soon as the ingest stops early).
    """

    store: ObjectStore
    obj: StoredObject
    rules: AllocationRules
    _sha256: str = field(default="", init=False)

    @property
    def path(self) -> ObjectName:
        return ObjectName(self.store.uri(self.obj.key))

    def sha256(self) -> str:
        """SHA-256 of the file's bytes as read, available after `batches()`."""
        return self._sha256

    def batches(self) -> Iterator[BatchResult]:
        uri = self.store.uri(self.obj.key)
        with self.store.fetch(self.obj) as local:
            try:
                reader = _NamedFocusFile(open_focus_file(local), self.rules, uri)
                yield from reader.batches()
            except ValueError as exc:
                # The readers name the local copy; people know the file by its URI.
                raise FocusFileError(str(exc).replace(str(local), uri)) from exc
            self._sha256 = reader.sha256()


@dataclass(frozen=True)
class _NamedFocusFile(FocusBillingFile):
    """The FOCUS reader over a local copy, naming rows it rejects by the file's URI."""

    uri: str = ""

    @property
    def path(self) -> ObjectName:  # type: ignore[override]
        return ObjectName(self.uri)
