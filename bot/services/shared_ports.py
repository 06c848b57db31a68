"""What the shared-cost service needs from the store, and what answers read back from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from bot.domain.shared.rules import SharedMatch
from bot.domain.shared.savings import ReceivedCost
from bot.domain.shared.split import Role, SharedEntry, SharedPiece


@dataclass(frozen=True)
class DimensionDayCost:
    """All cost of one value of a dimension on one day, in one currency, before sharing."""

    day: date
    currency: str
    value: str | None
    billed: Decimal
    effective: Decimal


@dataclass(frozen=True)
class UsageDay:
    """A receiver's measured quantity on one day (GPU hours of a namespace, say)."""

    day: date
    receiver: str
    quantity: Decimal


@dataclass(frozen=True)
class SharedPart:
    """Shared cost in an answer: what `value` received from (IN) or gave to others (OUT)
    under one rule, origin and method, over the days asked; `cost` on the basis asked."""

    value: str | None
    rule: str
    origin: str | None
    method: str
    role: Role
    currency: str
    cost: Decimal


@dataclass(frozen=True)
class AllocationState:
    """Which rules the stored split was made with, and a counter moved by every re-split."""

    fingerprint: str | None
    version: int


class SharedCostStore(Protocol):
    def stored_days(self) -> tuple[date, date] | None:
        """The first and last day of stored cost; None for an empty store."""
        ...

    def dimension_cost(self, dimension: str, start: date, end: date) -> list[DimensionDayCost]:
        """Per day, currency and value of `dimension`: all its cost, before sharing."""
        ...

    def matched_cost(
        self,
        match: SharedMatch,
        dimension: str,
        start: date,
        end: date,
        *,
        exclude: Sequence[SharedMatch] = (),
    ) -> list[SharedPiece]:
        """Cost `match` selects and none of `exclude` does (earlier rules of the same
        dimension), per day, currency, value of `dimension` (the origin) and service."""
        ...

    def usage(self, dimension: str, unit: str, start: date, end: date) -> list[UsageDay]:
        """Usage quantities stored with `unit` (OpenCost's `GPU-Hours`), per day and value."""
        ...

    def replace_allocations(
        self, start: date, end: date, entries: Sequence[SharedEntry], fingerprint: str
    ) -> AllocationState:
        """Atomically: drop the stored split of days start..end, store `entries`, record the
        fingerprint and move the version (answers cached before it are no longer used)."""
        ...

    def refresh_statistics(self) -> None:
        """Let the database plan and read the new split well at once (best effort)."""
        ...

    def allocation_state(self) -> AllocationState: ...

    def shared_parts(
        self,
        start: date,
        end: date,
        basis: str,
        dimension: str,
        value: str | None = ...,
    ) -> list[SharedPart]:
        """Shared cost received (IN) and given away (OUT) by every value of `dimension` (or
        only by `value`, when given: None is the unallocated value), summed over the days,
        per rule, origin, method and currency. Kept cost (KEPT) is listed too."""
        ...


@dataclass(frozen=True)
class ValueSplit:
    """How one value's own cost in one currency was split over some days: what each value
    received of it, per rule (its IN rows with this origin), beside the value's own direct
    cost before sharing, on the same cost basis. No direct cost: no billing data yet."""

    direct: Decimal
    received: tuple[ReceivedCost, ...]


class SharedSplitReader(Protocol):
    def value_split(
        self, dimension: str, value: str, currency: str, start: date, end: date, basis: str
    ) -> ValueSplit:
        """How `value` of `dimension` gave its cost in `currency` over days start..end."""
        ...


class UsageFileReader(Protocol):
    def read(
        self, path: str, day_column: str, receiver_column: str, quantity_column: str
    ) -> list[UsageDay]:
        """The rows of a CSV or Parquet usage file. Raises UsageFileError with what to fix."""
        ...


class UsageFileError(ValueError):
    """A usage file that cannot be read as day, receiver and quantity: says which and why."""
