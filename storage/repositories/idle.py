"""The idle-machine store: proposals proposed once per idle episode and moved by one
conditional update each, when each machine was last seen busy, and the last scan.

Proposing is an INSERT ... ON CONFLICT DO NOTHING on the hash of the proposal's message key:
of two scanners (threads, processes, replicas) exactly one inserts each idle episode, and only
that one writes its message to the outbox and its entry to the audit log, in the same
transaction. A move is `UPDATE ... WHERE id = :id AND state = :source`: of two clicks at once,
one changes the row and writes the audit entry; the other changes nothing and gets None.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.idle.proposals import ProposalState, check_move
from bot.services.alert_ports import AuditEntry
from bot.services.idle_ports import NewProposal, Proposal
from storage.bulk import dialect_insert
from storage.models import IdleBusyMarkRow, IdleProposalRow, IdleScanRow, OutboxMessage
from storage.repositories.budgets import add_audit_entry
from storage.repositories.snapshots import add_outbox_items, outbox_key_hash
from storage.uow import SqlUnitOfWork

MESSAGE_KEY_PREFIX = "idle:"
_LAST_SCAN = 1  # the one row of idle_scans
# What a move may change: every stored field but the proposal's identity and its state (the
# move's target); where the message went is the outbox's, not the proposal's.
_FIXED = frozenset({"id", "key", "state", "message_channel", "message_ts"})
MOVABLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Proposal)) - _FIXED
_JSON_FIELDS = frozenset({"instance", "verdict", "undo"})


def message_key(proposal_key: str) -> str:
    """The outbox key of a proposal's message."""
    return MESSAGE_KEY_PREFIX + proposal_key


def proposal_key_hash(proposal_key: str) -> str:
    """The proposal's unique key: sha256 of its message's key, the same as that outbox row's
    `key_hash` (which is how a proposal finds where its message was posted)."""
    return outbox_key_hash(message_key(proposal_key))


def machine_hash(machine: str) -> str:
    return outbox_key_hash(machine)


class SqlIdleStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- proposing ------------------------------------------------------------------------

    def propose(self, proposals: Sequence[NewProposal], entries: Sequence[AuditEntry]) -> set[str]:
        if len(proposals) != len(entries):
            raise ValueError(
                f"{len(proposals)} proposals but {len(entries)} audit entries: "
                "each proposal needs its own entry"
            )
        if not proposals:
            return set()
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            inserted = _insert_new(session, proposals)
            new = [(p, e) for p, e in zip(proposals, entries, strict=True) if p.id in inserted]
            messages = [
                dataclasses.replace(p.message, key=message_key(p.key)) for p, _ in new if p.message
            ]
            if messages:
                add_outbox_items(session, messages, min(p.created_at for p, _ in new))
            for _, entry in new:
                add_audit_entry(session, _json_entry(entry))
            uow.commit()
        return inserted

    # -- reading --------------------------------------------------------------------------

    def proposal(self, proposal_id: str) -> Proposal | None:
        with self._sessions() as session:
            found = session.execute(_with_message().where(IdleProposalRow.id == proposal_id))
            row = found.first()
            return _proposal(*row) if row else None

    def proposals(
        self,
        states: Sequence[ProposalState] = (),
        *,
        controller: str | None = None,
        instance_id: str | None = None,
        since: datetime | None = None,
    ) -> list[Proposal]:
        query = _with_message().order_by(IdleProposalRow.created_at, IdleProposalRow.id)
        if states:
            query = query.where(IdleProposalRow.state.in_([ProposalState(s).value for s in states]))
        if controller is not None:
            query = query.where(IdleProposalRow.controller == controller)
        if instance_id is not None:
            query = query.where(IdleProposalRow.instance_id == instance_id)
        if since is not None:
            query = query.where(IdleProposalRow.created_at >= since)
        with self._sessions() as session:
            return [_proposal(*row) for row in session.execute(query)]

    def stops(self, since: datetime) -> list[Proposal]:
        query = (
            _with_message()
            .where(
                IdleProposalRow.stopped_at.is_not(None),
                IdleProposalRow.dry_run.is_(False),
                or_(IdleProposalRow.started_at.is_(None), IdleProposalRow.started_at >= since),
            )
            .order_by(IdleProposalRow.stopped_at, IdleProposalRow.id)
        )
        with self._sessions() as session:
            return [_proposal(*row) for row in session.execute(query)]

    # -- moving ---------------------------------------------------------------------------

    def move(
        self,
        proposal_id: str,
        source: ProposalState,
        target: ProposalState,
        entry: AuditEntry,
        **changes: Any,
    ) -> Proposal | None:
        source, target = ProposalState(source), ProposalState(target)
        check_move(source, target)
        unknown = sorted(set(changes) - MOVABLE_FIELDS)
        if unknown:
            raise ValueError(
                f"a move cannot change {', '.join(unknown)}: it changes the state and any of "
                f"{', '.join(sorted(MOVABLE_FIELDS))}"
            )
        values = {"updated_at": entry.at} | {
            name: _json(value) if name in _JSON_FIELDS else value for name, value in changes.items()
        }
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            # The conditional update is the decision: of two movers at once, one changes the row.
            moved = session.execute(
                update(IdleProposalRow)
                .where(IdleProposalRow.id == proposal_id, IdleProposalRow.state == source.value)
                .values(state=target.value, **values)
            ).rowcount
            if moved != 1:
                uow.rollback()
                return None
            add_audit_entry(session, _json_entry(entry))
            found = session.execute(_with_message().where(IdleProposalRow.id == proposal_id))
            row = found.one()
            uow.commit()
            return _proposal(*row)

    def mark_reproposed(self, proposal_id: str) -> bool:
        with SqlUnitOfWork(self._sessions) as uow:
            first = uow.session.execute(
                update(IdleProposalRow)
                .where(IdleProposalRow.id == proposal_id, IdleProposalRow.reproposed.is_(False))
                .values(reproposed=True)
            ).rowcount
            uow.commit()
        return first == 1

    def mark_shown(self, proposal_id: str, state: ProposalState) -> None:
        with SqlUnitOfWork(self._sessions) as uow:
            uow.session.execute(
                update(IdleProposalRow)
                .where(IdleProposalRow.id == proposal_id)
                .values(shown_state=str(state))
            )
            uow.commit()

    # -- busy marks and scans -------------------------------------------------------------

    def busy_marks(self) -> dict[str, datetime]:
        query = select(IdleBusyMarkRow.machine, IdleBusyMarkRow.busy_at)
        with self._sessions() as session:
            return {machine: at for machine, at in session.execute(query)}

    def mark_busy(self, machines: Sequence[str], at: datetime) -> None:
        rows = {
            machine_hash(m): {"machine_hash": machine_hash(m), "machine": m, "busy_at": at}
            for m in machines
        }
        if not rows:
            return
        with SqlUnitOfWork(self._sessions) as uow:
            connection = uow.session.connection()
            insert = dialect_insert(connection, IdleBusyMarkRow.__table__)
            table = IdleBusyMarkRow.__table__
            # The latest sighting stays: a slower scanner's older one never moves it back.
            upsert = insert.on_conflict_do_update(
                index_elements=["machine_hash"],
                set_={"busy_at": insert.excluded.busy_at},
                where=table.c.busy_at < insert.excluded.busy_at,
            )
            connection.execute(upsert, [rows[digest] for digest in sorted(rows)])
            uow.commit()

    def record_scan(self, rows: Sequence[Mapping[str, Any]], at: datetime) -> None:
        values = {"id": _LAST_SCAN, "at": at, "rows": [_json(row) for row in rows]}
        with SqlUnitOfWork(self._sessions) as uow:
            connection = uow.session.connection()
            insert = dialect_insert(connection, IdleScanRow.__table__).values(values)
            table = IdleScanRow.__table__
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=["id"],
                    set_={"at": insert.excluded.at, "rows": insert.excluded.rows},
                    where=table.c.at <= insert.excluded.at,
                )
            )
            uow.commit()

    def last_scan(self) -> tuple[datetime, list[dict[str, Any]]] | None:
        with self._sessions() as session:
            row = session.get(IdleScanRow, _LAST_SCAN)
            return (row.at, list(row.rows)) if row is not None else None


def _insert_new(session: Session, proposals: Sequence[NewProposal]) -> set[str]:
    """Insert every proposal whose key is new; the ids this transaction inserted."""
    rows: dict[str, dict[str, Any]] = {}
    for proposal in proposals:  # a key twice in one call: the first proposal of it counts
        rows.setdefault(proposal_key_hash(proposal.key), _new_row(proposal))
    connection = session.connection()
    insert = dialect_insert(connection, IdleProposalRow.__table__)
    # In one order for every scanner: two inserting the same keys in opposite orders would
    # each wait for the other (a deadlock on PostgreSQL). RETURNING names only the rows
    # inserted, not those skipped.
    inserted = connection.execute(
        insert.on_conflict_do_nothing(index_elements=["key_hash"]).returning(
            IdleProposalRow.__table__.c.id
        ),
        [rows[digest] for digest in sorted(rows)],
    )
    return {proposal_id for (proposal_id,) in inserted}


def _new_row(proposal: NewProposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "key_hash": proposal_key_hash(proposal.key),
        "key": proposal.key,
        "controller": proposal.controller,
        "instance_id": proposal.instance_id,
        "state": ProposalState.PROPOSED.value,
        "instance": _json(proposal.instance),
        "verdict": _json(proposal.verdict),
        "hourly_cost": proposal.hourly_cost,
        "currency": proposal.currency,
        "price_source": proposal.price_source,
        "channel": proposal.channel,
        "dry_run": proposal.dry_run,
        "created_at": proposal.created_at,
        "expires_at": proposal.expires_at,
        "updated_at": proposal.created_at,
        "reproposal_of": proposal.reproposal_of,
        "reproposed": False,
        "shown_state": "proposed" if proposal.message else None,
        "undo": {},
    }


def _json(value: Any) -> Any:
    """A value as the JSON columns keep it: Decimal and dates as strings, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _json_entry(entry: AuditEntry) -> AuditEntry:
    before = _json(entry.before) if entry.before is not None else None
    after = _json(entry.after) if entry.after is not None else None
    return dataclasses.replace(entry, before=before, after=after)


def _plain(amount: Decimal | None) -> Decimal | None:
    """3.060000000 as stored, back to 3.06 (and 100 stays 100, not 1E+2)."""
    return None if amount is None else Decimal(format(amount.normalize(), "f"))


def _with_message() -> Select[Any]:
    """Each proposal with where its message was posted, once the outbox has posted it."""
    return select(
        IdleProposalRow, OutboxMessage.status, OutboxMessage.posted_channel, OutboxMessage.posted_ts
    ).outerjoin(OutboxMessage, OutboxMessage.key_hash == IdleProposalRow.key_hash)


def _proposal(
    row: IdleProposalRow, status: str | None, channel: str | None, ts: str | None
) -> Proposal:
    posted = status == "sent"
    return Proposal(
        id=row.id,
        key=row.key,
        controller=row.controller,
        instance_id=row.instance_id,
        state=ProposalState(row.state),
        instance=row.instance or {},
        verdict=row.verdict or {},
        hourly_cost=_plain(row.hourly_cost),
        currency=row.currency,
        price_source=row.price_source,
        channel=row.channel,
        dry_run=row.dry_run,
        created_at=row.created_at,
        expires_at=row.expires_at,
        updated_at=row.updated_at,
        reproposal_of=row.reproposal_of,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        lease_until=row.lease_until,
        keep_reason=row.keep_reason,
        reproposed=row.reproposed,
        shown_state=ProposalState(row.shown_state) if row.shown_state else None,
        result=row.result,
        undo=row.undo or {},
        stopped_at=row.stopped_at,
        started_by=row.started_by,
        started_at=row.started_at,
        message_channel=channel if posted else None,
        message_ts=ts if posted else None,
    )
