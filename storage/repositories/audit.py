"""The audit log as read back: the latest entries of one subject, or of one kind of action."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.alert_ports import AuditEntry
from storage.models import AuditRow


class SqlAuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def audit_log(
        self, subject: str | None = None, limit: int = 100, *, prefix: str | None = None
    ) -> list[AuditEntry]:
        """Newest first; `prefix` keeps the actions that start with it (`idle.` is every
        idle-machine entry), taken literally: a `%` or `_` in it matches only itself."""
        query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        if prefix is not None:
            query = query.where(AuditRow.action.startswith(prefix, autoescape=True))
        with self._sessions() as session:
            return [
                AuditEntry(row.actor, row.action, row.subject, row.at, row.before, row.after)
                for row in session.scalars(query)
            ]
