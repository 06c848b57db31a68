"""Shared cost: the stored split of shared cost by rule, the rules it was made with, and each
cost key's tags as billed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch would re-create cost_keys on SQLite, which
    # cost_daily's foreign key refers to.
    op.add_column("cost_keys", sa.Column("tags", sa.Text(), nullable=True))
    op.add_column("ingest_staged_keys", sa.Column("tags", sa.Text(), nullable=True))
    op.create_table(
        "cost_shared_daily",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1024), nullable=True),
        sa.Column("origin", sa.String(length=1024), nullable=True),
        sa.Column("service_name", sa.String(length=256), nullable=True),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("billed_cost", storage.types.ExactDecimal(), nullable=False),
        sa.Column("effective_cost", storage.types.ExactDecimal(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_cost_shared_value_day",
        "cost_shared_daily",
        ["dimension", "value", "day"],
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
    )
    op.create_index("ix_cost_shared_day", "cost_shared_daily", ["day"])
    op.create_table(
        "allocation_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("allocation_state")
    op.drop_index("ix_cost_shared_day", table_name="cost_shared_daily")
    op.drop_index("ix_cost_shared_value_day", table_name="cost_shared_daily")
    op.drop_table("cost_shared_daily")
    # SQLite drops a column in place since 3.35 (Python 3.11 ships a later one).
    op.drop_column("ingest_staged_keys", "tags")
    op.drop_column("cost_keys", "tags")
