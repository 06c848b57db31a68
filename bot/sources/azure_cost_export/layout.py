"""Which files make up each billing period of an Azure cost export, told from the listing.

Azure Cost Management writes each run of an export to `<dir>/<export>/YYYYMMDD-YYYYMMDD/`:
newer exports put a run's parts in a `<run-id>/` folder with a `manifest.json`; older ones write
one `<export>_<guid>.csv` per run straight into the period folder, each file a run of its own.
Every run restates the whole period, so the newest complete run is the period
(`bot.sources.azure_runs` says how runs are told apart and when one is complete). Files outside
any period folder (a folder filled by hand) are one unit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from bot.services.snapshot_ports import SourceError
from bot.sources.azure_runs import MANIFEST_NAME, newest_complete_run
from bot.sources.billing_files import is_billing_file
from bot.sources.native_export import PeriodFiles, files_label
from bot.sources.objects import StoredObject

_PERIOD = re.compile(r"^(?P<root>(?:.*/)?)(?P<period>\d{8}-\d{8})/(?P<tail>.+)$")
WHOLE_FOLDER = "all"


def find_azure_periods(
    objects: Sequence[StoredObject], read: Callable[[StoredObject], bytes]
) -> list[PeriodFiles]:
    """Each billing period under the root, with the files of its newest complete run."""
    # By export folder and period: two exports of one period (actual and amortized) are
    # never runs of each other.
    runs: dict[tuple[str, str], dict[str, list[StoredObject]]] = defaultdict(
        lambda: defaultdict(list)
    )
    loose: list[StoredObject] = []
    for obj in objects:
        if not (is_billing_file(obj.key) or obj.name == MANIFEST_NAME):
            continue
        match = _PERIOD.match(obj.key)
        if match is None:
            if is_billing_file(obj.key):
                loose.append(obj)
            continue
        tail = match["tail"]
        # A run folder holds a run; a file straight in the period folder is a run of its own.
        run = tail.split("/", 1)[0] if "/" in tail else f"file:{tail}"
        runs[match["root"], match["period"]][run].append(obj)
    periods, places = [], {}
    for (root, period), period_runs in sorted(runs.items()):
        if (other := places.setdefault(period, root)) != root:
            raise SourceError(
                f"billing period {period} is exported twice, in {other or 'the root'} and "
                f"{root or 'the root'} (an actual and an amortized export?): their rows would "
                "replace each other. Give each export its own source, with its own path."
            )
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
    named = ((run.removeprefix("file:"), objects) for run, objects in runs.items())
    chosen = newest_complete_run(named, read, period)
    if chosen is None:
        return None
    label = f"{period} run {chosen.name} ({files_label(chosen.files)})"
    return PeriodFiles(period, label, chosen.files)
