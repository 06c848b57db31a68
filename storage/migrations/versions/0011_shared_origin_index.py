"""Shared cost: an index on the split by origin, for what one value gave to each receiver

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-17
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_cost_shared_origin_day", "cost_shared_daily", ["dimension", "origin", "day"]
    )


def downgrade() -> None:
    op.drop_index("ix_cost_shared_origin_day", table_name="cost_shared_daily")
