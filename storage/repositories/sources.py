"""The SourceCatalog port: which sources have ingest runs or cost rows in the store."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, sessionmaker

from storage.models import CostDaily, CostKey, IngestRun


class SqlSourceCatalog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def sources(self) -> set[str]:
        # Both tables: rows without a run (an older schema's) and runs that stored no rows
        # (refused or empty files) each say that someone uses this store.
        query = union(select(IngestRun.source).distinct(), select(CostDaily.source).distinct())
        with self._sessions() as session:
            return set(session.execute(query).scalars())


class SqlUsageDays:
    """Per source, the last day with usage charges: a fee spread to the 31st is not data."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def data_through_by_source(self) -> dict[str, date | None]:
        usage = select(CostKey.id).where(CostKey.charge_category == "Usage")
        query = (
            select(CostDaily.source, func.max(CostDaily.day))
            .where(CostDaily.key_id.in_(usage))
            .group_by(CostDaily.source)
        )
        with self._sessions() as session:
            return {source: day for source, day in session.execute(query)}
