"""Hostile billing files: each one a way `costbot ingest` was (or could be) made to fail badly.

Used by tests/integration/test_hostile_ingest.py and bench/hostile_ingest.py. Every file is
refused with a message naming it, or (rows only) has its bad rows rejected with a reason.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HEADER = [
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "BillingCurrency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BillingAccountId",
    "ServiceName",
    "RegionId",
    "ResourceId",
    "SubAccountName",
    "Tags",
]
GOOD_ROW = {
    "BilledCost": "1.00",
    "EffectiveCost": "1.00",
    "ListCost": "1.00",
    "BillingCurrency": "USD",
    "ChargePeriodStart": "2024-09-01T00:00:00Z",
    "ChargePeriodEnd": "2024-09-02T00:00:00Z",
    "BillingAccountId": "111122223333",
    "ServiceName": "Amazon EC2",
    "RegionId": "us-east-1",
    "ResourceId": "i-good",
    "SubAccountName": "ml-prod",
    "Tags": '{"project": "good"}',
}


def write_rows(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            values = {**GOOD_ROW, **row}
            writer.writerow([values[name] for name in header])
    return path


# One bad row of each kind (and what its rejection must say), each beside a good row.
BAD_ROWS: list[tuple[dict, str]] = [
    ({"ChargePeriodStart": "0001-01-01T00:00:00Z"}, "is outside the years 1970 to 2199"),
    ({"ChargePeriodEnd": "9999-12-31T00:00:00Z"}, "is outside the years 1970 to 2199"),
    ({"ChargePeriodEnd": "2024-08-31T00:00:00Z"}, "is before ChargePeriodStart"),
    ({"BillingCurrency": "ABC"}, "is not an ISO 4217 currency code"),
    ({"BillingCurrency": "USD" * 6}, "gives currency more than 16 characters"),
    ({"Tags": '{"project": "%s"}' % ("p" * 300)}, "the project it allocates more than 256"),
    ({"ServiceName": "s" * 300}, "gives service_name more than 256 characters"),
    ({"RegionId": "r" * 200}, "gives region more than 128 characters"),
    ({"ResourceId": "i" * 1100}, "gives resource_id more than 1024 characters"),
    ({"ServiceName": "EC2\x00"}, "a NUL or another control character"),
]


def bad_rows_files(folder: Path) -> list[Path]:
    """Two files (ingest refuses a call by at most 10 reported rejections per file)."""
    half = len(BAD_ROWS) // 2
    paths = []
    for index, part in enumerate((BAD_ROWS[:half], BAD_ROWS[half:])):
        rows: list[dict] = []
        for bad, _reason in part:
            rows += [bad, {}]
        paths.append(write_rows(folder / f"bad_rows_{index}.csv", rows))
    return paths


GOOD_ROWS_IN_BAD_FILES = len(BAD_ROWS)  # one good row of 1.00 USD beside each bad one


@dataclass(frozen=True)
class RefusedFile:
    """A file `costbot ingest` must refuse whole, with `message` on stderr."""

    name: str
    make: Callable[[Path], Path]
    message: str


def _deep_tags_row(folder: Path) -> Path:
    return write_rows(folder / "deep_tags.csv", [{"Tags": '{"a":' * 50_000 + "1" + "}" * 50_000}])


def _parquet(path: Path, **overrides: pa.Array) -> Path:
    columns = {name: pa.array([GOOD_ROW[name]]) for name in HEADER}
    columns.update(overrides)
    pq.write_table(pa.table(columns), path)
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "fifo.csv"
    os.mkfifo(path)
    return path


def _zero(folder: Path) -> Path:
    path = folder / "zero.csv"
    path.symlink_to("/dev/zero")
    return path


def _duplicate_columns(folder: Path) -> Path:
    path = folder / "duplicate_columns.csv"
    header = [*HEADER, "billedcost "]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow([*(GOOD_ROW[n] for n in HEADER), "1000000"])
    return path


def _huge_header(folder: Path, megabytes: int = 2) -> Path:
    path = folder / "huge_header.csv"
    with path.open("w") as handle:
        handle.write(",".join(HEADER))
        chunk = ",x-col" * 100_000
        for _ in range(megabytes * (1 << 20) // len(chunk) + 1):
            handle.write(chunk)
        handle.write("\n")
    return path


def _long_row(folder: Path) -> Path:
    return write_rows(folder / "long_row.csv", [{}, {"ResourceId": "i" * (2 << 20)}, {}])


def _unclosed_quote(folder: Path) -> Path:
    path = write_rows(folder / "unclosed_quote.csv", [{}])
    with path.open("a") as handle:
        handle.write('1,1,1,USD,"2024-09-01T00:00:00Z' + "x" * (2 << 20))
    return path


def _not_gzip(folder: Path) -> Path:
    path = folder / "not_gzip.csv.gz"
    path.write_bytes(b"BilledCost,EffectiveCost\n1,1\n")
    return path


def _truncated_gzip(folder: Path) -> Path:
    path = folder / "truncated.csv.gz"
    plain = write_rows(folder / "plain.csv", [{}] * 50_000)
    data = gzip.compress(plain.read_bytes())
    plain.unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def _cut_gzip(folder: Path, rows: int) -> Path:
    path = folder / "short.csv.gz"
    data = gzip.compress(write_rows(folder / "plain.csv", [{}] * rows).read_bytes())
    (folder / "plain.csv").unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def _garbage_parquet(folder: Path) -> Path:
    path = folder / "garbage.parquet"
    path.write_bytes(b"PAR1" + os.urandom(4096) + b"PAR1")
    return path


REFUSED_FILES: list[RefusedFile] = [
    RefusedFile("fifo", _fifo, "not a regular file (a named pipe)"),
    RefusedFile("dev_zero", _zero, "not a regular file (a device)"),
    RefusedFile(
        "list_cost_parquet",
        lambda f: _parquet(f / "list_cost.parquet", BilledCost=pa.array([[1.0, 2.0]])),
        "the Parquet column 'BilledCost' is of type list<",
    ),
    RefusedFile(
        "struct_time_parquet",
        lambda f: _parquet(f / "struct_time.parquet", ChargePeriodStart=pa.array([{"year": 2024}])),
        "the Parquet column 'ChargePeriodStart' is of type struct",
    ),
    RefusedFile(
        "list_tags_parquet",
        lambda f: _parquet(f / "list_tags.parquet", Tags=pa.array([[1, 2]])),
        "the Parquet column 'Tags' is of type list<",
    ),
    RefusedFile(
        "binary_cost_parquet",
        lambda f: _parquet(f / "binary_cost.parquet", BilledCost=pa.array([b"\xff\xfe"])),
        "the Parquet column 'BilledCost' is of type binary",
    ),
    RefusedFile(
        "duplicate_columns", _duplicate_columns, "'BilledCost' and 'billedcost ' both read as"
    ),
    RefusedFile("huge_header", _huge_header, "the first line is longer than 512 KiB"),
    RefusedFile("long_row", _long_row, "a row is longer than 1024 KiB"),
    RefusedFile("unclosed_quote", _unclosed_quote, "a row is longer than 1024 KiB"),
    RefusedFile("not_gzip", _not_gzip, "cannot read the CSV header"),
    RefusedFile("truncated_gzip", _truncated_gzip, "the CSV is malformed or truncated"),
    RefusedFile("short_gzip", lambda f: _cut_gzip(f, 500), "the gzip file is truncated"),
    RefusedFile("garbage_parquet", _garbage_parquet, "not a readable Parquet file"),
]
