"""The manifests AWS Data Exports and Azure Cost Management exports deliver with their files.

An AWS Data Exports manifest (under `<export>/metadata/BILLING_PERIOD=YYYY-MM/`, named
`[<execution-id>/]<export>-Manifest.json`) names the period's current data files in
`dataFiles`, as full S3 URIs; files in the data folder that it does not name are left over
from an earlier delivery.

Azure Cost Management (`<export>/YYYYMMDD-YYYYMMDD/<run-id>/manifest.json`) lists the run's
`blobs` (`blobName` container-relative, `byteCount`, `dataRowCount`) and when the run was
submitted (`runInfo.submittedTime`); the manifest is written after the run's parts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.services.snapshot_ports import SourceError

DATA_MARKER = "/data/"
_FRACTION = re.compile(r"(\.\d+)")


@dataclass(frozen=True)
class AwsManifest:
    execution_id: str
    # Each data file as its path below `data/BILLING_PERIOD=YYYY-MM/` (for an export that
    # creates a new report each time, that starts with the execution id's folder).
    data_files: tuple[str, ...]


@dataclass(frozen=True)
class AzureBlob:
    name: str  # the part's file name, e.g. part_0_0001.csv.gz
    size: int | None


@dataclass(frozen=True)
class AzureManifest:
    run_id: str
    submitted: datetime | None
    blobs: tuple[AzureBlob, ...]


def parse_aws_manifest(raw: bytes, where: str, period: str) -> AwsManifest:
    """The data files an AWS Data Exports manifest names for `period` ("2026-11")."""
    document = _json_object(raw, where)
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


def parse_azure_manifest(raw: bytes, where: str) -> AzureManifest:
    """The parts and submission time an Azure Cost Management export manifest gives."""
    document = _json_object(raw, where)
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
    return AzureManifest(str(run.get("runId", "")), _utc(run.get("submittedTime")), tuple(parts))


def _json_object(raw: bytes, where: str) -> dict:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{where}: the manifest is not JSON ({exc}).") from exc
    if not isinstance(document, dict):
        raise SourceError(f"{where}: the manifest is not a JSON object.")
    return document


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
