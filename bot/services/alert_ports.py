"""The ports budgets, alerts and digests keep their state through, and what they read of Slack.

- `BudgetStore`: budgets set from Slack, and the audit log every change is written to.
- `AlertLedger`: every alert claimed (its key unique: posted at most once), the evaluation's
  own state (anomaly cursor and open episodes), snoozes and acknowledgements.
- `ChannelDirectory` and `UserGroups`: Slack's channels and user groups, read and cached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.domain.budgets import Budget, BudgetScope
from bot.services.snapshot_state import OutboxItem

# Who made a change that no Slack user made.
CLI_ACTOR = "cli"


@dataclass(frozen=True)
class AuditEntry:
    """One change, as the audit log keeps it: who, when, what, before and after."""

    actor: str  # a Slack user id, or CLI_ACTOR
    action: str  # budget.set, budget.delete, alert.snooze, alert.acknowledge, ...
    subject: str  # the budget's scope key, or the alert's key
    at: datetime
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class StoredBudget:
    """A budget set from Slack, and who set it last."""

    budget: Budget
    updated_by: str
    updated_at: datetime


class BudgetStore(Protocol):
    def stored_budgets(self) -> list[StoredBudget]:
        """Every budget set from Slack, in scope-key order."""
        ...

    def put_budget(self, budget: Budget, entry: AuditEntry) -> StoredBudget | None:
        """Create or replace the budget of `budget.scope`, writing `entry` to the audit log in
        the same transaction; return the budget it replaced, if any."""
        ...

    def remove_budget(self, scope: BudgetScope, entry: AuditEntry) -> StoredBudget | None:
        """Delete the scope's budget and audit it in one transaction; return what was deleted
        (None, and nothing audited, when there was none)."""
        ...

    def audit_log(self, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The latest audit entries (of one subject), newest first."""
        ...


class AlertKind(StrEnum):
    THRESHOLD = "threshold"
    FORECAST = "forecast"
    ANOMALY = "anomaly"
    DIGEST = "digest"
    SUMMARY = "summary"  # one message for a channel's alerts past `max_per_channel`


class AlertState(StrEnum):
    """What became of a claimed alert."""

    PENDING = "pending"  # its message waits in the outbox, or is being posted
    POSTED = "posted"
    SUMMARISED = "summarised"  # told inside its channel's summary message
    SNOOZED = "snoozed"  # claimed while its scope was snoozed: recorded, never posted
    COVERED = "covered"  # a lower threshold reached together with a higher one
    FAILED = "failed"  # the outbox gave up posting it


@dataclass(frozen=True)
class AlertClaim:
    """An alert to claim; its message (when it has one) is posted once if the claim is new."""

    key: str
    kind: AlertKind
    scope: str  # the scope key: "project=fraud-detection", "service=Amazon EC2", "all"
    state: AlertState  # PENDING (with a message), SNOOZED, COVERED or SUMMARISED
    channel: str | None = None
    # The budget period's first day, or the anomaly's or digest's day: what `records` reads by.
    day: date | None = None
    # What later evaluations and buttons need: threshold, projection, amounts, episode ...
    detail: Mapping[str, Any] = field(default_factory=dict)
    message: OutboxItem | None = None


@dataclass(frozen=True)
class AlertRecord:
    """A claimed alert as stored, with what became of it."""

    key: str
    kind: AlertKind
    scope: str
    state: AlertState  # PENDING and POSTED follow the outbox row of its message
    channel: str | None
    day: date | None
    detail: Mapping[str, Any]
    created_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class AlertLedger(Protocol):
    def records(self, since: date, kinds: Sequence[AlertKind] = ()) -> list[AlertRecord]:
        """Claimed alerts whose `day` is `since` or later (of the given kinds; all if none)."""
        ...

    def record(self, key: str) -> AlertRecord | None: ...

    def evaluation_state(self) -> dict[str, Any]:
        """What the previous evaluation left (JSON values by name), e.g. the anomaly cursor."""
        ...

    def commit_evaluation(
        self, claims: Sequence[AlertClaim], state: Mapping[str, Any | None], at: datetime
    ) -> set[str]:
        """In one transaction: insert each claim whose key is new, with its message in the
        outbox, and upsert `state` (None deletes a name); return the keys this call claimed.

        Two evaluators at once (threads, processes, replicas on PostgreSQL) never both claim a
        key: exactly one gets it, the other finds it claimed.
        """
        ...

    def snoozes(self, at: datetime) -> dict[str, datetime]:
        """Scope key -> the end of its snooze, for snoozes not over at `at`."""
        ...

    def snooze(self, scope: str, until: datetime, entry: AuditEntry) -> None:
        """Silence a scope's alerts until `until` (a later snooze replaces it), audited."""
        ...

    def acknowledge(self, key: str, entry: AuditEntry) -> AlertRecord | None:
        """Record who acknowledged the alert, once (a second acknowledgement keeps the first);
        audited when it is the first. None when no alert has that key."""
        ...


@dataclass(frozen=True)
class ChannelRef:
    id: str
    name: str
    is_member: bool  # the bot is in the channel and can post there


class ChannelDirectory(Protocol):
    def resolve(self, channel: str) -> ChannelRef | None:
        """The channel named `#name`, `name` or its id; None when Slack has no such channel.

        Names are resolved once with `conversations.list` and cached."""
        ...


class UserGroups(Protocol):
    def groups_of(self, user_id: str, groups: Sequence[str]) -> set[str]:
        """Which of the user-group ids `groups` the user belongs to (cached for a while)."""
        ...
