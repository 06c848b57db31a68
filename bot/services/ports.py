"""The small interfaces services need; storage and sources implement them."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from bot.domain.reports import SourceFreshness
from bot.services.shared_ports import SharedPart


@dataclass(frozen=True)
class Rejection:
    """A billing row that could not be read, and why."""

    file: str
    line: int
    reason: str


@dataclass
class BatchResult:
    """Daily aggregates from one batch of billing rows."""

    aggregates: pa.Table  # columns: day, COST_KEY_FIELDS, COST_AMOUNT_FIELDS, and `partition`
    rows_read: int
    rows_rejected: int
    rejections: list[Rejection] = field(default_factory=list)
    unreadable_tags: int = 0
    # The first and last day the batch's charges touch: an ingest replaces each file's range.
    # (Not its billing periods: a late charge billed next month must not wipe next month.)
    covered: tuple[date, date] | None = None
    # Rows kept whose BilledCost or EffectiveCost was empty (stored as 0), per column.
    null_costs: dict[str, int] = field(default_factory=dict)
    # Days the source itself calls estimated (Cost Explorer's `Estimated`): stored, and shown
    # as provisional until a later run restates them.
    provisional_days: frozenset[date] = frozenset()


class BillingFile(Protocol):
    """One billing file, checked and ready to stream."""

    path: Path

    def sha256(self) -> str: ...

    def batches(self) -> Iterator[BatchResult]: ...


class BillingSource(Protocol):
    """Reads billing files of one format (FOCUS, ...) into daily aggregates."""

    def open(self, paths: Sequence[Path]) -> list[BillingFile]:
        """Check every path before anything is read; raise ValueError saying what is wrong."""
        ...


@dataclass
class IngestRunRecord:
    """What one ingest did; stored as an `ingest_runs` row."""

    source: str
    cost_basis: str
    started_at: datetime
    status: str = "running"
    finished_at: datetime | None = None
    seconds: Decimal | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    day_ranges: list[tuple[date, date]] = field(default_factory=list)
    totals: dict[str, str] = field(default_factory=dict)
    # What the ingest replaced: per partition (billing period and account, or days), the days
    # and the amounts removed and added per currency, on the run's cost basis; and the totals.
    replaced: dict[str, Any] = field(default_factory=dict)
    # Rows stored with an empty BilledCost or EffectiveCost (read as 0), per column.
    null_costs: dict[str, int] = field(default_factory=dict)
    provisional_days: list[date] = field(default_factory=list)
    # The snapshot units this ingest takes (unit key -> fingerprint): stored with the publish,
    # so a unit is marked read exactly when its data is.
    units: dict[str, str | None] = field(default_factory=dict)
    error: str | None = None

    @property
    def days_covered(self) -> int:
        return sum((end - start).days + 1 for start, end in self.day_ranges)

    @property
    def first_day(self) -> date | None:
        return min((s for s, _ in self.day_ranges), default=None)

    @property
    def last_day(self) -> date | None:
        return max((e for _, e in self.day_ranges), default=None)


class IngestWriter(Protocol):
    def stage(self, aggregates: pa.Table) -> None:
        """Hold a batch of daily aggregates until publish; invisible to readers."""
        ...

    def stored_totals(self, amount: str) -> dict[str, Decimal]:
        """Per currency, the sum of `amount` over everything staged, as the store keeps it."""
        ...

    def publish(self, run: IngestRunRecord) -> int:
        """Replace the run's partitions for its source with what was staged, record in
        `run.replaced` what was replaced, save the run; return the run id."""
        ...


class IngestStore(Protocol):
    def open_ingest(self, run: IngestRunRecord) -> AbstractContextManager[IngestWriter]:
        """One atomic ingest: everything staged is published at publish(), or nothing is."""
        ...


@dataclass(frozen=True)
class CostFilter:
    """Rows whose `dimension` has `value`; value None selects the unallocated cost."""

    dimension: str
    value: str | None


class CostStore(Protocol):
    def sum_cost(
        self,
        start: date,
        end: date,
        basis: str,
        *,
        where: CostFilter | Sequence[CostFilter] | None = None,
        group_by: Sequence[str] = (),
        limit: int | None = None,
        shared: bool = True,
    ) -> list[tuple[Any, ...]]:
        """Cost per (group_by values..., currency) for days start..end inclusive.

        Several filters must all hold. Rows come largest cost first; with `limit`, only that
        many of each currency.

        `shared` (default): a question about the values of one dimension (one filter, or
        grouped by it, by day and service at most) reads their allocated cost: what a rule
        shared away is taken off where it was billed and added to its receivers, so the
        dimension's total is unchanged. Finer questions (resources, several filters, by
        source) are direct. `shared=False`: direct cost, as billed, always.
        """
        ...

    def shared_parts(
        self,
        start: date,
        end: date,
        basis: str,
        dimension: str,
        value: str | None = ...,
    ) -> list[SharedPart]:
        """As SharedCostStore.shared_parts; OUT parts are negative (cost given away)."""
        ...

    def shared_receivers(
        self,
        start: date,
        end: date,
        dimension: str,
        origin: str | None,
        rules: Sequence[tuple[str, str]] | None = None,
    ) -> dict[tuple[str, str], int]:
        """How many values received cost shared from `origin`, per (rule, currency) of
        `rules` (default: every one it gave under), on the last day it gave."""
        ...

    def shared_received_daily(
        self,
        start: date,
        end: date,
        basis: str,
        dimension: str,
        value: str | None = ...,
    ) -> list[tuple[date, str | None, str, Decimal]]:
        """(day, value, currency, cost) of cost each value of `dimension` (or only `value`,
        when given) received per day."""
        ...

    def data_through(self) -> date | None:
        """The last day with usage charges (FOCUS ChargeCategory `Usage`, or none stated).

        Not the last day of any charge: a monthly fee spread to the 31st must not make the
        data look current. A store with no usage charges at all gives its last day of any
        charge; an empty store gives None.
        """
        ...

    def data_through_by_source(self) -> dict[str, date | None]:
        """`data_through` of each source that has ingested, by source name."""
        ...

    def provisional_days(self) -> dict[str, list[date]]:
        """Per source, the days its latest successful run called estimated."""
        ...

    def data_version(self) -> Hashable:
        """Changes whenever an ingest changes the stored cost, and with every re-split."""
        ...

    def resolve_name(self, dimension: str, name: str) -> str | None:
        """The stored spelling of `name` for `dimension`, matched case-insensitively."""
        ...

    def known_names(self, dimension: str) -> list[str]: ...

    def source_status(self) -> list[SourceFreshness]:
        """Per source: the latest successful ingest and the days stored."""
        ...


class DeliveryLedger(Protocol):
    """Which Slack deliveries were already taken, shared by every replica on the store."""

    def claim(self, key: str, at: datetime) -> bool:
        """Record `key` as taken; True for the first claim of it only, in any process."""
        ...

    def forget_before(self, cutoff: datetime) -> int:
        """Drop claims older than `cutoff` (Slack retries for minutes, not days)."""
        ...
