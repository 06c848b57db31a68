"""The DeliveryLedger port: a table keyed by delivery, claimed with insert-or-ignore."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from storage.bulk import dialect_insert, short_sqlite_wait
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
            insert = dialect_insert(connection, SlackDelivery).values(key=key, received_at=at)
            # RETURNING names the row only when this statement inserted it.
            claim = insert.on_conflict_do_nothing(index_elements=["key"]).returning(
                SlackDelivery.key
            )
            with short_sqlite_wait(connection, SQLITE_CLAIM_WAIT_MS):
                return session.execute(claim).first() is not None

    def forget_before(self, cutoff: datetime) -> int:
        with unit_of_work(self._sessions) as session:
            with short_sqlite_wait(session.connection(), SQLITE_CLAIM_WAIT_MS):
                result = session.execute(
                    delete(SlackDelivery).where(SlackDelivery.received_at < cutoff)
                )
            return result.rowcount
