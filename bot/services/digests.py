"""Digests: one message per channel and period with spend, budgets, movers, anomalies, coverage.

A digest is claimed like an alert, `digest:<channel>:<every>:<period start>` in the alert
ledger, with its message in the outbox in the same transaction: a restart, a second replica or
a second `costbot digest send` finds the key claimed and sends nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from bot.domain.budgets import BudgetScope
from bot.domain.cost_rows import dimension_field
from bot.domain.digests import (
    CHILD_DIMENSION,
    DigestEvery,
    DigestSection,
    DigestShared,
    DigestWindow,
    digest_sections,
    digest_window,
)
from bot.domain.periods import Period
from bot.domain.reports import UntaggedReport
from bot.domain.shared.rules import RECEIVING_DIMENSIONS
from bot.domain.shared.split import Role
from bot.services.alert_ports import AlertClaim, AlertKind, AlertLedger, AlertRecord, AlertState
from bot.services.budgets import BudgetLine, BudgetService
from bot.services.idle_views import IdleDigest
from bot.services.ports import CostFilter, CostStore
from bot.services.shared_views import shares_of
from bot.services.snapshot_state import OutboxFile, OutboxItem
from bot.settings_alerts import DigestConfig

ANOMALY_DAYS = 7  # anomalies of the last week are "open" unless acknowledged
_OPEN = (AlertState.PENDING, AlertState.POSTED, AlertState.SUMMARISED)

DigestStatus = Literal["sent", "already_sent", "no_data", "dry_run"]


@dataclass(frozen=True)
class OpenAnomaly:
    """An anomaly alert of the last week, as the ledger recorded it."""

    key: str
    scope: str
    day: date
    currency: str | None
    cost: Decimal | None
    expected: Decimal | None
    shared: Decimal | None = None  # shared cost received that `cost` includes


@dataclass(frozen=True)
class Digest:
    """Everything one digest message says; built from the store, described by the Slack edge."""

    key: str
    channel: str
    every: DigestEvery
    scope: BudgetScope
    child_dimension: str
    window: DigestWindow
    sections: tuple[DigestSection, ...]  # one per currency
    budgets: tuple[BudgetLine, ...]
    anomalies: tuple[OpenAnomaly, ...]
    cost_basis: str
    # Untagged means no project and no team (all cost), or no child value (a scoped digest).
    untagged_meaning: str
    # Idle machines: savings of the window, leases, proposals waiting (None: nothing to say).
    idle: IdleDigest | None = None


@dataclass(frozen=True)
class DigestResult:
    channel: str
    every: str
    scope: str
    status: DigestStatus
    key: str | None = None
    start: date | None = None
    end: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "every": self.every,
            "scope": self.scope,
            "status": self.status,
            "key": self.key,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


# (window start, end exclusive, scope dimension, value) -> what idle machines add to a digest.
IdlePart = Callable[[date, date, str | None, str | None], IdleDigest | None]
# (fallback text, Block Kit JSON, chart image): the Slack edge's rendering of a digest.
DescribeDigest = Callable[[Digest], tuple[str, list[dict], OutboxFile | None]]


def digest_key(channel: str, every: str, start: date) -> str:
    return f"digest:{channel}:{every}:{start.isoformat()}"


class DigestService:
    def __init__(
        self,
        digests: Sequence[DigestConfig],
        store: CostStore,
        budgets: BudgetService,
        ledger: AlertLedger,
        *,
        describe: DescribeDigest,
        complete_through: Callable[[date], date | None],
        untagged: Callable[[Period], UntaggedReport],
        cost_basis: str = "effective",
        fallback_channel: str | None = None,
        idle: IdlePart | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.digests = tuple(digests)
        self._idle = idle
        self._store = store
        self._budgets = budgets
        self._ledger = ledger
        self._describe = describe
        self._complete_through = complete_through
        self._untagged = untagged
        self._basis = cost_basis
        self._fallback = fallback_channel
        self._clock = clock

    def due(self, now: datetime) -> list[DigestConfig]:
        """The configured digests whose latest complete period has not been claimed yet."""
        found = []
        for config in self.digests:
            window = digest_window(DigestEvery(config.every), self._complete_through(now.date()))
            key = window and digest_key(config.channel, config.every, window.start)
            if key and self._ledger.record(key) is None:
                found.append(config)
        return found

    def build(self, config: DigestConfig, today: date) -> Digest | None:
        """The digest of the latest complete period as of `today`; None without complete days."""
        every = DigestEvery(config.every)
        window = digest_window(every, self._complete_through(today))
        if window is None:
            return None
        scope = self._resolved(config.budget_scope())
        child = CHILD_DIMENSION[scope.dimension]
        scope_series, children = self._read(scope, child, window)
        untagged, meaning = self._untagged_cost(scope, child, window, children)
        return Digest(
            key=digest_key(config.channel, config.every, window.start),
            channel=config.channel,
            every=every,
            scope=scope,
            child_dimension=child,
            window=window,
            sections=digest_sections(
                window, scope_series, children, untagged, self._shared(scope, child, window)
            ),
            budgets=tuple(self._budget_lines(scope, window.end)),
            anomalies=tuple(self._anomalies(scope, child, set(children), window.end)),
            cost_basis=self._basis,
            untagged_meaning=meaning,
            idle=self._idle_part(scope, window),
        )

    def _idle_part(self, scope: BudgetScope, window: DigestWindow) -> IdleDigest | None:
        if self._idle is None:
            return None
        return self._idle(
            window.start, window.end + timedelta(days=1), scope.dimension, scope.value
        )

    def send(self, config: DigestConfig, today: date, dry_run: bool = False) -> DigestResult:
        """Claim the digest of the latest complete period and put it in the outbox, once."""
        scope_key = config.budget_scope().key()
        digest = self.build(config, today)
        if digest is None:
            return DigestResult(config.channel, config.every, scope_key, "no_data")
        result = DigestResult(
            config.channel,
            config.every,
            scope_key,
            "dry_run",
            digest.key,
            digest.window.start,
            digest.window.end,
        )
        if self._ledger.record(digest.key) is not None:
            return _with(result, "already_sent")
        if dry_run:
            return result
        text, blocks, image = self._describe(digest)
        message = OutboxItem(
            key=digest.key,
            channel=config.channel,
            text=text,
            blocks=blocks,
            fallback_channel=self._fallback if self._fallback != config.channel else None,
            file=image,
        )
        claim = AlertClaim(
            key=digest.key,
            kind=AlertKind.DIGEST,
            scope=scope_key,
            state=AlertState.PENDING,
            channel=config.channel,
            day=digest.window.start,
            detail={"every": config.every, "end": digest.window.end.isoformat()},
            message=message,
        )
        claimed = self._ledger.commit_evaluation([claim], {}, self._clock())
        return _with(result, "sent" if digest.key in claimed else "already_sent")

    # -- reading ----------------------------------------------------------------------------

    def _resolved(self, scope: BudgetScope) -> BudgetScope:
        """The scope's value as the store spells it (tag values are stored lower-cased)."""
        if scope.is_all or scope.dimension is None or scope.value is None:
            return scope
        stored = self._store.resolve_name(scope.dimension, scope.value)
        return BudgetScope(scope.dimension, stored) if stored else scope

    def _read(self, scope: BudgetScope, child: str, window: DigestWindow):
        """The scope's daily cost per currency, and each child value's, in one query."""
        where = None if scope.is_all else CostFilter(str(scope.dimension), scope.value)
        rows = self._store.sum_cost(
            window.first_day_read,
            window.end,
            self._basis,
            where=where,
            group_by=("day", dimension_field(child)),
        )
        scope_series: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        children: dict[str | None, dict[str, dict[date, Decimal]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(Decimal))
        )
        for day, value, currency, cost in rows:
            scope_series[currency][day] += cost
            children[value if isinstance(value, str) else None][currency][day] += cost
        return scope_series, children

    def _shared(
        self, scope: BudgetScope, child: str, window: DigestWindow
    ) -> dict[str, DigestShared]:
        """Per currency, the shared cost the digest's numbers include over its covered days,
        in one read of the split (not one per mover).

        The numbers are allocated where `sum_cost` answers them so (see `_read`): the child
        values of all cost, and a value's own services. A team's projects are read with two
        filters, as billed: they include no shared cost, and nothing is said.
        """
        start, end = window.start, window.end
        if scope.is_all:
            parts = self._store.shared_parts(start, end, self._basis, child)
        elif scope.dimension in RECEIVING_DIMENSIONS and child == "service":
            parts = self._store.shared_parts(start, end, self._basis, scope.dimension, scope.value)
        else:
            return {}
        found = {}
        for currency in sorted({part.currency for part in parts}):
            shared = DigestShared(
                received=shares_of(parts, currency, Role.IN),
                # All cost: what a value gave is under the values that received it.
                given=() if scope.is_all else shares_of(parts, currency, Role.OUT),
            )
            if shared:
                found[currency] = shared
        return found

    def _untagged_cost(
        self,
        scope: BudgetScope,
        child: str,
        window: DigestWindow,
        children: Mapping[str | None, Mapping[str, Mapping[date, Decimal]]],
    ) -> tuple[dict[str, Decimal], str]:
        first, last = window.week
        if scope.is_all:
            report = self._untagged(Period(first, last, "last 7 days"))
            return {c.currency: c.untagged for c in report.currencies}, "no project and no team"
        untagged = {
            currency: sum((v for d, v in daily.items() if first <= d <= last), Decimal(0))
            for currency, daily in children.get(None, {}).items()
        }
        return untagged, f"no {child}"

    def _budget_lines(self, scope: BudgetScope, day: date) -> list[BudgetLine]:
        lines = self._budgets.lines(day)
        if scope.is_all:
            return lines
        return [line for line in lines if _same_scope(line.budget.scope, scope)]

    def _anomalies(
        self, scope: BudgetScope, child: str, values: set[str | None], day: date
    ) -> list[OpenAnomaly]:
        since = day - timedelta(days=ANOMALY_DAYS - 1)
        wanted_children = {v.lower() for v in values if v}
        found = []
        for record in self._ledger.records(since, [AlertKind.ANOMALY]):
            if record.state not in _OPEN or record.acknowledged_by or record.day is None:
                continue
            if scope.is_all or _concerns(record.scope, scope, child, wanted_children):
                found.append(_open_anomaly(record))
        found.sort(key=lambda a: (a.day, a.scope), reverse=True)
        return found


def _with(result: DigestResult, status: DigestStatus) -> DigestResult:
    return DigestResult(
        result.channel, result.every, result.scope, status, result.key, result.start, result.end
    )


def _same_scope(a: BudgetScope, b: BudgetScope) -> bool:
    return a.dimension == b.dimension and (a.value or "").lower() == (b.value or "").lower()


def _concerns(record_scope: str, scope: BudgetScope, child: str, children: set[str]) -> bool:
    """An anomaly of the digest's scope itself, or of one of its child values."""
    dimension, _, value = record_scope.partition("=")
    if dimension == scope.dimension and value.lower() == (scope.value or "").lower():
        return True
    return dimension == child and value.lower() in children


def _open_anomaly(record: AlertRecord) -> OpenAnomaly:
    detail = record.detail
    assert record.day is not None
    return OpenAnomaly(
        key=record.key,
        scope=record.scope,
        day=record.day,
        currency=detail.get("currency"),
        cost=_decimal(detail.get("cost")),
        expected=_decimal(detail.get("expected")),
        shared=_decimal(detail.get("shared")),
    )


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None
