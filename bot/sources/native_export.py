"""Snapshot sources over a provider's native export (CUR, Azure cost exports) in a folder or an
S3 prefix: one unit per billing period, fingerprinted from the listing, converted when read.

Each type gives a layout (which files make up each billing period now) and an opener (a local
copy of one file -> a FocusTablesFile); this module does the rest the same way for both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.allocation import AllocationRules
from bot.services.ports import BatchResult
from bot.services.snapshot_ports import SnapshotUnit
from bot.sources.focus.tables import FocusTablesFile
from bot.sources.objects import ObjectName, ObjectStore, StoredObject


@dataclass(frozen=True)
class PeriodFiles:
    """The files that make up one billing period now, as listed."""

    key: str  # the period as the export names it: "20240601-20240701"
    label: str  # "20240601-20240701 (3 files)"
    files: tuple[StoredObject, ...]


Layout = Callable[[Sequence[StoredObject], Callable[[StoredObject], bytes]], list[PeriodFiles]]
# (local copy, rules, the name people know the file by) -> the converted input
Opener = Callable[[Path, AllocationRules, str], FocusTablesFile]


def fingerprint(files: Sequence[StoredObject]) -> str:
    """SHA-256 over the files' sorted (name, size, ETag or mtime): from the listing alone."""
    described = sorted((obj.key, obj.size, obj.version) for obj in files)
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def check_export_path(path: str) -> str:
    """A config's `path:`: a local folder or s3://bucket/prefix."""
    path = path.strip()
    if not path:
        raise ValueError("path: give a folder or s3://bucket/prefix")
    if path.startswith("s3://") and not path.removeprefix("s3://").split("/", 1)[0]:
        raise ValueError(f"path: {path!r} names no bucket; write s3://bucket/prefix")
    if "://" in path and not path.startswith("s3://"):
        raise ValueError(f"path: {path!r}: only local folders and s3:// are read")
    return path


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
            fingerprint=fingerprint(period.files),
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
