"""Which files make up each billing period of an export, told from the listing (and manifests).

Three layouts are recognised, file by file, so one path may hold any of them:

- AWS Data Exports: `<export>/data/BILLING_PERIOD=YYYY-MM/...`. When the period has a manifest
  (`<export>/metadata/BILLING_PERIOD=YYYY-MM/.../*Manifest.json`; the newest one if an export
  creates a new report each time), its `dataFiles` are the period: files it does not name are
  left from an older delivery. A manifest naming files not listed yet is a delivery in
  progress: the period is left as stored until the next run.
- Azure Cost Management: `<export>/YYYYMMDD-YYYYMMDD/<run-id>/part_*` with `manifest.json`.
  Every run rewrites the whole period, so the newest complete run is the period
  (`bot.sources.azure_runs` says how runs are told apart and when one is complete).
- Plain folders of FOCUS files. The unit of a re-ingest must hold every file that carries a
  billing period's rows (a re-ingest replaces the periods its rows name), so files are never
  units one by one. When every file's name or folder shows its month (`2026-11`, `2026_11`,
  `202611`, or a date in it), the files are grouped by that month; when any file does not,
  nothing tells which months it holds, and the whole folder is one unit, keyed "all".

A period given by two places (two exports under one path) is refused: their rows would
replace each other's. Give each export its own source.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.services.snapshot_ports import SourceError
from bot.sources.azure_runs import MANIFEST_NAME, newest_complete_run
from bot.sources.billing_files import is_billing_file
from bot.sources.focus_export.manifests import parse_aws_manifest
from bot.sources.objects import StoredObject

log = logging.getLogger(__name__)

_AWS_DATA = re.compile(
    r"^(?P<root>(?:.*/)?)data/BILLING_PERIOD=(?P<period>\d{4}-\d{2})/(?P<tail>.+)$"
)
_AWS_MANIFEST = re.compile(
    r"^(?P<root>(?:.*/)?)metadata/BILLING_PERIOD=(?P<period>\d{4}-\d{2})/(?:.+/)?[^/]*Manifest\.json$"
)
_AZURE = re.compile(
    r"^(?P<root>(?:.*/)?)(?P<range>\d{8}-\d{8})/(?:(?P<run>[^/]+)/)?(?P<name>[^/]+)$"
)
# A month, alone or as part of a date: 2026-11, 2026_11, 202611, 2026-11-01, 20261101.
_MONTH = re.compile(r"(?<!\d)(20\d{2})[-_]?(0[1-9]|1[0-2])(?:[-_]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)")
WHOLE_FOLDER = "all"

ReadObject = Callable[[StoredObject], bytes]


@dataclass(frozen=True)
class PeriodFiles:
    """The files one billing period is made of, as listed."""

    key: str  # "2026-11", "20261101-20261130", or "all"
    label: str
    files: tuple[StoredObject, ...]
    place: str  # the export folder it came from, for messages


def find_periods(objects: Sequence[StoredObject], read: ReadObject) -> list[PeriodFiles]:
    """Each billing period under the root, with exactly the files that are current."""
    aws: dict[tuple[str, str], list[StoredObject]] = defaultdict(list)
    aws_manifests: dict[tuple[str, str], list[StoredObject]] = defaultdict(list)
    azure: dict[tuple[str, str], dict[str, list[StoredObject]]] = defaultdict(
        lambda: defaultdict(list)
    )
    plain: list[StoredObject] = []
    for obj in objects:
        if (match := _AWS_MANIFEST.match(obj.key)) is not None:
            aws_manifests[match["root"], match["period"]].append(obj)
        elif not (is_billing_file(obj.key) or obj.name == MANIFEST_NAME):
            continue
        elif (match := _AWS_DATA.match(obj.key)) is not None:
            aws[match["root"], match["period"]].append(obj)
        elif (match := _AZURE.match(obj.key)) is not None:
            azure[match["root"], match["range"]][match["run"] or ""].append(obj)
        elif is_billing_file(obj.key):
            plain.append(obj)
    periods = [
        found
        for (root, period), files in sorted(aws.items())
        if (found := _aws_period(root, period, files, aws_manifests[root, period], read))
    ]
    periods += [
        found
        for (root, span), runs in sorted(azure.items())
        if (found := _azure_period(root, span, runs, read))
    ]
    loose = _plain_periods(plain)
    if periods and any(p.key == WHOLE_FOLDER for p in loose):
        # Its rows may hold any month, and its re-ingest would replace an exported period
        # whose own fingerprint, unchanged, would never have it read again.
        stray = next(p for p in loose if p.key == WHOLE_FOLDER).files[0].key
        raise SourceError(
            f"{stray} shows no month and sits beside exported billing periods: point the "
            "source's path at one export, or give the file's name its month (2026-11)."
        )
    periods += loose
    _refuse_shared_keys(periods)
    return periods


def _aws_period(
    root: str,
    period: str,
    files: list[StoredObject],
    manifests: list[StoredObject],
    read: ReadObject,
) -> PeriodFiles | None:
    place = f"{root}data/BILLING_PERIOD={period}"
    current = files
    if manifests:
        newest = max(manifests, key=lambda m: (m.modified, m.key))
        manifest = parse_aws_manifest(read(newest), newest.key, period)
        by_tail = {obj.key.removeprefix(f"{place}/"): obj for obj in files}
        missing = [tail for tail in manifest.data_files if tail not in by_tail]
        if missing:
            log.warning(
                "%s: the manifest %s names %d file(s) not delivered yet (%s); the period "
                "is read once they are.",
                place,
                newest.key,
                len(missing),
                missing[0],
            )
            return None
        current = [by_tail[tail] for tail in dict.fromkeys(manifest.data_files)]
    if not current:
        return None
    return PeriodFiles(
        period, f"BILLING_PERIOD={period} ({_files(current)})", tuple(current), place
    )


def _azure_period(
    root: str, span: str, runs: dict[str, list[StoredObject]], read: ReadObject
) -> PeriodFiles | None:
    place = f"{root}{span}"
    # Parts straight in the period folder (no run folder) are one run, named by the period.
    chosen = newest_complete_run(((run or span, objs) for run, objs in runs.items()), read, place)
    if chosen is None:
        return None
    label = f"{span} run {chosen.name} ({_files(chosen.files)})"
    return PeriodFiles(span, label, chosen.files, place)


def _plain_periods(files: list[StoredObject]) -> list[PeriodFiles]:
    if not files:
        return []
    months = {obj.key: _month_shown(obj.key) for obj in files}
    if None in months.values():
        label = f"all files ({_files(files)})"
        return [PeriodFiles(WHOLE_FOLDER, label, tuple(files), "the folder")]
    grouped: dict[str, list[StoredObject]] = defaultdict(list)
    for obj in files:
        grouped[months[obj.key] or ""].append(obj)
    return [
        PeriodFiles(month, f"{month} ({_files(group)})", tuple(group), f"files of {month}")
        for month, group in sorted(grouped.items())
    ]


def _month_shown(key: str) -> str | None:
    """The one month a file's path names, or None if it names none or several."""
    months = {f"{year}-{month}" for year, month in _MONTH.findall(key)}
    return months.pop() if len(months) == 1 else None


def _refuse_shared_keys(periods: list[PeriodFiles]) -> None:
    seen: dict[str, PeriodFiles] = {}
    for period in periods:
        if (other := seen.setdefault(period.key, period)) is not period:
            raise SourceError(
                f"billing period {period.key} is exported twice, in {other.place} and "
                f"{period.place}: their rows would replace each other. Point each source's "
                "path at one export."
            )


def _files(files: Sequence[StoredObject]) -> str:
    return "1 file" if len(files) == 1 else f"{len(files)} files"
