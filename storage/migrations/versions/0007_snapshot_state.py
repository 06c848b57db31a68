"""Snapshots: unit fingerprints, source health, the outbox, and provisional days of a run

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_units",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("unit_key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("ingest_run_id", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "unit_key"),
    )
    op.create_table(
        "source_state",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("last_attempt", storage.types.UtcDateTime(), nullable=True),
        sa.Column("last_success", storage.types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=4000), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column("api_calls", sa.BigInteger(), nullable=False),
        sa.Column("calls_month", sa.String(length=7), nullable=True),
        sa.Column("alerted_since", storage.types.UtcDateTime(), nullable=True),
        sa.Column("failing_since", storage.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("claimed_until", storage.types.UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_outbox_status_created", "outbox", ["status", "created_at"])
    with op.batch_alter_table("ingest_runs") as batch:
        batch.add_column(
            sa.Column("provisional_days", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("ingest_runs") as batch:
        batch.drop_column("provisional_days")
    op.drop_index("ix_outbox_status_created", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("source_state")
    op.drop_table("snapshot_units")
