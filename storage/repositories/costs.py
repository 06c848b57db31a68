"""Cost queries: the CostStore port on SQLite or PostgreSQL.

A question about one dimension (its values, services and days) is answered from the small
`cost_rollup_daily`; anything finer (resources, several filters) joins the facts to their keys.

Shared cost: a rollup question about the values of a dimension that has a stored split adds
that split's `in` and `out` rows (UNION ALL), so each value's number is its allocated cost and
the dimension's total is unchanged. Fact questions (resources, several filters, by source)
are always direct: the split is stored per value and service, not per resource.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import ColumnElement, Engine, Select, desc, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.cost_rows import COST_BASES, COST_KEY_FIELDS
from bot.domain.reports import SourceFreshness
from bot.domain.shared.split import Role
from bot.services.ports import CostFilter
from storage.bulk import read_rows
from storage.db import SchemaMissingError, restore_missing_schema
from storage.models import (
    DIMENSION_COLUMNS,
    ROLLUP_DIMENSIONS,
    AllocationStateRow,
    CostDaily,
    CostKey,
    CostRollup,
    DimensionValue,
    IngestRun,
    SharedCostRow,
)
from storage.repositories.shared_parts import SqlSharedParts, shared_rows, splits

GROUPABLE_FIELDS = frozenset((*COST_KEY_FIELDS, "day", "source"))
_ROLLUP_FIELDS = frozenset(("day", "source", "service_name"))

P = ParamSpec("P")
R = TypeVar("R")


def _self_healing(
    read: Callable[Concatenate[SqlCostStore, P], R],
) -> Callable[Concatenate[SqlCostStore, P], R]:
    """Answer again after re-creating a schema that vanished (the database was re-created)."""

    @functools.wraps(read)
    def run(store: SqlCostStore, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return read(store, *args, **kwargs)
        except SchemaMissingError:
            restore_missing_schema(store.engine)
            return read(store, *args, **kwargs)

    return run


# Estimated days older than this are long restated (Cost Explorer finalises within weeks).
PROVISIONAL_DAYS = 120


class SqlCostStore(SqlSharedParts):
    """Read side of the store: one indexed SELECT ... GROUP BY per question."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions)
        self._sessions = sessions

    @property
    def engine(self) -> Engine:
        return self._sessions.kw["bind"]

    @_self_healing
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
        """See CostStore.sum_cost. `shared=False`: direct cost, as billed, without the split.

        Questions the rollup answers include shared cost (see the module's docstring); fact
        questions (resources, several filters, grouping by source) stay direct.
        """
        unknown = set(group_by) - GROUPABLE_FIELDS
        if unknown:
            raise ValueError(f"Cannot group cost by {sorted(unknown)}")
        filters = [where] if isinstance(where, CostFilter) else list(where or ())
        for condition in filters:
            if condition.dimension not in DIMENSION_COLUMNS:
                raise ValueError(f"Unknown dimension {condition.dimension!r}")
        rollup = _rollup_dimension(filters, group_by)
        if rollup is not None:
            query = _rollup_query(rollup, start, end, basis, filters, group_by, shared=shared)
        else:
            query = _fact_query(start, end, basis, filters, group_by)
        if limit is not None:
            query = _largest_per_currency(query, limit)
        return read_rows(self._sessions, query)

    @_self_healing
    def data_through(self) -> date | None:
        """The last day with usage charges (see `_last_usage_day`); None when nothing is stored."""
        with self._sessions() as session:
            return _last_usage_day(session, None)

    @_self_healing
    def data_through_by_source(self) -> dict[str, date | None]:
        """Per source with a successful ingest, its own `data_through`."""
        sources = (
            select(IngestRun.source)
            .where(IngestRun.status == "succeeded")
            .distinct()
            .order_by(IngestRun.source)
        )
        with self._sessions() as session:
            return {source: _last_usage_day(session, source) for source in session.scalars(sources)}

    @_self_healing
    def provisional_days(self) -> dict[str, list[date]]:
        """Per source, the days still estimated: each day as the latest run covering it said.

        Runs are replayed in order: a run's days are restated by it (no longer estimated
        unless it says so), so a day Cost Explorer estimated stays provisional after it falls
        out of the window, until some run restates it. Runs of the last PROVISIONAL_DAYS only.
        """
        since = datetime.now(UTC) - timedelta(days=PROVISIONAL_DAYS)
        query = (
            select(IngestRun.source, IngestRun.day_ranges, IngestRun.provisional_days)
            .where(IngestRun.status == "succeeded", IngestRun.started_at >= since)
            .order_by(IngestRun.id)
        )
        estimated: dict[str, set[date]] = {}
        with self._sessions() as session:
            for source, ranges, days in session.execute(query):
                held = estimated.setdefault(source, set())
                for start, end in ranges or ():
                    first, last = date.fromisoformat(start), date.fromisoformat(end)
                    held.difference_update({d for d in held if first <= d <= last})
                held.update(date.fromisoformat(day) for day in days or ())
        return {source: sorted(days) for source, days in estimated.items() if days}

    @_self_healing
    def data_version(self) -> tuple[int, int, int]:
        # Ids are taken when an ingest starts, so a newest id alone would miss an older run
        # that publishes later; the count of published runs moves with every publish. The
        # split's version moves with every re-split (new rules change answers, not ingests).
        query = select(
            func.max(IngestRun.id),
            func.count(IngestRun.id),
            select(func.max(AllocationStateRow.version)).scalar_subquery(),
        ).where(IngestRun.status == "succeeded")
        with self._sessions() as session:
            newest, published, split = session.execute(query).one()
        return (newest or 0, published, split or 0)

    @_self_healing
    def resolve_name(self, dimension: str, name: str) -> str | None:
        folded = name.strip().lower()
        query = select(DimensionValue.value).where(
            DimensionValue.dimension == dimension, DimensionValue.folded == folded
        )
        with self._sessions() as session:
            matches = list(session.scalars(query.order_by(DimensionValue.value)))
            if not matches and splits(dimension):
                matches = [v for v in [session.scalar(_receiver(dimension, folded))] if v]
        # An exact spelling beats another value that differs only in case.
        return name.strip() if name.strip() in matches else (matches[0] if matches else None)

    @_self_healing
    def known_names(self, dimension: str) -> list[str]:
        query = select(DimensionValue.value).where(DimensionValue.dimension == dimension)
        with self._sessions() as session:
            return list(session.scalars(query.order_by(DimensionValue.value)))

    @_self_healing
    def source_status(self) -> list[SourceFreshness]:
        """Per source: the latest successful ingest and the days stored."""
        latest = (
            select(IngestRun.source, func.max(IngestRun.id).label("run_id"))
            .where(IngestRun.status == "succeeded")
            .group_by(IngestRun.source)
            .subquery()
        )
        # The rollup of one dimension has every day of every source, in a few rows per day.
        days = (
            select(
                CostRollup.source,
                func.min(CostRollup.day).label("first_day"),
                func.max(CostRollup.day).label("last_day"),
            )
            .where(CostRollup.dimension == ROLLUP_DIMENSIONS[0])
            .group_by(CostRollup.source)
            .subquery()
        )
        query = (
            select(
                IngestRun.source,
                IngestRun.finished_at,
                days.c.first_day,
                days.c.last_day,
                IngestRun.rows_rejected,
            )
            .join(latest, latest.c.run_id == IngestRun.id)
            .outerjoin(days, days.c.source == IngestRun.source)
            .order_by(IngestRun.source)
        )
        with self._sessions() as session:
            return [SourceFreshness(*row) for row in session.execute(query)]


def _receiver(dimension: str, folded: str) -> Select[Any]:
    """A value that only received shared cost (a fixed weight or a usage file names it, it
    has no bill of its own): one row of `ix_cost_shared_value_day`. Split values are folded."""
    return (
        select(SharedCostRow.value)
        .where(
            SharedCostRow.dimension == dimension,
            SharedCostRow.value == folded,
            SharedCostRow.role == Role.IN.value,
        )
        .limit(1)
    )


def _is_usage() -> ColumnElement[bool]:
    """A key whose charges are usage: FOCUS ChargeCategory `Usage`, or not stated at all."""
    return or_(CostKey.charge_category.is_(None), CostKey.charge_category == "Usage")


def _last_usage_day(session: Session, source: str | None) -> date | None:
    """The last day with usage charges, of one source or of all.

    Purchases, fees and taxes are spread over the days they pay for (a monthly fee reaches the
    31st on the 1st), so only usage says how far the data goes. A store or source with no usage
    at all (only purchases, say) is as current as its last day of any charge.

    Read newest day first down `ix_cost_daily_day`, stopping at the first usage row: a few
    index entries when the data is current, whatever the size of the store (10M rows on
    PostgreSQL: about 50 ms for the store or a current source; a source that stopped while
    others went on reads the others' rows of its last spread days, about a second). `Usage` is
    compared exactly, as FOCUS spells it, so the planner's statistics on the column apply.
    """
    facts = select(CostDaily.day)
    if source is not None:
        facts = facts.where(CostDaily.source == source)
        # Start at the source's own last day (its runs record it), not at the newest day of
        # all: a source that stopped a year ago would otherwise walk past a year of the others.
        bound = session.scalar(
            select(func.max(IngestRun.last_day)).where(
                IngestRun.source == source, IngestRun.status == "succeeded"
            )
        )
        if bound is not None:
            facts = facts.where(CostDaily.day <= bound)
    usage_keys = select(CostKey.id).where(_is_usage())
    if session.scalar(usage_keys.limit(1)) is not None:
        is_usage = select(CostKey.id).where(CostKey.id == CostDaily.key_id, _is_usage()).exists()
        query = facts.where(is_usage).order_by(CostDaily.day.desc()).limit(1)
        last = session.scalar(query)
        if last is not None:
            return last
    return session.scalar(facts.order_by(CostDaily.day.desc()).limit(1))


def _rollup_dimension(filters: list[CostFilter], group_by: Sequence[str]) -> str | None:
    """The rolled-up dimension that can answer this question, if one can."""
    dimensions = {f.dimension for f in filters}
    dimensions |= {d for d, column in DIMENSION_COLUMNS.items() if column in group_by}
    if "service" in dimensions and len(dimensions) == 2:
        dimensions.discard("service")  # service_name is in every rollup row anyway
    if len(dimensions) > 1 or len(filters) > 1:
        return None
    dimension = next(iter(dimensions), ROLLUP_DIMENSIONS[0])
    if dimension not in ROLLUP_DIMENSIONS:
        return None
    column = DIMENSION_COLUMNS[dimension]
    if not set(group_by) <= _ROLLUP_FIELDS | {column}:
        return None
    if filters and filters[0].dimension != dimension:
        return None
    return dimension


def _rollup_query(
    dimension: str,
    start: date,
    end: date,
    basis: str,
    filters: list[CostFilter],
    group_by: Sequence[str],
    *,
    shared: bool = True,
) -> Select[Any]:
    column = DIMENSION_COLUMNS[dimension]

    def field(name: str) -> ColumnElement[Any]:
        return (
            CostRollup.value
            if name == column and name not in _ROLLUP_FIELDS
            else getattr(CostRollup, name)
        )

    amount_column = getattr(CostRollup, COST_BASES[basis])
    where = [CostRollup.dimension == dimension, CostRollup.day.between(start, end)]
    where += [_matches(CostRollup.value, condition.value) for condition in filters]
    # Sharing moves cost between values only: across all values (by day or service) the
    # split's rows add up to zero, so only a question about values reads them. The split
    # has no source: by source, cost stays direct.
    if not (shared and splits(dimension) and (filters or column in group_by)) or (
        "source" in group_by
    ):
        keys = [field(name) for name in group_by] + [CostRollup.currency]
        amount = func.sum(amount_column).label("cost")
        return select(*keys, amount).where(*where).group_by(*keys).order_by(desc("cost"))
    direct = select(
        *(field(name).label(name) for name in group_by),
        CostRollup.currency.label("currency"),
        amount_column.label("cost"),
    ).where(*where)
    value = filters[0].value if filters else ...
    split = shared_rows(dimension, start, end, basis, group_by, column, value)
    rows = direct.union_all(split).subquery()
    keys = [rows.c[name] for name in group_by] + [rows.c.currency]
    # The sum keeps the money type, so SQLite's integer nano-units come back as Decimal.
    total = func.sum(rows.c.cost, type_=amount_column.type).label("cost")
    return select(*keys, total).group_by(*keys).order_by(desc("cost"))


def _fact_query(
    start: date,
    end: date,
    basis: str,
    filters: list[CostFilter],
    group_by: Sequence[str],
) -> Select[Any]:
    """Sum the facts per key first, then describe the keys.

    The facts are stored in key order, so summing per key streams through the table; grouping
    by the keys' text fields happens afterwards on a few thousand sums, not on every day's row.
    """
    on_facts = [name for name in group_by if name in ("day", "source")]
    per_key = select(
        CostDaily.key_id,
        *(getattr(CostDaily, name) for name in on_facts),
        func.sum(getattr(CostDaily, COST_BASES[basis])).label("cost"),
    ).where(CostDaily.day.between(start, end))
    if filters:
        keys = select(CostKey.id)
        for condition in filters:
            keys = keys.where(
                _matches(getattr(CostKey, DIMENSION_COLUMNS[condition.dimension]), condition.value)
            )
        per_key = per_key.where(CostDaily.key_id.in_(keys))
    sums = per_key.group_by(CostDaily.key_id, *(getattr(CostDaily, n) for n in on_facts)).subquery()

    def field(name: str) -> ColumnElement[Any]:
        return sums.c[name] if name in on_facts else getattr(CostKey, name)

    fields = [field(name) for name in group_by] + [CostKey.currency]
    # The sum keeps the money type, so SQLite's integer nano-units come back as Decimal.
    cost = func.sum(sums.c.cost, type_=getattr(CostDaily, COST_BASES[basis]).type).label("cost")
    query = select(*fields, cost).join(CostKey, CostKey.id == sums.c.key_id)
    return query.group_by(*fields).order_by(desc("cost"))


def _largest_per_currency(query: Select[Any], limit: int) -> Select[Any]:
    """Only the `limit` largest rows of each currency, chosen by the database."""
    grouped = query.order_by(None).subquery()
    rank = func.row_number().over(partition_by=grouped.c.currency, order_by=desc(grouped.c.cost))
    ranked = select(*grouped.c, rank.label("rank")).subquery()
    columns = [column for column in ranked.c if column.name != "rank"]
    return select(*columns).where(ranked.c.rank <= limit).order_by(desc(ranked.c.cost))


def _matches(column: ColumnElement[Any], value: str | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value
