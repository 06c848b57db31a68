"""Budgets set from Slack, and the audit log every change is written to with it."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.budget_records import budget_from_record, budget_record
from bot.domain.budgets import Budget, BudgetScope
from bot.services.alert_ports import AuditEntry, StoredBudget
from storage.models import AuditRow, BudgetRow
from storage.repositories.audit import SqlAuditLog
from storage.uow import SqlUnitOfWork


class SqlBudgetStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def stored_budgets(self) -> list[StoredBudget]:
        """Every stored budget; a row that no longer makes a budget raises BudgetError."""
        with self._sessions() as session:
            rows = session.scalars(select(BudgetRow).order_by(BudgetRow.scope)).all()
            return [_stored(row) for row in rows]

    def put_budget(self, budget: Budget, entry: AuditEntry) -> StoredBudget | None:
        key = budget.scope.key()
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            # The scope's lock, then the row read under it: of two editors at once, the second
            # audits the first one's budget as `before`, never a stale one.
            uow.lock(f"budget:{key}")
            row = session.get(BudgetRow, scope_hash(key), with_for_update=True)
            replaced = _stored(row) if row is not None else None
            if row is None:
                row = BudgetRow(scope_hash=scope_hash(key))
                session.add(row)
            for name, value in _columns(budget).items():
                setattr(row, name, value)
            row.updated_by, row.updated_at = entry.actor, entry.at
            before = budget_record(replaced.budget) if replaced else None
            _audit(session, entry, before=before, after=budget_record(budget))
            uow.commit()
        return replaced

    def remove_budget(self, scope: BudgetScope, entry: AuditEntry) -> StoredBudget | None:
        key = scope.key()
        with SqlUnitOfWork(self._sessions) as uow:
            session = uow.session
            uow.lock(f"budget:{key}")
            row = session.get(BudgetRow, scope_hash(key), with_for_update=True)
            if row is None:
                return None
            removed = _stored(row)
            session.delete(row)
            _audit(session, entry, before=budget_record(removed.budget), after=None)
            uow.commit()
        return removed

    def audit_log(
        self, subject: str | None = None, limit: int = 100, *, prefix: str | None = None
    ) -> list[AuditEntry]:
        return SqlAuditLog(self._sessions).audit_log(subject, limit, prefix=prefix)


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


def scope_hash(key: str) -> str:
    """The budget row's key: sha256 of the scope key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _columns(budget: Budget) -> dict[str, Any]:
    """The row's columns, from the one budget <-> record mapping (amounts back to Decimal)."""
    record = budget_record(budget)
    return {
        "scope": record["scope"],
        "dimension": record["dimension"],
        "value": record["value"],
        "amount": budget.amount,
        "currency": record["currency"],
        "period": record["period"],
        "thresholds": record["thresholds"],
        "channel": record["channel"],
        "mentions": record["mentions"],
        "floor": budget.floor,
    }


def _plain(amount: Decimal) -> str:
    """5000.100000000 as stored, back to 5000.1: exact, without the store's padding."""
    text = format(amount.normalize(), "f")
    return text


def _stored(row: BudgetRow) -> StoredBudget:
    record = {
        "dimension": row.dimension,
        "value": row.value,
        "amount": _plain(row.amount),
        "currency": row.currency,
        "period": row.period,
        "thresholds": row.thresholds,
        "channel": row.channel,
        "mentions": row.mentions,
        "floor": None if row.floor is None else _plain(row.floor),
    }
    return StoredBudget(budget_from_record(record), row.updated_by, row.updated_at)
