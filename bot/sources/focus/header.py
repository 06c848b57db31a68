"""A file's header, read with bounded memory and checked before any row is.

A CSV header is read from a bounded prefix of the file: a file that is one endless line (a
210 MB header, /dev/zero renamed) is refused instead of filling memory. Two headers that
read as the same FOCUS column are refused, naming both: which one holds the costs is not
for costbot to guess. A Parquet column of a type costbot cannot read as text (a list, a
struct) is refused before the first row group is read.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pyarrow as pa

from bot.sources.focus.columns import TAGS_COLUMN, canonical_column, is_preview_name

# Far beyond any real header (FOCUS 1.2 with every provider column is under 10 KB), and small
# enough that the header always fits the CSV reader's first block (see reader.CSV_BLOCK_BYTES).
MAX_HEADER_BYTES = 1 << 19


class HeaderError(ValueError):
    """A header that cannot be read as FOCUS; the message names the file and what to do."""


def read_csv_header(path: Path) -> list[str]:
    """The first row of a CSV or gzip'd CSV, from at most MAX_HEADER_BYTES of it."""
    try:
        raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
        with raw:
            prefix = raw.read(MAX_HEADER_BYTES + 1)
    except EOFError as exc:
        raise HeaderError(
            f"{path}: the gzip file is truncated ({exc}); ingest it again once it is complete."
        ) from exc
    except OSError as exc:
        raise HeaderError(f"{path}: cannot read the CSV header ({exc}).") from exc
    if len(prefix) > MAX_HEADER_BYTES:
        line_end = prefix.rfind(b"\n", 0, MAX_HEADER_BYTES)
        if line_end < 0:
            raise HeaderError(
                f"{path}: the first line is longer than {MAX_HEADER_BYTES // 1024} KiB, so it "
                "is no FOCUS header; check that this is the CSV export itself."
            )
        prefix = prefix[: line_end + 1]
    try:
        text = prefix.decode("utf-8-sig")
        return next(csv.reader(io.StringIO(text, newline=""), strict=True), [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise HeaderError(f"{path}: cannot read the CSV header ({exc}).") from exc


def refuse_duplicate_columns(path: Path, headers: list[str]) -> None:
    """Two headers for one FOCUS column (`BilledCost` and `billedcost `) make the file ambiguous."""
    seen: dict[str, str] = {}
    for header in headers:
        name = canonical_column(header)
        if name is None or is_preview_name(header):
            continue  # a preview name beside its 1.0 name is no ambiguity: the 1.0 name wins
        if name in seen:
            raise HeaderError(
                f"{path}: the columns {seen[name]!r} and {header!r} both read as the FOCUS "
                f"column {name}; keep one of them and ingest the file again."
            )
        seen[name] = header


def refuse_unreadable_parquet_types(path: Path, schema: pa.Schema, columns: dict[str, str]) -> None:
    """Every column costbot reads must be text, a number, a time or (Tags only) a map."""
    for name, header in columns.items():
        kind = schema.field(header).type
        readable = _tags_type(kind) if name == TAGS_COLUMN else _flat_type(kind)
        if not readable:
            expected = (
                "text (JSON), a map, a struct or a list of key/value structs"
                if name == TAGS_COLUMN
                else "text, a number or a date-time"
            )
            raise HeaderError(
                f"{path}: the Parquet column {header!r} is of type {kind}, but FOCUS "
                f"{name} must be {expected}; export it in that type and ingest the file again."
            )


def _flat_type(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _flat_type(kind.value_type)
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_date(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    )


def _tags_type(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _tags_type(kind.value_type)
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_map(kind)
        or pa.types.is_struct(kind)
        or _key_value_list(kind)
        or pa.types.is_null(kind)
    )


def _key_value_list(kind: pa.DataType) -> bool:
    """BigQuery's labels: a list of {key, value} structs."""
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
        return False
    item = kind.value_type
    return pa.types.is_struct(item) and {"key", "value"} <= {f.name for f in item}
