"""The store's tables as SQLAlchemy 2 typed models. Schema changes go through Alembic.

Cost is kept as a star: `cost_keys` holds each distinct combination of descriptive fields
(account, service, resource, allocation...) once, and `cost_daily` is a narrow fact table of
(source, day, key) amounts. `cost_rollup_daily` pre-sums the facts per dimension value and
service, so "top projects this month" reads a few hundred rows, not millions.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.allocation import DIMENSIONS
from bot.domain.cost_rows import COST_KEY_FIELD_LENGTHS as _LENGTHS
from bot.domain.cost_rows import DIMENSION_VALUE_LENGTH, PARTITION_CHARS
from bot.domain.shared.rules import METHOD_CHARS, RULE_NAME_CHARS
from storage.types import ExactDecimal, UtcDateTime

# BIGINT ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


# The query dimensions and the key column that holds each.
DIMENSION_COLUMNS: dict[str, str] = {
    "project": "project",
    "team": "team",
    "owner": "owner",
    "model": "model",
    "environment": "environment",
    "service": "service_name",
    "account": "sub_account_name",
    "region": "region",
    "resource": "resource_id",
}
# Dimensions pre-summed in cost_rollup_daily (a resource has too many values to be worth it).
ROLLUP_DIMENSIONS: tuple[str, ...] = tuple(d for d in DIMENSIONS if d != "resource")


class _KeyFields:
    """The descriptive fields of a cost: what it is, where, and whose.

    Their lengths are the domain's (COST_KEY_FIELD_LENGTHS): the sources reject longer values.
    """

    billing_account_id: Mapped[str | None] = mapped_column(String(_LENGTHS["billing_account_id"]))
    billing_account_name: Mapped[str | None] = mapped_column(
        String(_LENGTHS["billing_account_name"])
    )
    sub_account_id: Mapped[str | None] = mapped_column(String(_LENGTHS["sub_account_id"]))
    sub_account_name: Mapped[str | None] = mapped_column(String(_LENGTHS["sub_account_name"]))
    provider: Mapped[str | None] = mapped_column(String(_LENGTHS["provider"]))
    service_name: Mapped[str | None] = mapped_column(String(_LENGTHS["service_name"]))
    service_category: Mapped[str | None] = mapped_column(String(_LENGTHS["service_category"]))
    region: Mapped[str | None] = mapped_column(String(_LENGTHS["region"]))
    resource_id: Mapped[str | None] = mapped_column(String(_LENGTHS["resource_id"]))
    resource_name: Mapped[str | None] = mapped_column(String(_LENGTHS["resource_name"]))
    resource_type: Mapped[str | None] = mapped_column(String(_LENGTHS["resource_type"]))
    charge_category: Mapped[str | None] = mapped_column(String(_LENGTHS["charge_category"]))
    currency: Mapped[str] = mapped_column(String(_LENGTHS["currency"]))
    usage_unit: Mapped[str | None] = mapped_column(String(_LENGTHS["usage_unit"]))
    project: Mapped[str | None] = mapped_column(String(_LENGTHS["project"]))
    team: Mapped[str | None] = mapped_column(String(_LENGTHS["team"]))
    owner: Mapped[str | None] = mapped_column(String(_LENGTHS["owner"]))
    model: Mapped[str | None] = mapped_column(String(_LENGTHS["model"]))
    environment: Mapped[str | None] = mapped_column(String(_LENGTHS["environment"]))
    # The resource's tags as billed, as canonical JSON (keys folded as allocation folds them):
    # what shared-cost rules, the untagged report and the tag policy read.
    tags: Mapped[str | None] = mapped_column(Text)


class _Amounts:
    billed_cost: Mapped[Decimal]
    effective_cost: Mapped[Decimal]
    list_cost: Mapped[Decimal]
    usage_quantity: Mapped[Decimal]


class CostKey(_KeyFields, Base):
    """One distinct combination of descriptive fields, shared by every day it was billed."""

    __tablename__ = "cost_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # A digest of all the fields: NULLs make a unique index over the fields themselves useless.
    key_hash: Mapped[str] = mapped_column(String(32), unique=True)

    __table_args__ = tuple(
        Index(f"ix_cost_keys_{column}", column)
        for column in dict.fromkeys(DIMENSION_COLUMNS.values())
    )


class CostDaily(_Amounts, Base):
    """Cost of one key on one UTC day, from one source."""

    __tablename__ = "cost_daily"

    key_id: Mapped[int] = mapped_column(ForeignKey("cost_keys.id"))
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(64))
    # What an ingest replaces: a billing period of a billing account ("bp:2024-06-01:<digest>"),
    # or the days of one ("days:<digest>"); see cost_rows.
    partition: Mapped[str] = mapped_column(String(PARTITION_CHARS))
    # Which ingest wrote the row. Not a foreign key: runs are never deleted, and the check
    # (a row lock on the run for every fact) was an eighth of a PostgreSQL ingest's time.
    ingest_run_id: Mapped[int] = mapped_column(BigId)

    __table_args__ = (
        # The key leads: "what did these resources cost over these days" is the hot question.
        # PostgreSQL answers it from the primary key's index alone (an index-only scan).
        PrimaryKeyConstraint(
            "key_id",
            "day",
            "source",
            "partition",
            postgresql_include=["billed_cost", "effective_cost"],
        ),
        # What an ingest replaces: a source's billing periods, or its days without one.
        Index("ix_cost_daily_source_partition_day", "source", "partition", "day"),
        # "Data through", and questions over a few days of every key.
        Index("ix_cost_daily_day", "day"),
        # SQLite stores the rows in primary-key order, so one key's days sit together.
        {"sqlite_with_rowid": False},
    )


class CostRollup(Base):
    """Daily cost per (dimension value, service, currency): the fast path for most questions."""

    __tablename__ = "cost_rollup_daily"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    partition: Mapped[str] = mapped_column(String(PARTITION_CHARS))
    day: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(String(DIMENSION_VALUE_LENGTH))  # NULL: unallocated
    service_name: Mapped[str | None] = mapped_column(String(_LENGTHS["service_name"]))
    currency: Mapped[str] = mapped_column(String(_LENGTHS["currency"]))
    billed_cost: Mapped[Decimal]
    effective_cost: Mapped[Decimal]

    __table_args__ = (
        Index("ix_cost_rollup_value_day", "dimension", "value", "day"),
        Index("ix_cost_rollup_dimension_day", "dimension", "day"),
        # What an ingest replaces (as for cost_daily).
        Index("ix_cost_rollup_source_partition_day", "source", "partition", "day"),
    )


class IngestStaging(_Amounts, Base):
    """Daily amounts of an ingest in progress, by key digest; emptied when the ingest publishes.

    Narrow on purpose: each key's descriptive fields are staged once, in ingest_staged_keys.
    """

    __tablename__ = "ingest_staging"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ingest_run_id: Mapped[int] = mapped_column(BigInteger, index=True)
    partition: Mapped[str] = mapped_column(String(PARTITION_CHARS))
    day: Mapped[date] = mapped_column(Date)
    key_hash: Mapped[str] = mapped_column(String(32))


class IngestStagedKey(_KeyFields, Base):
    """Each distinct cost key an ingest in progress has seen; emptied when it publishes."""

    __tablename__ = "ingest_staged_keys"

    ingest_run_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(32), primary_key=True)


class IngestRun(Base):
    """One `costbot ingest` call: what it read, what it rejected, what it replaced."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    seconds: Mapped[Decimal | None]
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    rejections: Mapped[list[Any]] = mapped_column(JSON, default=list)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    days_covered: Mapped[int] = mapped_column(Integer, default=0)
    day_ranges: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cost_basis: Mapped[str] = mapped_column(String(16))
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    replaced: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    null_costs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Days the source called estimated (ISO dates): shown as provisional until restated.
    provisional_days: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(4000))


class DimensionValue(Base):
    """Every value a dimension has ever had: name lookup and suggestions without a table scan."""

    __tablename__ = "dimension_values"

    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(DIMENSION_VALUE_LENGTH), primary_key=True)
    folded: Mapped[str] = mapped_column(String(DIMENSION_VALUE_LENGTH))

    __table_args__ = (Index("ix_dimension_values_folded", "dimension", "folded"),)


class SlackDelivery(Base):
    """A Slack delivery already taken by some replica: the key makes a retry a no-op."""

    __tablename__ = "slack_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class SnapshotUnitRow(Base):
    """The last fingerprint stored of each unit a source offers: an unchanged unit is not read."""

    __tablename__ = "snapshot_units"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    ingest_run_id: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SourceStateRow(Base):
    """How a configured source's runs have gone: what `costbot status` reports."""

    __tablename__ = "source_state"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    last_attempt: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_success: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(4000))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # Rows the last successful run could not read (kept out, recorded in its ingest runs).
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    # Paid API calls in the UTC month `calls_month` ("2026-12").
    api_calls: Mapped[int] = mapped_column(BigInteger, default=0)
    calls_month: Mapped[str | None] = mapped_column(String(7))
    # The failure streak the ops channel was told of (its first failure), if any.
    alerted_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OutboxMessage(Base):
    """A message to post to Slack, written in the same transaction as the change it reports.

    A delivery job claims pending rows one at a time, posts, and marks them sent; the unique
    key makes writing the same message twice a no-op.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Unique through its hash: an alert's message has the alert's key, which may be long.
    key: Mapped[str] = mapped_column(String(2200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(4000))
    blocks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # sending, sent, failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(1000))
    # Where to post instead when the bot cannot post in `channel` (the message then says so).
    fallback_channel: Mapped[str | None] = mapped_column(String(100))
    # An image shown in the message (a digest's chart): uploaded first, then shown by id.
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_title: Mapped[str | None] = mapped_column(String(200))
    file_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Where it was posted in the end, and the message's ts there.
    posted_channel: Mapped[str | None] = mapped_column(String(100))
    posted_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_outbox_status_created", "status", "created_at"),)


class JobClaim(Base):
    """One scheduled run of a job, claimed by the replica that runs it.

    The key (job, slot) lets exactly one replica run each slot; a lease that runs out while
    the row is still `running` means its holder died, and another replica may take it over.
    """

    __tablename__ = "job_claims"

    job: Mapped[str] = mapped_column(String(200), primary_key=True)
    slot: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(4000))


class BudgetRow(Base):
    """A budget set from Slack; the config file's budgets are never stored.

    One row per scope, unique through the hash of its key: a scope value may be 1,024
    characters, past what a unique index takes.
    """

    __tablename__ = "budgets"

    scope_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(1100))  # BudgetScope.key()
    dimension: Mapped[str | None] = mapped_column(String(32))  # None for all cost
    value: Mapped[str | None] = mapped_column(String(DIMENSION_VALUE_LENGTH))
    amount: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = mapped_column(String(_LENGTHS["currency"]))
    period: Mapped[str] = mapped_column(String(16))
    thresholds: Mapped[list[Any]] = mapped_column(JSON)
    channel: Mapped[str | None] = mapped_column(String(100))
    mentions: Mapped[list[Any]] = mapped_column(JSON)
    floor: Mapped[Decimal | None] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditRow(Base):
    """One change: who, when, what, and the state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(2200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_log_subject_at", "subject", "at"),)


class AlertRow(Base):
    """An alert claimed once: its key is unique through its hash (keys hold scope values of up
    to 1,024 characters, past what a unique index takes). Its message, when it has one, is the
    outbox row with the same key."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[str] = mapped_column(String(2200))
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(1100))
    state: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(100))
    day: Mapped[date | None] = mapped_column(Date)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_alerts_day_kind", "day", "kind"),)


class AlertStateRow(Base):
    """What one evaluation leaves for the next (the anomaly cursor, open episodes), by name."""

    __tablename__ = "alert_state"

    name: Mapped[str] = mapped_column(String(1200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertSnoozeRow(Base):
    """A scope whose alerts are silenced until `until`."""

    __tablename__ = "alert_snoozes"

    scope: Mapped[str] = mapped_column(String(1100), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdleProposalRow(Base):
    """A proposal to stop one idle machine, and everything that happened to it since.

    Unique by its idle episode through `key_hash`, the sha256 of its message's outbox key
    (`idle:` + key): the same as that outbox row's `key_hash`, which is how the proposal finds
    where its message was posted. Every state change is one conditional UPDATE on `state`.
    """

    __tablename__ = "idle_proposals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # opaque: what buttons carry
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[str] = mapped_column(String(2200))
    controller: Mapped[str] = mapped_column(String(200))
    instance_id: Mapped[str] = mapped_column(String(600))  # i-0abc..., or namespace/kind/name
    state: Mapped[str] = mapped_column(String(16))
    instance: Mapped[dict[str, Any]] = mapped_column(JSON)
    verdict: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Exact on SQLite too (a plain NUMERIC there is a float): the saving is money.
    hourly_cost: Mapped[Decimal | None] = mapped_column()
    currency: Mapped[str | None] = mapped_column(String(_LENGTHS["currency"]))
    price_source: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(100))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reproposal_of: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    keep_reason: Mapped[str | None] = mapped_column(Text)
    reproposed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The state its Slack message last showed: a scan rewrites a message that is behind.
    shown_state: Mapped[str | None] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(Text)
    undo: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    started_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_idle_proposals_machine_state", "controller", "instance_id", "state"),
    )


class IdleBusyMarkRow(Base):
    """When a machine (`controller/instance_id`) was last seen busy: an idle episode starts
    after it. Keyed by the hash of the name, which may pass what a unique index takes."""

    __tablename__ = "idle_busy_marks"

    machine_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    machine: Mapped[str] = mapped_column(String(800))
    busy_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdleScanRow(Base):
    """The last scan's candidates, for `/cost idle`: one row, replaced by each newer scan."""

    __tablename__ = "idle_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    rows: Mapped[list[Any]] = mapped_column(JSON)


class SharedCostRow(Base):
    """One line of a shared-cost split (bot.domain.shared.split): cost leaving where it was
    billed (`out`, negative), a receiver's share (`in`), or cost kept where it was because no
    receiver qualified that day (`kept`, never added to sums). Made again, never edited."""

    __tablename__ = "cost_shared_daily"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(String(DIMENSION_VALUE_LENGTH))
    origin: Mapped[str | None] = mapped_column(String(DIMENSION_VALUE_LENGTH))
    service_name: Mapped[str | None] = mapped_column(String(_LENGTHS["service_name"]))
    currency: Mapped[str] = mapped_column(String(_LENGTHS["currency"]))
    billed_cost: Mapped[Decimal]
    effective_cost: Mapped[Decimal]
    rule: Mapped[str] = mapped_column(String(RULE_NAME_CHARS))
    method: Mapped[str] = mapped_column(String(METHOD_CHARS))
    role: Mapped[str] = mapped_column(String(8))

    __table_args__ = (
        # PostgreSQL answers a value's split from the index alone (as cost_daily's key does).
        Index(
            "ix_cost_shared_value_day",
            "dimension",
            "value",
            "day",
            postgresql_include=[
                "role",
                "rule",
                "method",
                "origin",
                "service_name",
                "currency",
                "billed_cost",
                "effective_cost",
            ],
        ),
        Index("ix_cost_shared_day", "day"),
        # What one value gave to each receiver (the IN rows of one origin), as a stopped
        # machine's saving is split: without it such a read filters every row of its days.
        Index("ix_cost_shared_origin_day", "dimension", "origin", "day"),
    )


class AllocationStateRow(Base):
    """The rules the stored split was made with (a digest) and a counter moved by every
    re-split, which answers' cache keys include. One row."""

    __tablename__ = "allocation_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
