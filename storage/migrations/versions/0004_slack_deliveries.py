"""Slack deliveries: one row per delivery taken, so a retried event or command runs once

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_deliveries",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("received_at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_slack_deliveries_received_at", "slack_deliveries", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_deliveries_received_at", table_name="slack_deliveries")
    op.drop_table("slack_deliveries")
