"""Split shared cost by the configured rules and store the split with its origin.

The split is derived data: it is made again from the stored cost whenever the rules change
(`costbot reallocate`, or at start when the stored fingerprint differs) and for the days an
ingest replaced. Answers then read cost with the split applied (see SharedCostStore).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from bot.domain.shared.rules import SharedRule
from bot.domain.shared.split import (
    DayWeights,
    Role,
    SharedEntry,
    SharedPiece,
    day_weights,
    split_piece,
)
from bot.services.job_ports import NamedLocks
from bot.services.shared_ports import SharedCostStore, UsageDay, UsageFileReader

_DayCurrency = tuple[date, str]
REALLOCATION_LOCK = "shared-cost-reallocation"


@dataclass(frozen=True)
class ReallocationReport:
    """What one re-split did: per rule, the cost it moved and the cost it had to keep."""

    start: date | None
    end: date | None
    rules: int
    entries: int
    moved: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # rule -> currency -> cost
    kept: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    fallback_days: dict[str, int] = field(default_factory=dict)  # rule -> days without usage
    seconds: float = 0.0
    version: int = 0


class SharedCostService:
    def __init__(
        self,
        store: SharedCostStore,
        rules: Sequence[SharedRule],
        *,
        basis: str = "effective",
        usage_files: UsageFileReader | None = None,
        locks: NamedLocks | None = None,
    ) -> None:
        self._store = store
        self._rules = tuple(rules)
        self._basis = basis
        self._usage_files = usage_files
        self._locks = locks

    @property
    def rules(self) -> tuple[SharedRule, ...]:
        return self._rules

    def fingerprint(self) -> str:
        """A digest of the rules and of the usage files' content: what the split depends on
        besides the stored cost."""
        described = []
        for rule in self._rules:
            entry = asdict(rule)
            if rule.usage is not None and rule.usage.file is not None:
                entry["usage_file_sha256"] = _file_digest(rule.usage.file)
            described.append(entry)
        text = json.dumps({"basis": self._basis, "rules": described}, default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def needs_reallocation(self) -> bool:
        """True when the stored split was made with other rules (or none was made)."""
        state = self._store.allocation_state()
        if not self._rules and state.fingerprint is None:
            return False
        return state.fingerprint != self.fingerprint()

    def reallocate(self, start: date | None = None, end: date | None = None) -> ReallocationReport:
        """Split the stored cost of days start..end (default: every stored day) again."""
        if self._locks is None:
            report = self._reallocate(start, end)
        else:
            # One re-split at a time, reads included: one that read the cost before an ingest
            # published must not store its split after the re-split that ingest asked for.
            with self._locks.hold(REALLOCATION_LOCK):
                report = self._reallocate(start, end)
        # Outside the lock, whose transaction stays open while the lock is held: VACUUM marks
        # rows visible to all only when no transaction that may still not see them is open.
        self._store.refresh_statistics()
        return report

    def _reallocate(self, start: date | None, end: date | None) -> ReallocationReport:
        began = time.perf_counter()
        stored = self._store.stored_days()
        if stored is None:
            state = self._store.replace_allocations(
                start or date.min, end or date.max, [], self.fingerprint()
            )
            return ReallocationReport(start, end, len(self._rules), 0, version=state.version)
        # The stored split is dropped over every day asked (all of it when none are), not only
        # the days still stored: an ingest that removed the store's first or last days takes
        # their split with them.
        drop = (start or date.min, end or date.max)
        first, last = max(drop[0], stored[0]), min(drop[1], stored[1])
        entries: list[SharedEntry] = []
        stored_asked = first <= last
        if not stored_asked:  # nothing stored in the days asked: nothing to split
            first, last = start or stored[0], end or stored[1]
        report = ReallocationReport(first, last, len(self._rules), 0)
        for dimension, rules in _by_dimension(self._rules).items():
            if stored_asked:
                entries += self._split_dimension(dimension, rules, first, last, report)
        state = self._store.replace_allocations(*drop, entries, self.fingerprint())
        return ReallocationReport(
            first,
            last,
            len(self._rules),
            len(entries),
            report.moved,
            report.kept,
            report.fallback_days,
            round(time.perf_counter() - began, 3),
            state.version,
        )

    def _split_dimension(
        self,
        dimension: str,
        rules: Sequence[SharedRule],
        start: date,
        end: date,
        report: ReallocationReport,
    ) -> list[SharedEntry]:
        # A cost two rules match is shared by the first: later rules exclude earlier matches.
        pieces: list[tuple[SharedRule, list[SharedPiece]]] = []
        for index, rule in enumerate(rules):
            earlier = [r.match for r in rules[:index]]
            matched = self._store.matched_cost(rule.match, dimension, start, end, exclude=earlier)
            pieces.append((rule, [p for p in matched if p.billed or p.effective]))
        direct = self._direct_cost(dimension, start, end, pieces)
        entries: list[SharedEntry] = []
        for rule, rule_pieces in pieces:
            usage = self._usage(rule, dimension, start, end)
            weights: dict[_DayCurrency, DayWeights] = {}
            fallback: set[date] = set()  # days, whatever their currencies
            for piece in rule_pieces:
                slot = (piece.day, piece.currency)
                if slot not in weights:
                    weights[slot] = day_weights(
                        rule, direct.get(slot, {}), usage.get(piece.day) if usage else None
                    )
                    if weights[slot].method != rule.describe_method():
                        fallback.add(piece.day)
                split = split_piece(rule, piece, weights[slot])
                entries += split
                _count(report, rule.name, split, self._basis)
            if fallback:
                report.fallback_days[rule.name] = len(fallback)
        return entries

    def _direct_cost(
        self,
        dimension: str,
        start: date,
        end: date,
        pieces: Sequence[tuple[SharedRule, list[SharedPiece]]],
    ) -> dict[_DayCurrency, dict[str | None, Decimal]]:
        """Each value's own cost per day and currency: its cost less what any rule shares."""
        direct: dict[_DayCurrency, dict[str | None, Decimal]] = defaultdict(
            lambda: defaultdict(Decimal)
        )
        for row in self._store.dimension_cost(dimension, start, end):
            direct[(row.day, row.currency)][row.value] += _amount(row, self._basis)
        for _rule, rule_pieces in pieces:
            for piece in rule_pieces:
                direct[(piece.day, piece.currency)][piece.origin] -= _amount(piece, self._basis)
        return direct

    def _usage(
        self, rule: SharedRule, dimension: str, start: date, end: date
    ) -> dict[date, dict[str, Decimal]] | None:
        if rule.usage is None:
            return None
        if rule.usage.unit is not None:
            rows = self._store.usage(dimension, rule.usage.unit, start, end)
        else:
            if self._usage_files is None:
                raise RuntimeError("usage files cannot be read here")
            assert rule.usage.file is not None
            rows = self._usage_files.read(
                rule.usage.file,
                rule.usage.day_column,
                rule.usage.receiver_column,
                rule.usage.quantity_column,
            )
        return _per_day(rows, start, end)


def _by_dimension(rules: Sequence[SharedRule]) -> dict[str, list[SharedRule]]:
    grouped: dict[str, list[SharedRule]] = {}
    for rule in rules:
        grouped.setdefault(rule.among, []).append(rule)
    return grouped


def _per_day(rows: Sequence[UsageDay], start: date, end: date) -> dict[date, dict[str, Decimal]]:
    days: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        if start <= row.day <= end:
            days[row.day][row.receiver.strip().lower()] += row.quantity
    return days


def _amount(row: object, basis: str) -> Decimal:
    return getattr(row, "billed" if basis == "billed" else "effective")


def _count(
    report: ReallocationReport, rule: str, entries: Sequence[SharedEntry], basis: str
) -> None:
    for entry in entries:
        if entry.role is Role.OUT:
            totals = report.moved.setdefault(rule, {})
            totals[entry.currency] = totals.get(entry.currency, Decimal(0)) - _amount(entry, basis)
        elif entry.role is Role.KEPT:
            totals = report.kept.setdefault(rule, {})
            totals[entry.currency] = totals.get(entry.currency, Decimal(0)) + _amount(entry, basis)


def _file_digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
