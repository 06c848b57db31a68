"""Stream a provider's own billing file (CSV, gzip'd CSV or Parquet) as tables of text columns.

Converters (AWS CUR, Azure cost exports) read these, rename and derive FOCUS columns, and hand
the result to the FOCUS normaliser. Every value stays text: amounts are parsed exactly once,
by the normaliser, and a Parquet double is printed as the shortest text that reads back as it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bot.sources.billing_files import gather_batches, is_parquet
from bot.sources.focus.header import HeaderError, read_csv_header

BATCH_ROWS = 32_768
CSV_BLOCK_BYTES = 1 << 20
NULL_SPELLINGS = ["", "NULL", "null", "Null"]


class NativeFileError(ValueError):
    """A native billing file cannot be read; the message names the file and what to do."""


def header_of(path: Path) -> list[str]:
    """The file's column names, as written (a CSV's byte-order mark removed)."""
    if is_parquet(path):
        try:
            return list(pq.read_schema(path).names)
        except (OSError, pa.ArrowException) as exc:
            raise NativeFileError(f"{path}: not a readable Parquet file ({exc}).") from exc
    try:
        return [name.lstrip("\ufeff") for name in read_csv_header(path)]
    except HeaderError as exc:
        raise NativeFileError(str(exc)) from exc


def text_batches(path: Path, columns: list[str]) -> Iterator[pa.Table]:
    """The named columns of the file (names as `header_of` gives them), as text, in batches."""
    if is_parquet(path):
        yield from _parquet_batches(path, columns)
    else:
        yield from _csv_batches(path, columns)


def _csv_batches(path: Path, columns: list[str]) -> Iterator[pa.Table]:
    header = read_csv_header(path)
    # The file's own spelling (with a byte-order mark, if any) is what pyarrow matches.
    spelled = {name.lstrip("\ufeff"): name for name in header}
    wanted = [spelled[c] for c in columns]
    convert = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types={name: pa.string() for name in wanted},
        null_values=NULL_SPELLINGS,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    read = pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False)
    compression = "gzip" if path.name.lower().endswith(".gz") else None
    try:
        with (
            pa.input_stream(str(path), compression=compression) as source,
            pacsv.open_csv(source, read_options=read, convert_options=convert) as reader,
        ):
            for batch in gather_batches(reader, BATCH_ROWS):
                table = pa.Table.from_batches(batch).combine_chunks()
                yield table.rename_columns([n.lstrip("\ufeff") for n in table.column_names])
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        raise NativeFileError(f"{path}: the CSV is malformed or truncated ({exc}).") from exc


def _parquet_batches(path: Path, columns: list[str]) -> Iterator[pa.Table]:
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            arrays = [as_text(column) for column in batch.columns]
            yield pa.table(arrays, names=batch.schema.names)
    except (pa.ArrowException, OSError) as exc:
        raise NativeFileError(
            f"{path}: the Parquet file is malformed or truncated ({exc})."
        ) from exc


def as_text(column: pa.Array) -> pa.Array:
    """A column as text; a map (Parquet tags) as a JSON object per row, timestamps as ISO."""
    kind = column.type
    if pa.types.is_string(kind):
        return column
    if pa.types.is_map(kind):
        return _map_as_json(column)
    if pa.types.is_timestamp(kind):
        # A timestamp without a zone is UTC in CUR; printed with an explicit Z.
        zone = "%z" if kind.tz is not None else "Z"
        return pc.strftime(column, format=f"%Y-%m-%dT%H:%M:%S{zone}")
    if pa.types.is_date(kind):
        return pc.strftime(column, format="%Y-%m-%d")
    return column.cast(pa.string())


def _map_as_json(column: pa.Array) -> pa.Array:
    rows = column.to_pylist()
    return pa.array(
        [None if row is None else json.dumps(dict(row), sort_keys=True) for row in rows],
        pa.string(),
    )
