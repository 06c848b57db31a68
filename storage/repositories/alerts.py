"""The alert ledger: alerts claimed once (with their messages), the evaluation's state,
snoozes and acknowledgements.

A claim is an INSERT ... ON CONFLICT DO NOTHING on the hash of the alert's key: of two
evaluators (threads, processes, replicas) exactly one inserts each key, and only the one that
did writes its message to the outbox, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services.alert_ports import AlertClaim, AlertKind, AlertRecord, AlertState, AuditEntry
from bot.services.snapshot_state import OutboxItem
from storage.bulk import dialect_insert
from storage.models import AlertRow, AlertSnoozeRow, AlertStateRow, OutboxMessage
from storage.repositories.budgets import add_audit_entry
from storage.repositories.snapshots import add_outbox_items, outbox_key_hash
from storage.uow import SqlUnitOfWork


def key_hash(key: str) -> str:
    """The alert's unique key, sha256 of its key: the same as its outbox row's `key_hash`."""
    return outbox_key_hash(key)


class SqlAlertLedger:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- reading --------------------------------------------------------------------------

    def records(self, since: date, kinds: Sequence[AlertKind] = ()) -> list[AlertRecord]:
        query = _with_outbox().where(AlertRow.day >= since).order_by(AlertRow.id)
        if kinds:
            query = query.where(AlertRow.kind.in_([kind.value for kind in kinds]))
        with self._sessions() as session:
            return [_record(row, status) for row, status in session.execute(query)]

    def record(self, key: str) -> AlertRecord | None:
        query = _with_outbox().where(AlertRow.key_hash == key_hash(key))
        with self._sessions() as session:
            found = session.execute(query).first()
            return _record(*found) if found else None

    def evaluation_state(self) -> dict[str, Any]:
        with self._sessions() as session:
            return {row.name: row.value for row in session.scalars(select(AlertStateRow))}

    # -- claiming -------------------------------------------------------------------------

    def commit_evaluation(
        self, claims: Sequence[AlertClaim], state: Mapping[str, Any | None], at: datetime
    ) -> set[str]:
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            claimed = _claim(session, claims, at)
            messages = [
                _outbox_item(claim) for claim in claims if claim.key in claimed and claim.message
            ]
            add_outbox_items(session, messages, at)
            _write_state(session, state, at)
            uow.commit()
        return claimed

    # -- snoozes and acknowledgements ----------------------------------------------------

    def snoozes(self, at: datetime) -> dict[str, datetime]:
        query = select(AlertSnoozeRow.scope, AlertSnoozeRow.until).where(AlertSnoozeRow.until > at)
        with self._sessions() as session:
            return {scope: until for scope, until in session.execute(query)}

    def snooze(self, scope: str, until: datetime, entry: AuditEntry) -> None:
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            connection = session.connection()
            insert = dialect_insert(connection, AlertSnoozeRow.__table__).values(
                scope=scope, until=until, by=entry.actor, at=entry.at
            )
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=["scope"],
                    set_={"until": until, "by": entry.actor, "at": entry.at},
                )
            )
            add_audit_entry(session, entry)
            uow.commit()

    def acknowledge(self, key: str, entry: AuditEntry) -> AlertRecord | None:
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            # The conditional update is the decision: of two clicks at once, one changes the row.
            first = session.execute(
                update(AlertRow)
                .where(AlertRow.key_hash == key_hash(key), AlertRow.acknowledged_by.is_(None))
                .values(acknowledged_by=entry.actor, acknowledged_at=entry.at)
            ).rowcount
            if first:
                add_audit_entry(session, entry)
            found = session.execute(_with_outbox().where(AlertRow.key_hash == key_hash(key)))
            row = found.first()
            uow.commit()
            return _record(*row) if row else None


def _claim(session: Session, claims: Sequence[AlertClaim], at: datetime) -> set[str]:
    """Insert every claim whose key is new; the keys this transaction inserted."""
    if not claims:
        return set()
    rows = {
        key_hash(claim.key): {
            "key_hash": key_hash(claim.key),
            "key": claim.key,
            "kind": claim.kind.value,
            "scope": claim.scope,
            "state": claim.state.value,
            "channel": claim.channel,
            "day": claim.day,
            "detail": dict(claim.detail),
            "created_at": at,
        }
        for claim in claims
    }
    connection = session.connection()
    insert = dialect_insert(connection, AlertRow.__table__)
    # In one order for every evaluator: two inserting the same keys in opposite orders would
    # each wait for the other (a deadlock on PostgreSQL).
    values = [rows[digest] for digest in sorted(rows)]
    # Parameters apart from the statement: compiled once and sent in pages (SQLAlchemy's
    # insertmanyvalues, in the order given), so 10,000 claims neither compile 100,000 binds
    # nor pass a database's limit on the parameters of one statement. RETURNING names only
    # the rows inserted, not those skipped.
    inserted = connection.execute(
        insert.on_conflict_do_nothing(index_elements=["key_hash"]).returning(
            AlertRow.__table__.c.key
        ),
        values,
    )
    return {key for (key,) in inserted}


def _outbox_item(claim: AlertClaim) -> OutboxItem:
    """The claim's message, under the alert's own key (what ties the two together)."""
    assert claim.message is not None
    return replace(claim.message, key=claim.key)


def _write_state(session: Session, state: Mapping[str, Any | None], at: datetime) -> None:
    gone = [name for name, value in state.items() if value is None]
    if gone:
        session.execute(delete(AlertStateRow).where(AlertStateRow.name.in_(gone)))
    kept = [{"name": n, "value": v, "updated_at": at} for n, v in state.items() if v is not None]
    if kept:
        connection = session.connection()
        insert = dialect_insert(connection, AlertStateRow.__table__).values(kept)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=["name"],
                set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
            )
        )


def _with_outbox():
    return select(AlertRow, OutboxMessage.status).outerjoin(
        OutboxMessage, OutboxMessage.key_hash == AlertRow.key_hash
    )


def _record(row: AlertRow, outbox_status: str | None) -> AlertRecord:
    state = AlertState(row.state)
    if state is AlertState.PENDING and outbox_status == "sent":
        state = AlertState.POSTED
    elif state is AlertState.PENDING and outbox_status == "failed":
        state = AlertState.FAILED
    return AlertRecord(
        key=row.key,
        kind=AlertKind(row.kind),
        scope=row.scope,
        state=state,
        channel=row.channel,
        day=row.day,
        detail=row.detail or {},
        created_at=row.created_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
    )
