"""Initial store: cost keys, daily facts, rollups, ingest runs and staging, dimension values

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cost_keys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
        sa.Column("billing_account_id", sa.String(length=256), nullable=True),
        sa.Column("billing_account_name", sa.String(length=256), nullable=True),
        sa.Column("sub_account_id", sa.String(length=256), nullable=True),
        sa.Column("sub_account_name", sa.String(length=256), nullable=True),
        sa.Column("provider", sa.String(length=128), nullable=True),
        sa.Column("service_name", sa.String(length=256), nullable=True),
        sa.Column("service_category", sa.String(length=128), nullable=True),
        sa.Column("region", sa.String(length=128), nullable=True),
        sa.Column("resource_id", sa.String(length=1024), nullable=True),
        sa.Column("resource_name", sa.String(length=1024), nullable=True),
        sa.Column("resource_type", sa.String(length=256), nullable=True),
        sa.Column("charge_category", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("usage_unit", sa.String(length=128), nullable=True),
        sa.Column("project", sa.String(length=256), nullable=True),
        sa.Column("team", sa.String(length=256), nullable=True),
        sa.Column("owner", sa.String(length=256), nullable=True),
        sa.Column("model", sa.String(length=256), nullable=True),
        sa.Column("environment", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("cost_keys", schema=None) as batch_op:
        batch_op.create_index("ix_cost_keys_environment", ["environment"], unique=False)
        batch_op.create_index("ix_cost_keys_model", ["model"], unique=False)
        batch_op.create_index("ix_cost_keys_owner", ["owner"], unique=False)
        batch_op.create_index("ix_cost_keys_project", ["project"], unique=False)
        batch_op.create_index("ix_cost_keys_region", ["region"], unique=False)
        batch_op.create_index("ix_cost_keys_resource_id", ["resource_id"], unique=False)
        batch_op.create_index("ix_cost_keys_service_name", ["service_name"], unique=False)
        batch_op.create_index("ix_cost_keys_sub_account_name", ["sub_account_name"], unique=False)
        batch_op.create_index("ix_cost_keys_team", ["team"], unique=False)

    op.create_table(
        "cost_rollup_daily",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("partition", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1024), nullable=True),
        sa.Column("service_name", sa.String(length=256), nullable=True),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("billed_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False),
        sa.Column(
            "effective_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cost_rollup_daily", schema=None) as batch_op:
        batch_op.create_index("ix_cost_rollup_dimension_day", ["dimension", "day"], unique=False)
        batch_op.create_index("ix_cost_rollup_source_day", ["source", "day"], unique=False)
        batch_op.create_index(
            "ix_cost_rollup_source_partition", ["source", "partition"], unique=False
        )
        batch_op.create_index(
            "ix_cost_rollup_value_day", ["dimension", "value", "day"], unique=False
        )

    op.create_table(
        "dimension_values",
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=1024), nullable=False),
        sa.Column("folded", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "value"),
    )
    with op.batch_alter_table("dimension_values", schema=None) as batch_op:
        batch_op.create_index("ix_dimension_values_folded", ["dimension", "folded"], unique=False)

    op.create_table(
        "ingest_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("seconds", storage.types.ExactDecimal(precision=38, scale=9), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column("rejections", sa.JSON(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("days_covered", sa.Integer(), nullable=False),
        sa.Column("day_ranges", sa.JSON(), nullable=False),
        sa.Column("cost_basis", sa.String(length=16), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=4000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_runs_source"), ["source"], unique=False)

    op.create_table(
        "ingest_staging",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ingest_run_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("partition", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
        sa.Column("billing_account_id", sa.String(length=256), nullable=True),
        sa.Column("billing_account_name", sa.String(length=256), nullable=True),
        sa.Column("sub_account_id", sa.String(length=256), nullable=True),
        sa.Column("sub_account_name", sa.String(length=256), nullable=True),
        sa.Column("provider", sa.String(length=128), nullable=True),
        sa.Column("service_name", sa.String(length=256), nullable=True),
        sa.Column("service_category", sa.String(length=128), nullable=True),
        sa.Column("region", sa.String(length=128), nullable=True),
        sa.Column("resource_id", sa.String(length=1024), nullable=True),
        sa.Column("resource_name", sa.String(length=1024), nullable=True),
        sa.Column("resource_type", sa.String(length=256), nullable=True),
        sa.Column("charge_category", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("usage_unit", sa.String(length=128), nullable=True),
        sa.Column("project", sa.String(length=256), nullable=True),
        sa.Column("team", sa.String(length=256), nullable=True),
        sa.Column("owner", sa.String(length=256), nullable=True),
        sa.Column("model", sa.String(length=256), nullable=True),
        sa.Column("environment", sa.String(length=256), nullable=True),
        sa.Column("billed_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False),
        sa.Column(
            "effective_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False
        ),
        sa.Column("list_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False),
        sa.Column(
            "usage_quantity", storage.types.ExactDecimal(precision=38, scale=9), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingest_staging", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ingest_staging_ingest_run_id"), ["ingest_run_id"], unique=False
        )

    op.create_table(
        "cost_daily",
        sa.Column("key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("partition", sa.String(length=16), nullable=False),
        sa.Column(
            "ingest_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("billed_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False),
        sa.Column(
            "effective_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False
        ),
        sa.Column("list_cost", storage.types.ExactDecimal(precision=38, scale=9), nullable=False),
        sa.Column(
            "usage_quantity", storage.types.ExactDecimal(precision=38, scale=9), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["ingest_run_id"],
            ["ingest_runs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["cost_keys.id"],
        ),
        sa.PrimaryKeyConstraint("key_id", "day", "source", "partition"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("cost_daily", schema=None) as batch_op:
        batch_op.create_index("ix_cost_daily_day", ["day"], unique=False)
        batch_op.create_index("ix_cost_daily_source_day", ["source", "day"], unique=False)
        batch_op.create_index(
            "ix_cost_daily_source_partition", ["source", "partition"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Per-key sums from the index alone; SQLite's table is clustered by key instead.
        op.create_index(
            "ix_cost_daily_key_day_amounts",
            "cost_daily",
            ["key_id", "day"],
            postgresql_include=["billed_cost", "effective_cost"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_cost_daily_key_day_amounts", table_name="cost_daily")
    with op.batch_alter_table("cost_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_cost_daily_source_partition")
        batch_op.drop_index("ix_cost_daily_source_day")
        batch_op.drop_index("ix_cost_daily_day")

    op.drop_table("cost_daily")
    with op.batch_alter_table("ingest_staging", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_staging_ingest_run_id"))

    op.drop_table("ingest_staging")
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_runs_source"))

    op.drop_table("ingest_runs")
    with op.batch_alter_table("dimension_values", schema=None) as batch_op:
        batch_op.drop_index("ix_dimension_values_folded")

    op.drop_table("dimension_values")
    with op.batch_alter_table("cost_rollup_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_cost_rollup_value_day")
        batch_op.drop_index("ix_cost_rollup_source_partition")
        batch_op.drop_index("ix_cost_rollup_source_day")
        batch_op.drop_index("ix_cost_rollup_dimension_day")

    op.drop_table("cost_rollup_daily")
    with op.batch_alter_table("cost_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_cost_keys_team")
        batch_op.drop_index("ix_cost_keys_sub_account_name")
        batch_op.drop_index("ix_cost_keys_service_name")
        batch_op.drop_index("ix_cost_keys_resource_id")
        batch_op.drop_index("ix_cost_keys_region")
        batch_op.drop_index("ix_cost_keys_project")
        batch_op.drop_index("ix_cost_keys_owner")
        batch_op.drop_index("ix_cost_keys_model")
        batch_op.drop_index("ix_cost_keys_environment")

    op.drop_table("cost_keys")
