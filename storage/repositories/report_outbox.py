"""Reports asked for on the command line, written to the Slack outbox to be posted once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services.snapshot_state import OutboxItem
from storage.db import unit_of_work
from storage.models import OutboxMessage
from storage.repositories.snapshots import add_outbox_items, outbox_key_hash


class SqlReportOutbox:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def enqueue(self, item: OutboxItem) -> bool:
        """Write the message; False when a message with its key was already written and not
        given up on. One the outbox gave up on (costbot was not in the channel, say) is
        queued again: asked again, it is posted, not said to be posted."""
        with unit_of_work(self._sessions) as session:
            status = self._status(session, item.key)
            if status == "failed":
                return self._retry(session, item)
            if status is not None:
                return False
            # Two writers at once: the unique key keeps one row, so one message either way.
            add_outbox_items(session, [item], datetime.now(UTC))
        return True

    @staticmethod
    def _retry(session: Session, item: OutboxItem) -> bool:
        # Only a row still failed is reset: two writers at once queue it once.
        done = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.key_hash == outbox_key_hash(item.key),
                OutboxMessage.status == "failed",
            )
            .values(
                status="pending",
                channel=item.channel,
                fallback_channel=item.fallback_channel,
                attempts=0,
                claimed_until=None,
                last_error=None,
            )
        )
        return bool(done.rowcount)

    def status(self, key: str) -> str | None:
        with unit_of_work(self._sessions) as session:
            return self._status(session, key)

    @staticmethod
    def _status(session: Session, key: str) -> str | None:
        return session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.key_hash == outbox_key_hash(key))
        )
