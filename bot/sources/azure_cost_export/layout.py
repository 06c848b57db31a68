"""Which files make up each billing period of an Azure cost export, told from the listing.

Azure Cost Management writes each run of an export to `<dir>/<export>/YYYYMMDD-YYYYMMDD/`:
newer exports put a run's parts in a `<run-id>/` folder with a `manifest.json` (listing its
`blobs`, written after them, and `runInfo.submittedTime`); older ones write one
`<export>_<guid>.csv` per run straight into the period folder. Every run restates the whole
period, so the newest run is the period: newest by the manifest's submitted time, else by its
files' modification time. A run whose manifest names parts not (fully) listed yet is still
being written: it is passed over, and the run before it stays the period. Files outside any
period folder (a folder filled by hand) are one unit.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.services.snapshot_ports import SourceError
from bot.sources.native_export import PeriodFiles, files_label
from bot.sources.native_files import is_native_billing_file
from bot.sources.objects import StoredObject

log = logging.getLogger(__name__)

_PERIOD = re.compile(r"^(?:.*/)?(?P<period>\d{8}-\d{8})/(?P<tail>.+)$")
MANIFEST = "manifest.json"
WHOLE_FOLDER = "all"
_FRACTION = re.compile(r"\.(\d{6})\d*")


def find_azure_periods(
    objects: Sequence[StoredObject], read: Callable[[StoredObject], bytes]
) -> list[PeriodFiles]:
    """Each billing period under the root, with the files of its newest complete run."""
    runs: dict[str, dict[str, list[StoredObject]]] = defaultdict(lambda: defaultdict(list))
    loose: list[StoredObject] = []
    for obj in objects:
        if not (is_native_billing_file(obj.key) or obj.name == MANIFEST):
            continue
        match = _PERIOD.match(obj.key)
        if match is None:
            if is_native_billing_file(obj.key):
                loose.append(obj)
            continue
        tail = match["tail"]
        # A run folder holds a run; a file straight in the period folder is a run of its own.
        run = tail.split("/", 1)[0] if "/" in tail else f"file:{tail}"
        runs[match["period"]][run].append(obj)
    periods = []
    for period, period_runs in sorted(runs.items()):
        found = _newest_run(period, period_runs, read)
        if found is not None:
            periods.append(found)
    if loose:
        if periods:
            raise SourceError(
                f"{loose[0].key} is outside any YYYYMMDD-YYYYMMDD period folder, beside "
                "exported periods: point the source's path at one export's folder."
            )
        periods.append(PeriodFiles(WHOLE_FOLDER, f"all files ({files_label(loose)})", tuple(loose)))
    return periods


def _newest_run(
    period: str, runs: dict[str, list[StoredObject]], read: Callable[[StoredObject], bytes]
) -> PeriodFiles | None:
    candidates = []
    for run, objects in runs.items():
        complete = _complete_run(run, objects, read)
        if complete is not None:
            candidates.append((*complete, run))
    if not candidates:
        return None
    _when, files, run = max(candidates, key=lambda c: (c[0], c[2]))
    name = run.removeprefix("file:")
    return PeriodFiles(period, f"{period} run {name} ({files_label(files)})", tuple(files))


def _complete_run(
    run: str, objects: list[StoredObject], read: Callable[[StoredObject], bytes]
) -> tuple[datetime, tuple[StoredObject, ...]] | None:
    parts = sorted((o for o in objects if is_native_billing_file(o.key)), key=lambda o: o.key)
    manifest = next((o for o in objects if o.name == MANIFEST), None)
    if not parts:
        return None
    if manifest is None:
        return max(p.modified for p in parts), tuple(parts)
    blobs, submitted = _parse_manifest(read(manifest), manifest.key)
    by_name = {p.name: p for p in parts}
    incomplete = [
        name
        for name, size in blobs
        if name not in by_name or size not in (None, by_name[name].size)
    ]
    if incomplete:
        log.warning(
            "%s: the run is still being written (%s); it is passed over", run, incomplete[0]
        )
        return None
    chosen = tuple(by_name[name] for name in dict.fromkeys(name for name, _ in blobs)) or tuple(
        parts
    )
    return submitted or manifest.modified, chosen


def _parse_manifest(raw: bytes, where: str) -> tuple[list[tuple[str, int | None]], datetime | None]:
    """The run's parts (file name, byte count) and when it was submitted."""
    try:
        manifest = json.loads(raw)
        blobs = [
            (str(blob["blobName"]).rsplit("/", 1)[-1], blob.get("byteCount"))
            for blob in manifest.get("blobs", [])
        ]
        submitted = (manifest.get("runInfo") or {}).get("submittedTime")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"{where}: not an export manifest ({exc}).") from exc
    return blobs, _parse_time(submitted)


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    # Azure writes seven fractional digits; Python reads at most six.
    try:
        when = datetime.fromisoformat(_FRACTION.sub(r".\1", text.replace("Z", "+00:00")))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
