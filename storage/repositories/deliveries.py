"""The DeliveryLedger port: a table keyed by delivery, claimed with insert-or-ignore."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from storage.db import unit_of_work
from storage.models import SlackDelivery

# A claim sits on the path of Slack's 3 s ack. On SQLite an ingest holds the one write lock for
# its whole run: wait for it this long, then let the caller decide (it handles the delivery).
SQLITE_CLAIM_WAIT_MS = 1000


class SqlDeliveryLedger:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def claim(self, key: str, at: datetime) -> bool:
        with unit_of_work(self._sessions) as session:
            connection = session.connection()
            insert = _insert_or_ignore(connection).values(key=key, received_at=at)
            # RETURNING names the row only when this statement inserted it.
            claim = insert.on_conflict_do_nothing(index_elements=["key"]).returning(
                SlackDelivery.key
            )
            with _short_sqlite_wait(connection):
                return session.execute(claim).first() is not None

    def forget_before(self, cutoff: datetime) -> int:
        with unit_of_work(self._sessions) as session:
            with _short_sqlite_wait(session.connection()):
                result = session.execute(
                    delete(SlackDelivery).where(SlackDelivery.received_at < cutoff)
                )
            return result.rowcount


def _insert_or_ignore(connection: Connection):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(SlackDelivery)


@contextmanager
def _short_sqlite_wait(connection: Connection) -> Iterator[None]:
    """Lower SQLite's busy timeout for the statements inside, then put the engine's back."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_CLAIM_WAIT_MS}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {previous}")
