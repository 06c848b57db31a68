"""Idle machines: proposals to stop them (one per idle episode, unique through the hash of
its message's key), when each machine was last seen busy, and the last scan's candidates

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idle_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=2200), nullable=False),
        sa.Column("controller", sa.String(length=200), nullable=False),
        sa.Column("instance_id", sa.String(length=600), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("instance", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.JSON(), nullable=False),
        sa.Column("hourly_cost", storage.types.ExactDecimal(), nullable=True),
        sa.Column("currency", sa.String(length=16), nullable=True),
        sa.Column("price_source", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("reproposal_of", sa.String(length=32), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("lease_until", storage.types.UtcDateTime(), nullable=True),
        sa.Column("keep_reason", sa.Text(), nullable=True),
        sa.Column("reproposed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shown_state", sa.String(16), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("undo", sa.JSON(), nullable=False),
        sa.Column("stopped_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        sa.Column("started_at", storage.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index(
        "ix_idle_proposals_machine_state",
        "idle_proposals",
        ["controller", "instance_id", "state"],
    )
    op.create_table(
        "idle_busy_marks",
        sa.Column("machine_hash", sa.String(length=64), nullable=False),
        sa.Column("machine", sa.String(length=800), nullable=False),
        sa.Column("busy_at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("machine_hash"),
    )
    op.create_table(
        "idle_scans",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    # The proposals go; their messages stay in the outbox and their entries in the audit log.
    op.drop_table("idle_scans")
    op.drop_table("idle_busy_marks")
    op.drop_index("ix_idle_proposals_machine_state", table_name="idle_proposals")
    op.drop_table("idle_proposals")
