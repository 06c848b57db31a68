"""The SourceCatalog port: which sources have ingest runs or cost rows in the store."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import Session, sessionmaker

from storage.models import CostDaily, IngestRun


class SqlSourceCatalog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def sources(self) -> set[str]:
        # Both tables: rows without a run (an older schema's) and runs that stored no rows
        # (refused or empty files) each say that someone uses this store.
        query = union(select(IngestRun.source).distinct(), select(CostDaily.source).distinct())
        with self._sessions() as session:
            return set(session.execute(query).scalars())
