"""Legacy AWS CUR files (CSV, gzip'd CSV, Parquet) as FOCUS-named inputs of an ingest."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from bot.domain.allocation import AllocationRules
from bot.sources.aws_cur.columns import CurHeader, looks_like_cur, read_cur_header
from bot.sources.aws_cur.convert import CurFileError, convert_batch, read_columns
from bot.sources.billing_files import discover_billing_files
from bot.sources.focus.tables import FocusTablesFile
from bot.sources.native_files import NativeFileError, header_of, text_batches


def check_cur_file(path: Path, label: str | None = None) -> CurHeader:
    """Read a file's header and check it is a CUR; raise CurFileError saying why not."""
    label = label or str(path)
    headers = header_of(path)
    if not headers:
        raise CurFileError(f"{label}: the file is empty; expected a CUR header row.")
    if not looks_like_cur(headers):
        raise CurFileError(
            f"{label}: not an AWS Cost and Usage Report (no lineItem/LineItemType column). "
            "For FOCUS files use --format focus."
        )
    header = read_cur_header(headers)
    if missing := header.missing_required():
        raise CurFileError(f"{label}: the CUR lacks the column(s) {', '.join(missing)}.")
    return header


def cur_tables(path: Path, header: CurHeader, label: str) -> Iterator[pa.Table]:
    """The file's rows as FOCUS-named text tables, in batches."""
    for batch in text_batches(path, read_columns(header)):
        yield convert_batch(batch, header, label)


def cur_input(path: Path, rules: AllocationRules, label: str | None = None) -> FocusTablesFile:
    """A checked CUR file, ready to ingest (the header is read now, the rows when ingested)."""
    label = label or str(path)
    header = check_cur_file(path, label)
    return FocusTablesFile(label=label, tables=lambda: cur_tables(path, header, label), rules=rules)


class AwsCurFiles:
    """`costbot ingest --format aws-cur`: legacy CUR files or folders of them."""

    name = "aws-cur"

    def __init__(self, rules: AllocationRules) -> None:
        self._rules = rules

    def open(self, paths: Sequence[Path]) -> list[FocusTablesFile]:
        return [
            cur_input(path, self._rules) for path in discover_billing_files(paths, NativeFileError)
        ]
