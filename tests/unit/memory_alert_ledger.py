"""The AlertLedger and BudgetStore ports in memory, for unit tests of the alert service's logic.

The real ledger (SQLite and PostgreSQL) is exercised by the integration and e2e tests; this one
keeps the same contract: a key is claimed once, state and claims land together, snoozes and
acknowledgements as the port describes.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.services.alert_ports import (
    AlertClaim,
    AlertKind,
    AlertRecord,
    AlertState,
    AuditEntry,
    StoredBudget,
)
from bot.services.snapshot_state import OutboxItem


class MemoryAlertLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.alerts: dict[str, AlertRecord] = {}
        self.outbox: list[OutboxItem] = []
        self.state: dict[str, Any] = {}
        self.snoozed: dict[str, datetime] = {}
        self.audit: list[AuditEntry] = []

    def records(self, since: date, kinds: Sequence[AlertKind] = ()) -> list[AlertRecord]:
        with self._lock:
            return [
                r
                for r in self.alerts.values()
                if r.day is not None and r.day >= since and (not kinds or r.kind in kinds)
            ]

    def record(self, key: str) -> AlertRecord | None:
        return self.alerts.get(key)

    def evaluation_state(self) -> dict[str, Any]:
        return dict(self.state)

    def commit_evaluation(
        self, claims: Sequence[AlertClaim], state: Mapping[str, Any | None], at: datetime
    ) -> set[str]:
        with self._lock:
            claimed = set()
            for claim in claims:
                if claim.key in self.alerts:
                    continue
                self.alerts[claim.key] = AlertRecord(
                    claim.key,
                    claim.kind,
                    claim.scope,
                    claim.state,
                    claim.channel,
                    claim.day,
                    dict(claim.detail),
                    at,
                )
                if claim.message is not None:
                    self.outbox.append(claim.message)
                claimed.add(claim.key)
            for name, value in state.items():
                if value is None:
                    self.state.pop(name, None)
                else:
                    self.state[name] = value
            return claimed

    def mark_posted(self, key: str) -> None:
        self.alerts[key] = replace(self.alerts[key], state=AlertState.POSTED)

    def snoozes(self, at: datetime) -> dict[str, datetime]:
        return {scope: until for scope, until in self.snoozed.items() if until > at}

    def snooze(self, scope: str, until: datetime, entry: AuditEntry) -> None:
        self.snoozed[scope] = until
        self.audit.append(entry)

    def acknowledge(self, key: str, entry: AuditEntry) -> AlertRecord | None:
        with self._lock:
            record = self.alerts.get(key)
            if record is None or record.acknowledged_by is not None:
                return record
            record = replace(record, acknowledged_by=entry.actor, acknowledged_at=entry.at)
            self.alerts[key] = record
            self.audit.append(entry)
            return record


class NoStoredBudgets:
    """A BudgetStore with no Slack budgets: the config's budgets are all there are."""

    def stored_budgets(self) -> list[StoredBudget]:
        return []

    def put_budget(self, budget, entry):  # pragma: no cover - the alert tests set no budget
        raise NotImplementedError

    def remove_budget(self, scope, entry):  # pragma: no cover
        raise NotImplementedError

    def audit_log(self, subject=None, limit=100) -> list[AuditEntry]:
        return []
