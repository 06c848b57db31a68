"""Which files make up each billing period of a legacy CUR delivery, told from the listing.

AWS delivers a CUR to `<prefix>/<report>/<YYYYMMDD-YYYYMMDD>/`, with `<report>-Manifest.json`
in that period folder naming the current files in `reportKeys` (full S3 keys). With "create
new report version", each delivery adds an `<assemblyId>/` folder beside the older ones; with
"overwrite", files are replaced in place; the Athena (Parquet) layout keeps the data under
`<report>/<report>/year=YYYY/month=M/`. The manifest says which files are current in every case.
A manifest naming files not listed yet is a delivery in progress: the period is left as stored
until the next run. Without a manifest (files copied by hand) a period folder's files are the
period, the newest assembly folder winning; files outside any period folder are one unit.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from bot.services.snapshot_ports import SourceError
from bot.sources.billing_files import is_billing_file
from bot.sources.native_export import PeriodFiles, files_label
from bot.sources.objects import StoredObject

log = logging.getLogger(__name__)

_PERIOD = re.compile(r"^(?P<folder>(?:.*/)?(?P<period>\d{8}-\d{8}))/(?P<tail>.+)$")
_MANIFEST_SUFFIX = "-Manifest.json"
WHOLE_FOLDER = "all"


def find_cur_periods(
    objects: Sequence[StoredObject], read: Callable[[StoredObject], bytes]
) -> list[PeriodFiles]:
    """Each billing period under the root, with exactly the files that are current."""
    by_period: dict[str, list[StoredObject]] = defaultdict(list)
    manifests: dict[str, list[StoredObject]] = defaultdict(list)
    loose: list[StoredObject] = []
    for obj in objects:
        match = _PERIOD.match(obj.key)
        if match and obj.name.endswith(_MANIFEST_SUFFIX) and "/" not in match["tail"]:
            manifests[match["period"]].append(obj)
        elif not is_billing_file(obj.key):
            continue
        elif match:
            by_period[match["period"]].append(obj)
        else:
            loose.append(obj)
    listed = {obj.key: obj for obj in objects}
    periods = []
    for period in sorted(set(by_period) | set(manifests)):
        if manifests[period]:
            found = _from_manifest(period, manifests[period], listed, read)
        else:
            found = _newest_assembly(period, by_period[period])
        if found is not None:
            periods.append(found)
    if loose and not periods:
        periods.append(PeriodFiles(WHOLE_FOLDER, f"all files ({files_label(loose)})", tuple(loose)))
        return periods
    named = {obj.key for period in periods for obj in period.files}
    if unread := [obj.key for obj in loose if obj.key not in named]:
        log.warning(
            "%d file(s) outside any billing period folder are not read (%s)", len(unread), unread[0]
        )
    return periods


def _from_manifest(
    period: str,
    manifests: list[StoredObject],
    listed: dict[str, StoredObject],
    read: Callable[[StoredObject], bytes],
) -> PeriodFiles | None:
    newest = max(manifests, key=lambda m: (m.modified, m.key))
    keys = _report_keys(read(newest), newest.key)
    files, missing = [], []
    for key in keys:
        obj = _listed_as(key, listed)
        (files if obj is not None else missing).append(obj or key)
    if missing:
        log.warning(
            "%s: the manifest names %d file(s) not delivered yet (%s); the period is read "
            "once they are.",
            newest.key,
            len(missing),
            missing[0],
        )
        return None
    if not files:
        return None
    return PeriodFiles(period, f"{period} ({files_label(files)})", tuple(files))


def _report_keys(raw: bytes, where: str) -> list[str]:
    try:
        manifest = json.loads(raw)
        keys = manifest["reportKeys"]
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise TypeError("reportKeys is not a list of keys")
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(
            f"{where}: not a CUR manifest ({exc}); check the report's delivery settings."
        ) from exc
    return list(dict.fromkeys(keys))


def _listed_as(report_key: str, listed: dict[str, StoredObject]) -> StoredObject | None:
    """The listed object a manifest's full S3 key stands for: the listing is relative to the
    configured prefix (or is a local copy), so the key's leading folders are dropped until
    what is left is listed."""
    parts = report_key.split("/")
    for start in range(len(parts)):
        if (obj := listed.get("/".join(parts[start:]))) is not None:
            return obj
    return None


def _newest_assembly(period: str, files: list[StoredObject]) -> PeriodFiles | None:
    groups: dict[str, list[StoredObject]] = defaultdict(list)
    for obj in files:
        tail = _PERIOD.match(obj.key)["tail"]  # type: ignore[index]
        groups[tail.split("/", 1)[0] if "/" in tail else ""].append(obj)
    if "" in groups and len(groups) == 1:
        chosen = groups[""]
    else:
        groups.pop("", None)
        chosen = max(groups.values(), key=lambda g: max(o.modified for o in g))
    return PeriodFiles(period, f"{period} ({files_label(chosen)})", tuple(chosen))
