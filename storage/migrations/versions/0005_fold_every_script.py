"""Dimension values folded in every script: SQLite's lower() had folded ASCII only

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The store's engine gives SQLite a lower() that folds every script (storage/db.py), so
    # "Équipe" is found as "équipe" on both databases; PostgreSQL's lower() already did.
    op.execute("UPDATE dimension_values SET folded = lower(value)")


def downgrade() -> None:
    """Nothing to undo: the folded names are only ever compared, never shown."""
