"""Azure EA/MCA cost export files (CSV, gzip'd CSV, Parquet) as FOCUS-named ingest inputs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from bot.domain.allocation import AllocationRules
from bot.sources.azure_cost_export import columns as az
from bot.sources.azure_cost_export.convert import (
    COST_TYPES,
    convert_batch,
    detect_cost_type,
    read_columns,
)
from bot.sources.billing_files import discover_billing_files
from bot.sources.focus.tables import FocusTablesFile
from bot.sources.native_files import NativeFileError, header_of, text_batches


class AzureExportError(ValueError):
    """A file that is no Azure cost export costbot can read; the message says what to do."""


def check_azure_file(path: Path, label: str) -> az.AzureHeader:
    headers = header_of(path)
    if not headers:
        raise AzureExportError(f"{label}: the file is empty; expected an export header row.")
    if not az.looks_like_azure_export(headers):
        raise AzureExportError(
            f"{label}: not an Azure cost export (no cost in billing currency with a meter or "
            "subscription column). For FOCUS exports use --format focus."
        )
    header = az.read_azure_header(headers)
    if missing := header.missing_required():
        raise AzureExportError(f"{label}: the export lacks the column(s) {'; '.join(missing)}.")
    return header


def azure_input(
    path: Path, rules: AllocationRules, cost_type: str = "auto", label: str | None = None
) -> FocusTablesFile:
    """A checked export file, its cost type known (read from its rows when `auto`)."""
    if cost_type not in COST_TYPES:
        raise AzureExportError(f"cost_type {cost_type!r}: use one of {', '.join(COST_TYPES)}.")
    label = label or str(path)
    header = check_azure_file(path, label)
    if cost_type == "auto":
        cost_type = detect_cost_type(label, _detection_batches(path, header))

    def tables() -> Iterator[pa.Table]:
        for batch in text_batches(path, read_columns(header)):
            yield convert_batch(batch, header)

    return FocusTablesFile(label=f"{label} ({cost_type} cost)", tables=tables, rules=rules)


def _detection_batches(path: Path, header: az.AzureHeader) -> Iterator[pa.Table]:
    names = (az.COST, az.CHARGE_TYPE, az.PRICING_MODEL)
    if not all(header.has(n) for n in names):
        return
    spelled = [header.spelled[n] for n in names]
    for batch in text_batches(path, spelled):
        yield pa.table([batch.column(s) for s in spelled], names=["cost", *names[1:]])


class AzureExportFiles:
    """`costbot ingest --format azure`: Azure cost export files or folders of them."""

    name = "azure"

    def __init__(self, rules: AllocationRules, cost_type: str = "auto") -> None:
        self._rules = rules
        self._cost_type = cost_type

    def open(self, paths: Sequence[Path]) -> list[FocusTablesFile]:
        files = discover_billing_files(paths, NativeFileError)
        return [azure_input(path, self._rules, self._cost_type) for path in files]
