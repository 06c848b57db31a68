"""Builders for export tests: FOCUS parts of a given month, and the manifests that list them."""

from __future__ import annotations

import copy
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import FIXTURES, FOCUS_FIXTURES

MANIFESTS = FIXTURES / "focus_export"
TIME_COLUMNS = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")


def month_rows(month: str, provider: str = "aws", scale: int = 1) -> pd.DataFrame:
    """The 500-row FOCUS 1.3 sample (May 2026) moved to `month` ("2026-11"), costs x `scale`."""
    frame = pd.read_csv(
        FOCUS_FIXTURES / f"focus_1_3_cost_and_usage_{provider}.csv",
        dtype=str,
        keep_default_na=False,
    )
    year, number = map(int, month.split("-"))
    shift = pd.DateOffset(months=(year - 2026) * 12 + number - 5)
    for column in TIME_COLUMNS:
        moved = pd.to_datetime(frame[column], utc=True) + shift
        frame[column] = moved.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if scale != 1:
        for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
            frame[column] = [_scaled(value, scale) for value in frame[column]]
    return frame


def _scaled(value: str, scale: int) -> str:
    return value if value in ("", "NULL") else str(Decimal(value) * scale)


def part_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    """The rows as an export part: "csv.gz" or "parquet" (text columns, as exports write)."""
    if kind == "csv.gz":
        return gzip.compress(frame.to_csv(index=False).encode(), mtime=0)
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue()


def total(*frames: pd.DataFrame, column: str = "EffectiveCost") -> Decimal:
    """The exact sum of a cost column over the given rows (one currency: USD)."""
    return sum((Decimal(v) for f in frames for v in f[column] if v not in ("", "NULL")), Decimal(0))


def aws_manifest(bucket: str, data_prefix: str, names: list[str], period: str) -> bytes:
    """A Data Exports manifest naming `names` under `<data_prefix>/BILLING_PERIOD=<period>/`."""
    document = json.loads((MANIFESTS / "aws_data_exports_Manifest.json").read_text())
    document["billingPeriod"] = period
    document["dataFiles"] = [
        f"s3://{bucket}/{data_prefix}/BILLING_PERIOD={period}/{name}" for name in names
    ]
    return json.dumps(document, indent=2).encode()


def azure_manifest(run_folder: str, parts: dict[str, bytes], submitted: str) -> bytes:
    """A Cost Management run manifest listing `parts` (name -> bytes) in `run_folder`."""
    document = copy.deepcopy(
        json.loads((MANIFESTS / "azure_cost_export_manifest.json").read_text())
    )
    document["runInfo"]["runId"] = run_folder.rsplit("/", 1)[-1]
    document["runInfo"]["submittedTime"] = submitted
    document["blobs"] = [
        {"blobName": f"{run_folder}/{name}", "byteCount": len(data), "dataRowCount": 500}
        for name, data in parts.items()
    ]
    document["blobCount"] = len(parts)
    document["byteCount"] = sum(len(data) for data in parts.values())
    return json.dumps(document, indent=2).encode()


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write `files` (relative path -> bytes) below `root`."""
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def put_tree(s3, bucket: str, files: dict[str, bytes]) -> None:
    for key, data in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
