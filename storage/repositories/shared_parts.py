"""Reading the stored split of shared cost (`cost_shared_daily`) back into answers.

Two uses: `shared_rows` is the part of a rollup question that adds each value's split (its
`in` and `out` rows; `kept` rows never), so a receiver's number includes what it received and
a giver's excludes what it gave; `SqlSharedParts` says which rule, origin and method each part
came from. Every read is led by `ix_cost_shared_value_day` (dimension, value, day) when it
asks about one value, by `ix_cost_shared_day` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.cost_rows import COST_BASES
from bot.domain.shared.rules import RECEIVING_DIMENSIONS
from bot.domain.shared.savings import ReceivedCost
from bot.domain.shared.split import Role
from bot.services.shared_ports import SharedPart, ValueSplit
from storage.bulk import read_rows
from storage.models import AllocationStateRow, CostRollup, SharedCostRow

# The roles added to sums: what left where it was billed, and what each receiver got.
SUMMED_ROLES = (Role.IN.value, Role.OUT.value)


def splits(dimension: str) -> bool:
    """Whether cost of `dimension` can be split at all (billing fields never receive)."""
    return dimension in RECEIVING_DIMENSIONS


def shared_rows(
    dimension: str,
    start: date,
    end: date,
    basis: str,
    group_by: Sequence[str],
    value_column: str,
    value: object = ...,
) -> Select[Any]:
    """The split's summed rows of `dimension` over days start..end, to add to its rollup.

    Columns: each of `group_by` (`day`, `service_name`, or `value_column`: the dimension's own
    key column, read from the split's `value`), then `currency` and `cost`, each labelled by
    its name, so they line up with the rollup's rows in a UNION ALL. `value` (when given;
    None: unallocated) keeps one value's rows only.
    """
    columns = {"day": SharedCostRow.day, "service_name": SharedCostRow.service_name}
    columns[value_column] = SharedCostRow.value
    amount = getattr(SharedCostRow, COST_BASES[basis])
    query = select(
        *(columns[name].label(name) for name in group_by),
        SharedCostRow.currency.label("currency"),
        amount.label("cost"),
    ).where(
        _of(dimension, value),
        SharedCostRow.day.between(start, end),
        SharedCostRow.role.in_(SUMMED_ROLES),
    )
    if value is not ...:
        query = query.where(_matches(SharedCostRow.value, value))
    return query


def _of(dimension: str, value: object = ...) -> ColumnElement[bool]:
    """Rows of `dimension`. Asked about every value, the day index must lead the read: the
    dimension is the same in nearly every row, yet a planner without fresh statistics (SQLite
    before ANALYZE, a new split on PostgreSQL) takes `ix_cost_shared_value_day` for it and reads
    every day stored. Comparing `dimension || ''` keeps that index out of such reads."""
    if value is ...:
        return SharedCostRow.dimension.concat("") == dimension
    return SharedCostRow.dimension == dimension


def _matches(column: ColumnElement[Any], value: object) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


class SqlSharedParts:
    """The `shared_parts` of the SharedCostStore port, and what answers need beside it."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def shared_parts(
        self,
        start: date,
        end: date,
        basis: str,
        dimension: str,
        value: str | None = ...,  # type: ignore[assignment]
    ) -> list[SharedPart]:
        """Per value, rule, origin, method, role and currency, the split's cost over the days.

        `cost` is as stored: positive for IN (received) and KEPT, negative for OUT (given
        away), so the IN and OUT parts of a value add up to how much sharing moved its number.
        Largest amounts first.
        """
        if not splits(dimension):
            return []
        amount = func.sum(getattr(SharedCostRow, COST_BASES[basis])).label("cost")
        keys = (
            SharedCostRow.value,
            SharedCostRow.rule,
            SharedCostRow.origin,
            SharedCostRow.method,
            SharedCostRow.role,
            SharedCostRow.currency,
        )
        query = select(*keys, amount).where(
            _of(dimension, value), SharedCostRow.day.between(start, end)
        )
        if value is not ...:
            query = query.where(_matches(SharedCostRow.value, value))
        query = query.group_by(*keys).order_by(func.abs(amount).desc(), *keys[:4])
        with self._sessions() as session:
            return [
                SharedPart(v, rule, origin, method, Role(role), currency, cost)
                for v, rule, origin, method, role, currency, cost in session.execute(query)
                if cost
            ]

    def shared_receivers(
        self,
        start: date,
        end: date,
        dimension: str,
        origin: str | None,
        rules: Sequence[tuple[str, str]] | None = None,
    ) -> dict[tuple[str, str], int]:
        """How many values received cost shared from `origin`, per (rule, currency): on the
        last day of start..end it gave cost under that rule. `rules`: the (rule, currency)
        pairs to count, when known (its OUT parts); else every pair it gave under.

        One day, not the whole span: a rule splits each day among the same receivers
        whatever the origin, and one day is read from `ix_cost_shared_day` in a few hundred
        rows, where the span would read every receiver's rows (no index leads by origin).
        The last day itself is found walking `ix_cost_shared_value_day` back from `end`.
        """
        if not splits(dimension):
            return {}
        gave = [
            _matches(SharedCostRow.value, origin),
            SharedCostRow.dimension == dimension,
            SharedCostRow.day.between(start, end),
            SharedCostRow.role == Role.OUT.value,
        ]
        counts = {}
        with self._sessions() as session:
            if rules is None:
                pairs = select(SharedCostRow.rule, SharedCostRow.currency).where(*gave)
                rules = [tuple(pair) for pair in session.execute(pairs.distinct())]
            for rule, currency in rules:
                last = (
                    select(SharedCostRow.day)
                    .where(*gave, SharedCostRow.rule == rule, SharedCostRow.currency == currency)
                    .order_by(SharedCostRow.day.desc())
                    .limit(1)
                )
                day = session.scalar(last)
                if day is None:
                    continue
                query = select(func.count(SharedCostRow.value.distinct())).where(
                    SharedCostRow.day == day,
                    _of(dimension),
                    SharedCostRow.rule == rule,
                    SharedCostRow.currency == currency,
                    SharedCostRow.role == Role.IN.value,
                    _matches(SharedCostRow.origin, origin),
                )
                counts[(rule, currency)] = session.scalar(query) or 0
        return counts

    def shared_received_daily(
        self,
        start: date,
        end: date,
        basis: str,
        dimension: str,
        value: str | None = ...,  # type: ignore[assignment]
    ) -> list[tuple[date, str | None, str, Any]]:
        """(day, value, currency, cost) each value received (IN) per day: what budgets and
        alerts say is shared in their numbers. `value` (when given) reads that value's only,
        from `ix_cost_shared_value_day` (an anomaly's usual shared part)."""
        if not splits(dimension):
            return []
        amount = func.sum(getattr(SharedCostRow, COST_BASES[basis])).label("cost")
        keys = (SharedCostRow.day, SharedCostRow.value, SharedCostRow.currency)
        where = [
            _of(dimension, value),
            SharedCostRow.day.between(start, end),
            SharedCostRow.role == Role.IN.value,
        ]
        if value is not ...:
            where.append(_matches(SharedCostRow.value, value))
        query = select(*keys, amount).where(*where).group_by(*keys)
        with self._sessions() as session:
            return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]

    def value_split(
        self, dimension: str, value: str, currency: str, start: date, end: date, basis: str
    ) -> ValueSplit:
        """What each value received of `value`'s cost in `currency` over days start..end, per
        rule, and `value`'s own direct cost: two reads, led by `ix_cost_shared_origin_day`
        and `ix_cost_rollup_value_day`."""
        if not splits(dimension):
            return ValueSplit(Decimal(0), ())
        amount = func.sum(getattr(SharedCostRow, COST_BASES[basis]))
        received = (
            select(SharedCostRow.value, SharedCostRow.rule, amount)
            .where(
                SharedCostRow.dimension == dimension,
                SharedCostRow.origin == value,
                SharedCostRow.day.between(start, end),
                SharedCostRow.role == Role.IN.value,
                SharedCostRow.currency == currency,
            )
            .group_by(SharedCostRow.value, SharedCostRow.rule)
        )
        direct = select(func.sum(getattr(CostRollup, COST_BASES[basis]))).where(
            CostRollup.dimension == dimension,
            CostRollup.value == value,
            CostRollup.day.between(start, end),
            CostRollup.currency == currency,
        )
        parts = tuple(
            ReceivedCost(receiver, rule, cost)
            for receiver, rule, cost in read_rows(self._sessions, received)
            if receiver is not None and cost
        )
        [(own,)] = read_rows(self._sessions, direct)
        return ValueSplit(own or Decimal(0), parts)

    def allocation_version(self) -> int:
        """The counter every re-split moves (0 before the first)."""
        with self._sessions() as session:
            return session.scalar(select(func.max(AllocationStateRow.version))) or 0
