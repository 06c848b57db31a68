"""Job claims: one row per scheduled run, so each slot of a job runs once across replicas

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_claims",
        sa.Column("job", sa.String(length=200), nullable=False),
        sa.Column("slot", storage.types.UtcDateTime(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("lease_until", storage.types.UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("finished_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=4000), nullable=True),
        sa.PrimaryKeyConstraint("job", "slot"),
    )


def downgrade() -> None:
    op.drop_table("job_claims")
