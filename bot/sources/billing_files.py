"""Which files are billing files (CSV, gzip'd CSV, Parquet), by name, finding them in folders,
and the batching their readers share.

FOCUS files and providers' own exports come in the same three forms; every reader and every
export layout tells them by these suffixes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

import pyarrow as pa

CSV_SUFFIXES = (".csv", ".csv.gz")
# ".snappy.parquet" and ".gz.parquet", as CUR and Azure name their parts, end in ".parquet".
PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")


def is_billing_file(path: Path | str) -> bool:
    """Whether a file (or a listed object's key) is named as a billing file."""
    return PurePosixPath(path).name.lower().endswith(CSV_SUFFIXES + PARQUET_SUFFIXES)


def is_parquet(path: Path | str) -> bool:
    return PurePosixPath(path).name.lower().endswith(PARQUET_SUFFIXES)


def discover_billing_files(paths: Iterable[Path], error: type[ValueError]) -> list[Path]:
    """Expand folders into the billing files inside (sorted); check every named path exists
    and is named as a billing file. Problems raise `error` naming the path."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise error(f"{path}: no such file or folder.")
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and is_billing_file(p))
            if not inside:
                raise error(f"{path}: the folder holds no .csv, .csv.gz or .parquet files.")
            found.extend(inside)
        elif not is_billing_file(path):
            raise error(f"{path}: unknown file type; expected .csv, .csv.gz or .parquet.")
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def gather_batches(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[list[pa.RecordBatch]]:
    """Group small record batches into lists of about `rows` rows."""
    group: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        group.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield group
            group, count = [], 0
    if group:
        yield group
