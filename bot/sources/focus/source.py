"""The FOCUS billing source: files in, daily aggregates with allocation out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.domain.allocation import AllocationRules
from bot.services.ports import BatchResult
from bot.services.read_ahead import read_ahead
from bot.sources.billing_files import discover_billing_files
from bot.sources.focus.normalise import FocusNormaliser
from bot.sources.focus.reader import FocusFile, FocusFileError, open_focus_file


@dataclass(frozen=True)
class FocusBillingFile:
    focus: FocusFile
    rules: AllocationRules

    @property
    def path(self) -> Path:
        return self.focus.path

    def sha256(self) -> str:
        """SHA-256 of the file's bytes, taken while its batches were read (CSV and Parquet)."""
        return self.focus.checksum["sha256"]

    def batches(self) -> Iterator[BatchResult]:
        normaliser = FocusNormaliser(self.rules, str(self.path))
        # The next batch is parsed while this one is normalised (both release the GIL).
        for batch in read_ahead(self.focus.batches()):
            yield normaliser.process(batch)


class FocusSource:
    """FOCUS 1.0-1.4 cost-and-usage files: CSV, gzip'd CSV or Parquet."""

    name = "focus"

    def __init__(self, rules: AllocationRules) -> None:
        self._rules = rules

    def open(self, paths: Sequence[Path]) -> list[FocusBillingFile]:
        return [
            FocusBillingFile(open_focus_file(path), self._rules)
            for path in discover_billing_files(paths, FocusFileError)
        ]
