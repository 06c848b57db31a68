"""Snapshot state in the store: unit fingerprints, source health and the Slack outbox."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.source_health import SourceHealth
from bot.services.snapshot_state import HealthChange, OutboxFile, OutboxItem, PendingMessage
from storage.bulk import dialect_insert
from storage.db import unit_of_work
from storage.models import OutboxMessage, SnapshotUnitRow, SourceStateRow
from storage.uow import SqlUnitOfWork

_HEALTH_FIELDS = [f.name for f in fields(SourceHealth) if f.name not in ("source", "type")]


class SqlSnapshotState:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def fingerprints(self, source: str) -> dict[str, str | None]:
        query = select(SnapshotUnitRow.unit_key, SnapshotUnitRow.fingerprint).where(
            SnapshotUnitRow.source == source
        )
        with self._sessions() as session:
            return {key: fingerprint for key, fingerprint in session.execute(query)}

    def health(self) -> dict[str, SourceHealth]:
        with self._sessions() as session:
            rows = session.scalars(select(SourceStateRow)).all()
            return {row.source: _health(row) for row in rows}

    def change_health(self, source: str, type_name: str, change: HealthChange) -> SourceHealth:
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            # The row exists before it is locked, so two first runs cannot both insert it.
            connection = session.connection()
            first = dialect_insert(connection, SourceStateRow.__table__).values(
                source=source, type=type_name, consecutive_failures=0, rows_rejected=0, api_calls=0
            )
            connection.execute(first.on_conflict_do_nothing(index_elements=["source"]))
            row = session.execute(
                select(SourceStateRow).where(SourceStateRow.source == source).with_for_update()
            ).scalar_one()
            after, items = change(_health(row))
            for name, value in asdict(after).items():
                if name != "source":
                    setattr(row, name, value)
            add_outbox_items(session, items, after.last_attempt or datetime.now(UTC))
            uow.commit()
        return after


def _health(row: SourceStateRow) -> SourceHealth:
    values = {name: getattr(row, name) for name in _HEALTH_FIELDS}
    values["consecutive_failures"] = values["consecutive_failures"] or 0
    values["rows_rejected"] = values["rows_rejected"] or 0
    values["api_calls"] = values["api_calls"] or 0
    return SourceHealth(source=row.source, type=row.type, **values)


def add_outbox_items(session: Session, items: list[OutboxItem], at: datetime) -> None:
    """Write messages to post in the caller's transaction; a key already there is skipped."""
    rows = [
        {
            "key": item.key,
            "key_hash": outbox_key_hash(item.key),
            "channel": item.channel,
            "text": item.text[:4000],
            "blocks": item.blocks,
            "status": "pending",
            "created_at": at,
            "attempts": 0,
            "fallback_channel": item.fallback_channel,
            "file_name": item.file.name if item.file else None,
            "file_title": item.file.title if item.file else None,
            "file_content": item.file.content if item.file else None,
        }
        for item in items
    ]
    rows.sort(key=lambda row: row["key_hash"])  # one order for all writers: no deadlock
    if rows:
        connection = session.connection()
        insert = dialect_insert(connection, OutboxMessage.__table__).values(rows)
        connection.execute(insert.on_conflict_do_nothing(index_elements=["key_hash"]))


def outbox_key_hash(key: str) -> str:
    """The outbox row's unique key: sha256 of its key, which may be long (an alert's key)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _pending(row: OutboxMessage) -> PendingMessage:
    file = None
    if row.file_content is not None:
        file = OutboxFile(row.file_name or "image.png", row.file_title or "", row.file_content)
    return PendingMessage(
        row.id,
        row.channel,
        row.text,
        list(row.blocks),
        row.attempts,
        key=row.key,
        fallback_channel=row.fallback_channel,
        file=file,
    )


class SqlOutbox:
    """Pending Slack messages, each taken by one process with a lease."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def claim_next(self, now: datetime, lease_seconds: float) -> PendingMessage | None:
        # Pending and not waiting out a failed post, or taken by a sender whose lease ran out.
        takeable = OutboxMessage.status.in_(("pending", "sending")) & or_(
            OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now
        )
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            candidate = session.scalar(
                select(OutboxMessage.id).where(takeable).order_by(OutboxMessage.id).limit(1)
            )
            if candidate is None:
                return None
            # The conditional update is the claim: of two processes, one changes the row.
            taken = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == candidate, takeable)
                .values(
                    status="sending",
                    claimed_until=now + timedelta(seconds=lease_seconds),
                    attempts=OutboxMessage.attempts + 1,
                )
            ).rowcount
            if not taken:
                return None
            row = session.get(OutboxMessage, candidate)
            assert row is not None
            message = _pending(row)
            uow.commit()
            return message

    def mark_sent(
        self, message_id: int, at: datetime, channel: str | None = None, ts: str | None = None
    ) -> None:
        with unit_of_work(self._sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    status="sent",
                    sent_at=at,
                    claimed_until=None,
                    last_error=None,
                    posted_channel=channel,
                    posted_ts=ts,
                )
            )

    def mark_failed(
        self,
        message_id: int,
        error: str,
        *,
        give_up: bool,
        retry_at: datetime | None = None,
        counted: bool = True,
    ) -> None:
        with unit_of_work(self._sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    status="failed" if give_up else "pending",
                    claimed_until=retry_at,
                    last_error=error[:1000],
                    attempts=OutboxMessage.attempts - (0 if counted else 1),
                )
            )
