"""Reports asked for on the command line, written to the Slack outbox to be posted once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.snapshot_state import OutboxItem
from storage.db import unit_of_work
from storage.models import OutboxMessage
from storage.repositories.snapshots import add_outbox_items, outbox_key_hash


class SqlReportOutbox:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def enqueue(self, item: OutboxItem) -> bool:
        """Write the message; False when a message with its key was already written."""
        with unit_of_work(self._sessions) as session:
            if self._status(session, item.key) is not None:
                return False
            # Two writers at once: the unique key keeps one row, so one message either way.
            add_outbox_items(session, [item], datetime.now(UTC))
        return True

    def status(self, key: str) -> str | None:
        with unit_of_work(self._sessions) as session:
            return self._status(session, key)

    @staticmethod
    def _status(session: Session, key: str) -> str | None:
        return session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.key_hash == outbox_key_hash(key))
        )
