"""Budgets set from Slack, the audit log, alerts claimed once, their state and snoozes; the
outbox learns fallback channels, images and where a message was posted, and its keys (an
alert's key) may be long: they are unique through their hash

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OUTBOX_COLUMNS = (
    ("fallback_channel", sa.String(length=100)),
    ("file_name", sa.String(length=200)),
    ("file_title", sa.String(length=200)),
    ("file_content", sa.LargeBinary()),
    ("posted_channel", sa.String(length=100)),
    ("posted_ts", sa.String(length=32)),
)


# 0007 left the unique key of `outbox.key` unnamed: PostgreSQL calls it outbox_key_key, and
# on SQLite the batch copy names what it reflects by this convention.
_NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}
_OUTBOX_KEY_UNIQUE = "outbox_key_key"


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("scope_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=1100), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=True),
        sa.Column("value", sa.String(length=1024), nullable=True),
        sa.Column("amount", storage.types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("floor", storage.types.ExactDecimal(), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope_hash"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, nullable=False),
        sa.Column("at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=2200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_subject_at", "audit_log", ["subject", "at"])
    op.create_table(
        "alerts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=2200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=1100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledged_at", storage.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index("ix_alerts_day_kind", "alerts", ["day", "kind"])
    op.create_table(
        "alert_state",
        sa.Column("name", sa.String(length=1200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "alert_snoozes",
        sa.Column("scope", sa.String(length=1100), nullable=False),
        sa.Column("until", storage.types.UtcDateTime(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    with op.batch_alter_table("outbox") as batch:
        for name, kind in _OUTBOX_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.add_column(sa.Column("key_hash", sa.String(length=64), nullable=True))
    _fill_key_hashes()
    with op.batch_alter_table("outbox", naming_convention=_NAMING) as batch:
        batch.drop_constraint(_OUTBOX_KEY_UNIQUE, type_="unique")
        batch.alter_column("key", type_=sa.String(length=2200), existing_nullable=False)
        batch.alter_column("key_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("outbox_key_hash_key", ["key_hash"])


def _fill_key_hashes() -> None:
    outbox = sa.table("outbox", sa.column("id"), sa.column("key"), sa.column("key_hash"))
    connection = op.get_bind()
    for row_id, key in connection.execute(sa.select(outbox.c.id, outbox.c.key)).all():
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        connection.execute(outbox.update().where(outbox.c.id == row_id).values(key_hash=digest))


def downgrade() -> None:
    # Keys past 200 characters (alerts' messages) cannot go back: those rows are dropped.
    outbox = sa.table("outbox", sa.column("key"))
    op.execute(outbox.delete().where(sa.func.length(outbox.c.key) > 200))
    with op.batch_alter_table("outbox", naming_convention=_NAMING) as batch:
        batch.drop_constraint("outbox_key_hash_key", type_="unique")
        batch.drop_column("key_hash")
        batch.alter_column("key", type_=sa.String(length=200), existing_nullable=False)
        batch.create_unique_constraint(_OUTBOX_KEY_UNIQUE, ["key"])
        for name, _kind in reversed(_OUTBOX_COLUMNS):
            batch.drop_column(name)
    op.drop_table("alert_snoozes")
    op.drop_table("alert_state")
    op.drop_index("ix_alerts_day_kind", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_audit_log_subject_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("budgets")
