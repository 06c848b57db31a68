"""The runs of an Azure Cost Management export, and which one is a billing period now.

Azure writes each run of an export to `<export>/YYYYMMDD-YYYYMMDD/<run-id>/` (older, non-FOCUS
exports: one `<export>_<guid>.csv` straight into the period folder) and every run restates the
whole period. A run folder gets a `manifest.json` after its parts: their `blobs` (`blobName`
container-relative, `byteCount`) and when the run was submitted (`runInfo.submittedTime`).

The newest complete run is the period: newest by the manifest's submitted time, else by the
manifest's modification time, else (no manifest) by its parts' newest modification time. A run
whose manifest names a part not listed, or listed at another size than its `byteCount`, is still
being written: it is passed over and the run before it stays the period. With a manifest, the
parts it names (in its order) are the run; without one, every billing file of the run is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.services.snapshot_ports import SourceError
from bot.sources.billing_files import is_billing_file
from bot.sources.objects import StoredObject, parse_json_manifest

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
_FRACTION = re.compile(r"(\.\d+)")


@dataclass(frozen=True)
class AzureBlob:
    name: str  # the part's file name, e.g. part_0_0001.csv.gz
    size: int | None  # its byteCount; None when the manifest gives none


@dataclass(frozen=True)
class AzureManifest:
    submitted: datetime | None
    blobs: tuple[AzureBlob, ...]


@dataclass(frozen=True)
class AzureRun:
    """The run chosen for a period: its name (folder or file) and the parts that make it."""

    name: str
    files: tuple[StoredObject, ...]


def parse_azure_manifest(raw: bytes, where: str) -> AzureManifest:
    """The parts and submission time an Azure Cost Management export manifest gives."""
    document = parse_json_manifest(raw, where)
    blobs = document.get("blobs")
    if not isinstance(blobs, list) or not all(isinstance(b, dict) for b in blobs):
        raise SourceError(f"{where}: the manifest has no blobs list; is it a Cost Management one?")
    parts = []
    for blob in blobs:
        name = blob.get("blobName")
        if not isinstance(name, str) or not name:
            raise SourceError(f"{where}: a blob has no blobName.")
        size = blob.get("byteCount")
        parts.append(AzureBlob(name.rsplit("/", 1)[-1], size if isinstance(size, int) else None))
    run = document.get("runInfo") if isinstance(document.get("runInfo"), dict) else {}
    return AzureManifest(_utc(run.get("submittedTime")), tuple(parts))


def newest_complete_run(
    runs: Iterable[tuple[str, Sequence[StoredObject]]],
    read: Callable[[StoredObject], bytes],
    place: str,
) -> AzureRun | None:
    """The newest complete run of one period (`place` names it in messages); None if none is.

    Each run is given as (name, its listed objects: parts and perhaps its manifest.json); ties
    in time go to the greater name.
    """
    candidates = []
    for name, objects in runs:
        complete = _complete_run(name, objects, read, place)
        if complete is not None:
            candidates.append((complete[0], name, complete[1]))
    if not candidates:
        return None
    _when, name, files = max(candidates, key=lambda c: (c[0], c[1]))
    return AzureRun(name, files)


def _complete_run(
    name: str, objects: Sequence[StoredObject], read: Callable[[StoredObject], bytes], place: str
) -> tuple[datetime, tuple[StoredObject, ...]] | None:
    """(when, parts) of a complete run; None while it is still being written."""
    parts = {obj.name: obj for obj in objects if is_billing_file(obj.key)}
    manifest_obj = next((obj for obj in objects if obj.name == MANIFEST_NAME), None)
    if manifest_obj is None:
        if not parts:
            return None
        return max(p.modified for p in parts.values()), tuple(sorted(parts.values(), key=_key))
    manifest = parse_azure_manifest(read(manifest_obj), manifest_obj.key)
    incomplete = [
        blob.name
        for blob in manifest.blobs
        if blob.name not in parts or blob.size not in (None, parts[blob.name].size)
    ]
    if incomplete:
        log.warning(
            "%s run %s: still being written (%s not complete); the run before it is kept.",
            place,
            name,
            incomplete[0],
        )
        return None
    chosen = tuple(parts[blob] for blob in dict.fromkeys(b.name for b in manifest.blobs))
    if not chosen:
        return None
    return manifest.submitted or manifest_obj.modified, chosen


def _utc(text: object) -> datetime | None:
    """Azure writes 7 fractional digits ("2026-12-01T06:12:44.1234567Z"); Python reads 6."""
    if not isinstance(text, str) or not text:
        return None
    match = _FRACTION.search(text)
    if match:  # keep microseconds, drop the rest of the fraction
        text = text[: match.start()] + match.group(1)[:7] + text[match.end() :]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _key(obj: StoredObject) -> str:
    return obj.key
