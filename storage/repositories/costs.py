"""Cost queries over the daily aggregates: the CostStore port on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, desc, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.cost_rows import COST_BASES, COST_KEY_FIELDS
from bot.services.ports import CostFilter, SourceStatus
from storage.models import DIMENSION_COLUMNS, CostDaily, DimensionValue, IngestRun

GROUPABLE_FIELDS = frozenset((*COST_KEY_FIELDS, "day", "source"))


def dimension_column(dimension: str) -> ColumnElement[Any]:
    try:
        return getattr(CostDaily, DIMENSION_COLUMNS[dimension])
    except KeyError:
        raise ValueError(f"Unknown dimension {dimension!r}") from None


class SqlCostStore:
    """Read side of the store: every query is one indexed SELECT ... GROUP BY."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def sum_cost(
        self,
        start: date,
        end: date,
        basis: str,
        *,
        where: CostFilter | Sequence[CostFilter] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        unknown = set(group_by) - GROUPABLE_FIELDS
        if unknown:
            raise ValueError(f"Cannot group cost by {sorted(unknown)}")
        keys = [getattr(CostDaily, name) for name in group_by] + [CostDaily.currency]
        amount = func.sum(getattr(CostDaily, COST_BASES[basis])).label("cost")
        query = select(*keys, amount).where(CostDaily.day.between(start, end))
        filters = [where] if isinstance(where, CostFilter) else list(where or ())
        for condition in filters:
            column = dimension_column(condition.dimension)
            query = query.where(
                column.is_(None) if condition.value is None else column == condition.value
            )
        query = query.group_by(*keys).order_by(desc("cost"))
        with self._sessions() as session:
            return [tuple(row) for row in session.execute(query)]

    def data_through(self) -> date | None:
        with self._sessions() as session:
            return session.scalar(select(func.max(CostDaily.day)))

    def resolve_name(self, dimension: str, name: str) -> str | None:
        folded = name.strip().lower()
        query = select(DimensionValue.value).where(
            DimensionValue.dimension == dimension, DimensionValue.folded == folded
        )
        with self._sessions() as session:
            matches = list(session.scalars(query.order_by(DimensionValue.value)))
        # An exact spelling beats another value that differs only in case.
        return name.strip() if name.strip() in matches else (matches[0] if matches else None)

    def known_names(self, dimension: str) -> list[str]:
        query = select(DimensionValue.value).where(DimensionValue.dimension == dimension)
        with self._sessions() as session:
            return list(session.scalars(query.order_by(DimensionValue.value)))

    def source_status(self) -> list[SourceStatus]:
        """Per source: the latest successful ingest and the days stored."""
        latest = (
            select(IngestRun.source, func.max(IngestRun.id).label("run_id"))
            .where(IngestRun.status == "succeeded")
            .group_by(IngestRun.source)
            .subquery()
        )
        days = (
            select(
                CostDaily.source,
                func.min(CostDaily.day).label("first_day"),
                func.max(CostDaily.day).label("last_day"),
            )
            .group_by(CostDaily.source)
            .subquery()
        )
        query = (
            select(
                IngestRun.source,
                IngestRun.finished_at,
                days.c[1],
                days.c[2],
                IngestRun.rows_rejected,
            )
            .join(latest, latest.c.run_id == IngestRun.id)
            .outerjoin(days, days.c.source == IngestRun.source)
            .order_by(IngestRun.source)
        )
        with self._sessions() as session:
            return [SourceStatus(*row) for row in session.execute(query)]
