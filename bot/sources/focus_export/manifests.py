"""The manifests AWS Data Exports deliver with their files (Azure's: `bot.sources.azure_runs`).

An AWS Data Exports manifest (under `<export>/metadata/BILLING_PERIOD=YYYY-MM/`, named
`[<execution-id>/]<export>-Manifest.json`) names the period's current data files in
`dataFiles`, as full S3 URIs; files in the data folder that it does not name are left over
from an earlier delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.snapshot_ports import SourceError
from bot.sources.objects import parse_json_manifest

DATA_MARKER = "/data/"


@dataclass(frozen=True)
class AwsManifest:
    execution_id: str
    # Each data file as its path below `data/BILLING_PERIOD=YYYY-MM/` (for an export that
    # creates a new report each time, that starts with the execution id's folder).
    data_files: tuple[str, ...]


def parse_aws_manifest(raw: bytes, where: str, period: str) -> AwsManifest:
    """The data files an AWS Data Exports manifest names for `period` ("2026-11")."""
    document = parse_json_manifest(raw, where)
    files = document.get("dataFiles")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise SourceError(f"{where}: the manifest has no dataFiles list; is it a Data Exports one?")
    marker = f"BILLING_PERIOD={period}/"
    tails = []
    for uri in files:
        before, found, tail = uri.partition(marker)
        if not found or DATA_MARKER not in f"{before}/" or not tail:
            raise SourceError(f"{where}: dataFiles names {uri!r}, not a file of {marker[:-1]}.")
        tails.append(tail)
    return AwsManifest(str(document.get("executionId", "")), tuple(tails))
