"""Find FOCUS files, check their header, and stream them in bounded record batches."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bot.sources.azure_cost_export.columns import looks_like_azure_export
from bot.sources.billing_files import gather_batches, is_billing_file, is_parquet
from bot.sources.focus.columns import (
    MANDATORY_COLUMNS,
    TAGS_COLUMN,
    looks_like_cur2,
    looks_like_legacy_cur,
    map_header,
    missing_mandatory,
)
from bot.sources.focus.dialects import near_focus_refusal
from bot.sources.focus.file_identity import (
    FileChangedError,
    FileIdentity,
    check_unchanged,
    refuse_if_changed,
    regular_file_identity,
)
from bot.sources.focus.header import (
    read_csv_header,
    refuse_duplicate_columns,
    refuse_unreadable_parquet_types,
)

NULL_SPELLINGS = ["", "NULL", "null", "Null"]

# pyarrow parses 1 MB CSV blocks fastest (measured on an 816 MB file: 1.3 s, against 1.6 s for
# 256 KB and 1.5-1.9 s for 4 MB); the blocks are then gathered into batches of about this many
# rows, big enough for vectorised work to pay off and small enough that memory stays flat.
CSV_BLOCK_BYTES = 1 << 20
BATCH_ROWS = 32_768
CHECKSUM_CHUNK_BYTES = 1 << 20


class FocusFileError(ValueError):
    """A file cannot be ingested as FOCUS; the message names the file and what to do."""


@dataclass(frozen=True)
class FocusBatch:
    """Up to tens of thousands of rows, columns under their FOCUS names, text except Tags."""

    table: pa.Table
    first_line: int  # file line of the first row (the header is line 1)


@dataclass(frozen=True)
class FocusFile:
    path: Path
    kind: str  # "csv" or "parquet"
    columns: dict[str, str]  # FOCUS name -> the file's own header
    # SHA-256 of the file's bytes, taken while the file is streamed.
    checksum: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # The file as it was when its header was read: it must be so still after its last row.
    identity: FileIdentity | None = field(default=None, compare=False, repr=False)

    def batches(self) -> Iterator[FocusBatch]:
        """Stream the file's rows with only the columns costbot reads."""
        reader = self._csv_batches() if self.kind == "csv" else self._parquet_batches()
        line = 2
        with FileChecksum(self.path) as checksum:
            try:
                for batches in gather_batches(reader, BATCH_ROWS):
                    # One chunk per column: the normaliser's kernels and numpy views want it so.
                    table = pa.Table.from_batches(batches).combine_chunks()
                    names = [self._focus_name(n) for n in table.column_names]
                    yield FocusBatch(table=table.rename_columns(names), first_line=line)
                    line += table.num_rows
            except FocusFileError as error:
                if self.identity is not None:
                    try:
                        refuse_if_changed(self.path, self.identity)
                    except FileChangedError as changed:
                        raise changed from error
                raise
        self.checksum["sha256"] = checksum.hexdigest()
        if self.identity is not None:
            check_unchanged(self.path, self.identity, checksum.bytes_hashed)

    def _focus_name(self, header: str) -> str:
        return next(name for name, spelled in self.columns.items() if spelled == header)

    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        headers = list(self.columns.values())
        convert = pacsv.ConvertOptions(
            include_columns=headers,
            column_types={h: pa.string() for h in headers},
            null_values=NULL_SPELLINGS,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        # Arrow's own threads would only contend with the stages running beside this one.
        read = pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False)
        compression = "gzip" if self.path.name.lower().endswith(".gz") else None
        try:
            source = pa.input_stream(str(self.path), compression=compression)
            with (
                source,
                pacsv.open_csv(source, read_options=read, convert_options=convert) as reader,
            ):
                yield from reader
        except (pa.ArrowInvalid, OSError, EOFError) as exc:
            if "straddling" in str(exc):  # Arrow's words for a row longer than its block
                raise FocusFileError(
                    f"{self.path}: a row is longer than {CSV_BLOCK_BYTES // 1024} KiB (or a "
                    "quote is never closed); no billing row is that long: check the export."
                ) from exc
            raise FocusFileError(
                f"{self.path}: the CSV is malformed or truncated ({exc})."
            ) from exc

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        headers = list(self.columns.values())
        tags_header = self.columns.get(TAGS_COLUMN)
        try:
            parquet = pq.ParquetFile(self.path)
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=headers):
                arrays = [
                    column if name == tags_header else _as_text(column)
                    for name, column in zip(batch.schema.names, batch.columns, strict=True)
                ]
                yield pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
        except (pa.ArrowException, OSError) as exc:
            raise FocusFileError(
                f"{self.path}: the Parquet file is malformed or truncated ({exc})."
            ) from exc


class FileChecksum:
    """SHA-256 of a file's bytes, taken in a thread beside the parser (hashing releases the GIL),
    so the file is neither hashed on the parser's time nor read through Python."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._digest = hashlib.sha256()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.bytes_hashed = 0
        self._thread = threading.Thread(target=self._hash, name="costbot-checksum", daemon=True)

    def __enter__(self) -> FileChecksum:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            self._stop.set()
        self._thread.join()

    def hexdigest(self) -> str:
        if self._error is not None:
            raise self._error
        return self._digest.hexdigest()

    def _hash(self) -> None:
        buffer = bytearray(CHECKSUM_CHUNK_BYTES)
        view = memoryview(buffer)
        try:
            with self._path.open("rb", buffering=0) as raw:
                while not self._stop.is_set() and (count := raw.readinto(buffer)):
                    self._digest.update(view[:count])
                    self.bytes_hashed += count
        except OSError as error:
            self._error = error


def _as_text(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    if pa.types.is_dictionary(column.type):
        return column.cast(pa.string())
    if pa.types.is_timestamp(column.type):
        # ISO text keeps the zone: parsed again with the CSV path's rules. A timestamp without
        # a zone has no %z to print (pyarrow refuses): it is read as UTC, like CSV text.
        zone = "%z" if column.type.tz is not None else ""
        return pc.strftime(column, format=f"%Y-%m-%dT%H:%M:%S{zone}")
    return column.cast(pa.string())


def open_focus_file(path: Path) -> FocusFile:
    """Read a file's header and check it is FOCUS; raise FocusFileError saying why not."""
    if not is_billing_file(path):
        raise FocusFileError(
            f"{path}: unknown file type; costbot reads FOCUS as .csv, .csv.gz or .parquet."
        )
    identity = regular_file_identity(path)  # before anything opens it: a FIFO never ends
    if is_parquet(path):
        kind, schema = "parquet", _parquet_schema(path)
        headers = list(schema.names)
    else:
        kind, schema, headers = "csv", None, read_csv_header(path)
    _check_focus_header(path, headers)
    columns = map_header(headers)
    if schema is not None:
        refuse_unreadable_parquet_types(path, schema, columns)
    return FocusFile(path=path, kind=kind, columns=columns, identity=identity)


def _parquet_schema(path: Path) -> pa.Schema:
    try:
        return pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise FocusFileError(f"{path}: not a readable Parquet file ({exc}).") from exc


def _check_focus_header(path: Path, headers: list[str]) -> None:
    if not headers:
        raise FocusFileError(f"{path}: the file is empty; expected a FOCUS header row.")
    if looks_like_legacy_cur(headers) or looks_like_cur2(headers):
        raise FocusFileError(
            f"{path}: this is an AWS Cost and Usage Report (CUR), not FOCUS. Ingest it with "
            "`costbot ingest --format aws-cur`, or create a FOCUS export in AWS Billing > "
            "Data Exports (export type 'FOCUS 1.0 with AWS columns' or newer) and ingest that."
        )
    refuse_duplicate_columns(path, headers)
    missing = missing_mandatory(map_header(headers))
    if missing and looks_like_azure_export(headers):
        raise FocusFileError(
            f"{path}: this is an Azure cost export (actual or amortized cost), not FOCUS. "
            "Ingest it with `costbot ingest --format azure`, or export 'Cost and usage (FOCUS)' "
            "in Azure Cost Management and ingest that."
        )
    if missing and (near_focus := near_focus_refusal(headers)):
        raise FocusFileError(f"{path}: {near_focus}")
    if missing:
        raise FocusFileError(
            f"{path}: not a FOCUS cost-and-usage file: missing mandatory column(s) "
            f"{', '.join(missing)} (FOCUS needs {', '.join(MANDATORY_COLUMNS)})."
        )
