"""The monthly chargeback report: read one month's cost and its split, build the report, and
post it to a channel through the outbox (once per channel, month, dimension and content)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from bot.domain.chargeback import (
    ChargebackReport,
    Month,
    MonthCosts,
    SharedAmount,
    ValueKey,
    build_report,
    check_dimension,
)
from bot.domain.cost_rows import dimension_field
from bot.domain.shared.split import Role
from bot.services.alert_routing import Route
from bot.services.ports import CostFilter
from bot.services.shared_ports import SharedPart
from bot.services.snapshot_state import OutboxFile, OutboxItem

STALE_SPLIT = (
    "Shared cost is split by other rules than the configured ones: run `costbot reallocate`."
)
PostStatus = Literal["posted", "pending", "already_posted"]
# (report, the channel it could not go to) -> fallback text, blocks, the CSV file
DescribeReport = Callable[
    [ChargebackReport, str | None], tuple[str, list[dict[str, Any]], OutboxFile]
]


class ChargebackStore(Protocol):
    """The cost store as the report reads it (storage's SqlCostStore fits)."""

    def sum_cost(
        self,
        start: date,
        end: date,
        basis: str,
        *,
        where: CostFilter | Sequence[CostFilter] | None = None,
        group_by: Sequence[str] = (),
        limit: int | None = None,
        shared: bool = ...,
    ) -> list[tuple[Any, ...]]: ...

    def shared_parts(
        self, start: date, end: date, basis: str, dimension: str, value: str | None = ...
    ) -> list[SharedPart]: ...

    def data_through(self) -> date | None: ...


class ReportOutbox(Protocol):
    def enqueue(self, item: OutboxItem) -> bool:
        """Write the message to post; False when one with its key is already there."""
        ...

    def status(self, key: str) -> str | None:
        """`pending`, `sending`, `sent` or `failed` of the message with `key`; None if none."""
        ...


class Router(Protocol):
    def route_channel(self, channel: str) -> Route | None: ...


@dataclass(frozen=True)
class PostResult:
    channel: str  # the channel the message went to (an id once resolved)
    key: str
    status: PostStatus
    rerouted_from: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "key": self.key,
            "status": self.status,
            "rerouted_from": self.rerouted_from,
        }


class ChargebackService:
    def __init__(
        self,
        store: ChargebackStore,
        *,
        cost_basis: str = "effective",
        rule_order: Sequence[str] = (),
    ) -> None:
        self._store = store
        self._basis = cost_basis
        self._rule_order = tuple(rule_order)

    def report(
        self, month: Month, dimension: str, *, stale_split: bool = False
    ) -> ChargebackReport:
        """The chargeback of `month` by `dimension`: rows, shares, change and check lines.

        `stale_split`: the stored split was made with other rules than the configured ones
        (a usage file could not be read): the report says so rather than hide it."""
        dimension = check_dimension(dimension)
        current = self._totals(month, dimension)
        previous = self._totals(month.previous(), dimension)
        costs = MonthCosts(
            direct=current.direct,
            shared=current.shared,
            bill=self._bill(month),
            previous_totals=previous.totals(),
            previous_bill=self._bill(month.previous()),
        )
        return build_report(
            month,
            dimension,
            costs,
            cost_basis=self._basis,
            rule_order=self._rule_order,
            data_through=self._store.data_through(),
            notes=[STALE_SPLIT] if stale_split else [],
        )

    def post(
        self,
        report: ChargebackReport,
        channel: str,
        describe: DescribeReport,
        outbox: ReportOutbox,
        router: Router | None = None,
    ) -> PostResult:
        """Put the report's message, with its CSV, in the outbox for `channel`.

        Routed like alerts: when costbot is not in `channel`, the message goes to the default
        channel and says so. The key holds the content's digest: the same report posted twice
        to a channel is one message, while a month restated since (a re-ingest, new rules)
        posts again.
        """
        route = router.route_channel(channel) if router is not None else None
        target = route.channel if route else channel
        text, blocks, csv_file = describe(report, route.rerouted_from if route else None)
        digest = hashlib.sha256(csv_file.content).hexdigest()[:16]
        asked = channel.strip().removeprefix("#").lower()  # `#Finance` and `finance` are one
        key = f"chargeback:{asked}:{report.dimension}:{report.month.label}:{digest}"
        item = OutboxItem(
            key=key,
            channel=target,
            text=text,
            blocks=blocks,
            fallback_channel=route.fallback_channel if route else None,
            file=csv_file,
        )
        written = outbox.enqueue(item)
        status: PostStatus = "pending" if written else "already_posted"
        return PostResult(target, key, status, route.rerouted_from if route else None)

    def refresh(self, result: PostResult, outbox: ReportOutbox) -> PostResult:
        """The result after delivery: `posted` once the outbox says the message went out."""
        if result.status == "pending" and outbox.status(result.key) == "sent":
            return PostResult(result.channel, result.key, "posted", result.rerouted_from)
        return result

    # -- reading ----------------------------------------------------------------------------

    def _totals(self, month: Month, dimension: str) -> _MonthSplit:
        field = dimension_field(dimension)
        rows = self._store.sum_cost(
            month.start, month.end, self._basis, group_by=(field,), shared=False
        )
        direct: dict[ValueKey, Decimal] = {}
        for value, currency, cost in rows:
            key = (value, currency)
            direct[key] = direct.get(key, Decimal(0)) + cost
        parts = self._store.shared_parts(month.start, month.end, self._basis, dimension)
        shared = [
            SharedAmount(p.value, p.currency, p.rule, p.role, p.cost) for p in parts if p.cost
        ]
        return _MonthSplit(direct, shared)

    def _bill(self, month: Month) -> dict[str, Decimal]:
        """The month's total per currency, read on its own: what the rows must add up to."""
        return {
            currency: cost
            for currency, cost in self._store.sum_cost(
                month.start, month.end, self._basis, shared=False
            )
        }


@dataclass(frozen=True)
class _MonthSplit:
    direct: dict[ValueKey, Decimal]
    shared: list[SharedAmount]

    def totals(self) -> dict[ValueKey, Decimal]:
        """Each value's total: direct, plus received (IN), less given away (OUT)."""
        totals = dict(self.direct)
        for part in self.shared:
            if part.role in (Role.IN, Role.OUT):  # KEPT cost stayed: it is in `direct`
                key = (part.value, part.currency)
                totals[key] = totals.get(key, Decimal(0)) + part.cost
        return totals
