"""What a cost question answers: frozen data, rendered by the CLI as JSON and by Slack as blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.domain.periods import Period


@dataclass(frozen=True)
class NamedCost:
    name: str
    cost: Decimal


@dataclass(frozen=True)
class ResourceCost:
    id: str | None
    name: str | None
    cost: Decimal


@dataclass(frozen=True)
class DailyCost:
    date: date
    cost: Decimal


@dataclass(frozen=True)
class SharedShare:
    """Shared cost in an answer: what one rule moved from one origin (where it was billed,
    None: unallocated) by one method ("proportional", "usage: GPU hours"); cost positive."""

    rule: str
    origin: str | None
    method: str
    cost: Decimal


@dataclass(frozen=True)
class SharedGiven:
    """Cost of the value asked about that one rule shared among `receivers` others."""

    rule: str
    method: str
    cost: Decimal  # positive: what left this value
    receivers: int


@dataclass(frozen=True)
class CurrencyCost:
    """The answer for one currency: currencies are never added together.

    `shared_in`: shared cost the total includes (received); `shared_out`: cost billed here
    that rules shared among others (not in the total); `kept`: cost a rule matched that stayed
    here because nobody could receive it that day (in the total). All empty for direct cost.
    """

    currency: str
    total: Decimal
    previous_total: Decimal
    by_service: tuple[NamedCost, ...]
    top_resources: tuple[ResourceCost, ...]
    daily: tuple[DailyCost, ...]
    shared_in: tuple[SharedShare, ...] = ()
    shared_out: tuple[SharedGiven, ...] = ()
    kept: tuple[SharedShare, ...] = ()

    @property
    def shared_total(self) -> Decimal:
        return sum((part.cost for part in self.shared_in), Decimal(0))


@dataclass(frozen=True)
class CostReport:
    dimension: str
    name: str  # the stored spelling, or "(unallocated)"
    period: Period
    previous_period: Period
    cost_basis: str
    tag_keys: tuple[str, ...]  # the tag keys that feed the dimension, empty for billing fields
    currencies: tuple[CurrencyCost, ...]  # largest total first; never empty
    data_through: date | None
    # The UTC day the question was answered on (today is never complete), and the days the
    # source calls estimated; see `bot.domain.completeness`.
    asked_on: date | None = None
    provisional_days: tuple[date, ...] = ()
    # False: direct cost, as billed, with no shared cost split in or out (`direct`).
    shared: bool = True

    @property
    def primary(self) -> CurrencyCost:
        return self.currencies[0]


@dataclass(frozen=True)
class OtherCost:
    """The values beyond a top-N list, folded into one line."""

    count: int
    cost: Decimal


@dataclass(frozen=True)
class CurrencyRanking:
    currency: str
    rows: tuple[NamedCost, ...]  # largest first, "(unallocated)" always among them
    other: OtherCost
    total: Decimal
    # Shared cost the rows include under their receivers, per rule, origin and method.
    shared: tuple[SharedShare, ...] = ()

    @property
    def shared_total(self) -> Decimal:
        return sum((part.cost for part in self.shared), Decimal(0))


@dataclass(frozen=True)
class TopReport:
    dimension: str
    period: Period
    cost_basis: str
    tag_keys: tuple[str, ...]
    currencies: tuple[CurrencyRanking, ...]  # largest total first; never empty
    data_through: date | None
    # The UTC day the question was answered on (today is never complete), and the days the
    # source calls estimated; see `bot.domain.completeness`.
    asked_on: date | None = None
    provisional_days: tuple[date, ...] = ()
    shared: bool = True  # False: direct cost (`direct`, `--no-shared`)

    @property
    def primary(self) -> CurrencyRanking:
        return self.currencies[0]


@dataclass(frozen=True)
class CurrencyCoverage:
    """How much of one currency's cost carries a project or team tag."""

    currency: str
    total: Decimal
    untagged: Decimal
    by_service: tuple[NamedCost, ...]
    top_resources: tuple[ResourceCost, ...]

    @property
    def coverage_percent(self) -> Decimal | None:
        """Share of the cost that is allocated, in percent; None when there is no cost."""
        if self.total == 0:
            return None
        return (self.total - self.untagged) / self.total * 100


@dataclass(frozen=True)
class UntaggedReport:
    """Cost with neither a project nor a team: what to tag first."""

    period: Period
    cost_basis: str
    currencies: tuple[CurrencyCoverage, ...]  # largest untagged first; never empty
    data_through: date | None
    # The UTC day the question was answered on (today is never complete), and the days the
    # source calls estimated; see `bot.domain.completeness`.
    asked_on: date | None = None
    provisional_days: tuple[date, ...] = ()

    @property
    def primary(self) -> CurrencyCoverage:
        return self.currencies[0]


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    last_ingest_at: datetime | None
    first_day: date | None
    last_day: date | None
    rows_rejected: int


@dataclass(frozen=True)
class StatusReport:
    sources: tuple[SourceFreshness, ...]
    data_through: date | None
    checked_at: datetime
