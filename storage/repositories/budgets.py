"""Budgets set from Slack, and the audit log every change is written to with it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.budget_records import budget_from_record, budget_record
from bot.domain.budgets import Budget, BudgetScope
from bot.services.alert_ports import AuditEntry, StoredBudget
from storage.models import AuditRow, BudgetRow
from storage.uow import SqlUnitOfWork


class SqlBudgetStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def stored_budgets(self) -> list[StoredBudget]:
        with self._sessions() as session:
            rows = session.scalars(select(BudgetRow).order_by(BudgetRow.scope)).all()
            return [_stored(row) for row in rows]

    def put_budget(self, budget: Budget, entry: AuditEntry) -> StoredBudget | None:
        key = budget.scope.key()
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            # The scope's lock: two editors at once each see the other's write as `before`.
            uow.lock(f"budget:{key}")
            row = session.get(BudgetRow, key)
            replaced = _stored(row) if row is not None else None
            record = budget_record(budget)
            if row is None:
                session.add(
                    BudgetRow(scope=key, record=record, updated_by=entry.actor, updated_at=entry.at)
                )
            else:
                row.record, row.updated_by, row.updated_at = record, entry.actor, entry.at
            before = budget_record(replaced.budget) if replaced else None
            _audit(session, entry, before=before, after=record)
            uow.commit()
        return replaced

    def remove_budget(self, scope: BudgetScope, entry: AuditEntry) -> StoredBudget | None:
        key = scope.key()
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            uow.lock(f"budget:{key}")
            row = session.get(BudgetRow, key)
            if row is None:
                return None
            removed = _stored(row)
            session.delete(row)
            _audit(session, entry, before=budget_record(removed.budget), after=None)
            uow.commit()
        return removed

    def audit_log(self, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        with self._sessions() as session:
            return [
                AuditEntry(row.actor, row.action, row.subject, row.at, row.before, row.after)
                for row in session.scalars(query)
            ]


def add_audit_entry(session: Session, entry: AuditEntry) -> None:
    """Write `entry` in the caller's transaction."""
    _audit(session, entry, before=entry.before, after=entry.after)


def _audit(session: Session, entry: AuditEntry, *, before, after) -> None:
    session.add(
        AuditRow(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
        )
    )


def _stored(row: BudgetRow) -> StoredBudget:
    return StoredBudget(budget_from_record(row.record), row.updated_by, row.updated_at)
