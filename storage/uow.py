"""The unit of work: one transaction for writes that span tables; repositories never commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import WRITER


class SqlUnitOfWork:
    """`with SqlUnitOfWork(sessions) as uow: ...; uow.commit()` on SQLite or PostgreSQL.

    A writer from the start: on SQLite it takes the write lock at BEGIN (IMMEDIATE), so a
    read followed by a write cannot fail half-way because another writer got in between.
    Leaving the block without `commit()` rolls everything back. One unit per thread.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The session repositories write through while the unit is open."""
        if self._session is None:
            raise RuntimeError("a unit of work is used inside `with uow:` only")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open; make one per use")
        session = self._sessions()
        session.begin()
        session.connection(execution_options=WRITER)
        self._session = session
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            session.rollback()  # nothing left to undo after a commit
        finally:
            session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def lock(self, name: str) -> None:
        """Hold the named lock until this unit commits or rolls back.

        PostgreSQL: a transaction-level advisory lock, so an error or a lost connection can
        never leave it held (a session-level one would stay with the pooled connection).
        SQLite: this unit already holds the file's one write lock, taken at BEGIN IMMEDIATE.
        """
        session = self.session
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))
