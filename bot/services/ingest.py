"""Ingest billing files: validate everything, stream, stage, and publish in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bot.domain.cost_rows import COST_BASES, source_name_problem
from bot.services.ports import (
    BatchResult,
    BillingFile,
    BillingSource,
    IngestRunRecord,
    IngestStore,
    Rejection,
)

REJECTIONS_REPORTED = 10


class IngestError(ValueError):
    """An ingest refused its input; nothing was written. The message says what to fix."""


@dataclass(frozen=True)
class IngestSummary:
    run_id: int
    record: IngestRunRecord


class _FileTally:
    """Counts for one file, kept while its batches stream past."""

    def __init__(self, billing_file: BillingFile) -> None:
        self.file = billing_file
        self.rows_read = 0
        self.rows_rejected = 0
        self.unreadable_tags = 0
        self.null_costs: dict[str, int] = {}
        self.rejections: list[Rejection] = []
        self.first_day: date | None = None
        self.last_day: date | None = None
        self.provisional: frozenset[date] = frozenset()

    def add_days(self, covered: tuple[date, date] | None) -> None:
        if covered is None:
            return
        first, last = covered
        self.first_day = first if self.first_day is None else min(self.first_day, first)
        self.last_day = last if self.last_day is None else max(self.last_day, last)


class IngestService:
    """One call is one unit: for its source, it replaces every day its files cover."""

    def __init__(
        self,
        store: IngestStore,
        sources: dict[str, BillingSource],
        *,
        cost_basis: str = "effective",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        after_publish: Callable[[IngestRunRecord], None] | None = None,
    ) -> None:
        if cost_basis not in COST_BASES:
            raise ValueError(f"cost_basis must be one of {', '.join(COST_BASES)}")
        self._store = store
        self._sources = sources
        self._basis = cost_basis
        self._clock = clock
        # Derived data made from what an ingest replaced (the shared-cost split), once the
        # ingest has committed: it reads the new facts.
        self._after_publish = after_publish

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        source: str = "focus",
        file_format: str = "focus",
        skip_bad_rows: bool = False,
    ) -> IngestSummary:
        """Ingest files named on the command line, in one of the registered file formats."""
        _check_source_name(source)
        reader = self._sources.get(file_format)
        if reader is None:
            raise IngestError(
                f"Unknown billing format {file_format!r}; use {', '.join(self._sources)}."
            )
        try:
            files = reader.open(paths)
        except ValueError as exc:
            raise IngestError(str(exc)) from exc
        return self.ingest_files(files, source=source, skip_bad_rows=skip_bad_rows)

    def ingest_files(
        self,
        files: Sequence[BillingFile],
        *,
        source: str,
        skip_bad_rows: bool = False,
        units: dict[str, str | None] | None = None,
    ) -> IngestSummary:
        """Ingest opened inputs as one unit; `units` (key -> fingerprint) commit with it."""
        started = time.perf_counter()
        _check_source_name(source)
        run = IngestRunRecord(source=source, cost_basis=self._basis, started_at=self._clock())
        run.units = dict(units or {})
        with self._store.open_ingest(run) as writer:
            tallies = []
            for billing_file in files:
                tally = _FileTally(billing_file)
                for batch in _read_batches(billing_file):
                    _count(tally, batch)
                    if tally.rows_rejected and not skip_bad_rows:
                        continue  # keep counting; nothing will be published
                    writer.stage(batch.aggregates)
                    tally.add_days(batch.covered)
                    tally.provisional |= batch.provisional_days
                tallies.append(tally)
            _refuse_bad_rows(tallies, skip_bad_rows)
            # The totals of what is stored (rounded as the store keeps money), not of the file.
            _fill_record(run, tallies, writer.stored_totals(COST_BASES[self._basis]))
            run.status = "succeeded"
            run.finished_at = self._clock()
            run.seconds = Decimal(f"{time.perf_counter() - started:.3f}")
            run_id = writer.publish(run)
        if self._after_publish is not None:
            self._after_publish(run)
        return IngestSummary(run_id=run_id, record=run)


def _check_source_name(source: str) -> None:
    if problem := source_name_problem(source):
        raise IngestError(f"--source {source[:80]!r}: {problem}. Nothing was ingested.")


def _read_batches(billing_file: BillingFile) -> Iterator[BatchResult]:
    """A file that turns out unreadable half-way (a broken row, a truncated gzip) is refused."""
    try:
        yield from billing_file.batches()
    except (ValueError, OSError, EOFError) as exc:
        raise IngestError(f"{exc}\nNothing was ingested.") from exc


def _count(tally: _FileTally, batch: BatchResult) -> None:
    tally.rows_read += batch.rows_read
    tally.rows_rejected += batch.rows_rejected
    tally.unreadable_tags += batch.unreadable_tags
    for column, count in batch.null_costs.items():
        tally.null_costs[column] = tally.null_costs.get(column, 0) + count
    room = REJECTIONS_REPORTED - len(tally.rejections)
    tally.rejections.extend(batch.rejections[:room])


def _refuse_bad_rows(tallies: list[_FileTally], skip_bad_rows: bool) -> None:
    if skip_bad_rows:
        return
    bad = [t for t in tallies if t.rows_rejected]
    if not bad:
        return
    lines = []
    for tally in bad:
        lines.append(f"{tally.file.path}: {tally.rows_rejected:,} row(s) cannot be read:")
        lines.extend(f"  line {r.line}: {r.reason}" for r in tally.rejections)
        if tally.rows_rejected > len(tally.rejections):
            lines.append(f"  ... and {tally.rows_rejected - len(tally.rejections):,} more")
    lines.append(
        "Nothing was ingested. Fix the rows, or rerun with --skip-bad-rows to ingest the rest "
        "and record the rejected rows in the ingest run."
    )
    raise IngestError("\n".join(lines))


def _fill_record(
    run: IngestRunRecord, tallies: list[_FileTally], totals: dict[str, Decimal]
) -> None:
    run.files = [
        {
            "name": str(t.file.path),
            "sha256": t.file.sha256(),
            "rows_read": t.rows_read,
            "rows_rejected": t.rows_rejected,
            "rows_with_unreadable_tags": t.unreadable_tags,
            "null_costs": dict(sorted(t.null_costs.items())),
            "first_day": t.first_day.isoformat() if t.first_day else None,
            "last_day": t.last_day.isoformat() if t.last_day else None,
        }
        for t in tallies
    ]
    run.rows_read = sum(t.rows_read for t in tallies)
    run.rows_rejected = sum(t.rows_rejected for t in tallies)
    run.rejections = [
        {"file": str(r.file), "line": r.line, "reason": r.reason}
        for t in tallies
        for r in t.rejections
    ]
    run.day_ranges = _merge_ranges([(t.first_day, t.last_day) for t in tallies if t.first_day])
    run.totals = {currency: f"{value:f}" for currency, value in sorted(totals.items())}
    run.null_costs = _sum_counts(t.null_costs for t in tallies)
    run.provisional_days = sorted(frozenset().union(*(t.provisional for t in tallies)))


def _sum_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    summed: dict[str, int] = {}
    for part in counts:
        for name, count in part.items():
            summed[name] = summed.get(name, 0) + count
    return dict(sorted(summed.items()))


def _merge_ranges(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Union of inclusive day ranges, touching ranges joined."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
