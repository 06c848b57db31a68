"""Leaner ingest: narrow staging, each key staged once, fewer indexes to maintain

Staging holds only an ingest in progress and is emptied when it publishes, so the old table is
dropped and recreated rather than altered (and on PostgreSQL it is UNLOGGED: nothing in it
needs to survive a crash). The (source, partition) and (source, day) indexes become one
(source, partition, day) index that serves both kinds of replacement. On PostgreSQL the
primary key of cost_daily carries the amounts (INCLUDE), replacing the covering index. The
facts' foreign key to ingest_runs goes: it locked the run row once per fact written.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money(name: str) -> sa.Column:
    return sa.Column(name, storage.types.ExactDecimal(precision=38, scale=9), nullable=False)


def _amounts() -> list[sa.Column]:
    return [_money(n) for n in ("billed_cost", "effective_cost", "list_cost", "usage_quantity")]


def _key_fields() -> list[sa.Column]:
    return [
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
    ]


def _create_staging(*, wide: bool) -> None:
    columns = [
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("ingest_run_id", sa.BigInteger(), nullable=False),
    ]
    if wide:
        columns.append(sa.Column("source", sa.String(length=64), nullable=False))
    columns += [
        sa.Column("partition", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
    ]
    if wide:
        columns += _key_fields()
    op.create_table(
        "ingest_staging",
        *columns,
        *_amounts(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ingest_staging_ingest_run_id", "ingest_staging", ["ingest_run_id"], unique=False
    )


_FACT_KEY = "key_id, day, source, partition"
_RUN_FOREIGN_KEY = "fk_cost_daily_ingest_run_id_ingest_runs"
# SQLite's constraints are unnamed: batch mode names them by this convention to find them.
_NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
# Batch mode rebuilds the table on SQLite, and reflection does not see WITHOUT ROWID.
_FACTS_TABLE_KWARGS = {"sqlite_with_rowid": False}
_REPLACEMENT_INDEXES = {
    "cost_daily": "ix_cost_daily",
    "cost_rollup_daily": "ix_cost_rollup",
}


def upgrade() -> None:
    for table, prefix in _REPLACEMENT_INDEXES.items():
        op.drop_index(f"{prefix}_source_partition", table_name=table)
        op.drop_index(f"{prefix}_source_day", table_name=table)
        op.create_index(f"{prefix}_source_partition_day", table, ["source", "partition", "day"])
    op.drop_index("ix_ingest_staging_ingest_run_id", table_name="ingest_staging")
    op.drop_table("ingest_staging")
    _create_staging(wide=False)
    op.create_table(
        "ingest_staged_keys",
        sa.Column("ingest_run_id", sa.BigInteger(), nullable=False),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
        *_key_fields(),
        sa.PrimaryKeyConstraint("ingest_run_id", "key_hash"),
    )
    _drop_run_foreign_key()
    if op.get_bind().dialect.name == "postgresql":
        for table in ("ingest_staging", "ingest_staged_keys"):
            op.execute(f"ALTER TABLE {table} SET UNLOGGED")
        op.drop_index("ix_cost_daily_key_day_amounts", table_name="cost_daily")
        op.execute(
            "ALTER TABLE cost_daily DROP CONSTRAINT cost_daily_pkey, "
            f"ADD CONSTRAINT cost_daily_pkey PRIMARY KEY ({_FACT_KEY}) "
            "INCLUDE (billed_cost, effective_cost)"
        )


def _drop_run_foreign_key() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("cost_daily_ingest_run_id_fkey", "cost_daily", type_="foreignkey")
        return
    with op.batch_alter_table(
        "cost_daily", naming_convention=_NAMING, table_kwargs=_FACTS_TABLE_KWARGS
    ) as batch_op:
        batch_op.drop_constraint(_RUN_FOREIGN_KEY, type_="foreignkey")


def _restore_run_foreign_key() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(
            "cost_daily_ingest_run_id_fkey", "cost_daily", "ingest_runs", ["ingest_run_id"], ["id"]
        )
        return
    with op.batch_alter_table("cost_daily", table_kwargs=_FACTS_TABLE_KWARGS) as batch_op:
        batch_op.create_foreign_key(_RUN_FOREIGN_KEY, "ingest_runs", ["ingest_run_id"], ["id"])


def downgrade() -> None:
    _restore_run_foreign_key()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE cost_daily DROP CONSTRAINT cost_daily_pkey, "
            f"ADD CONSTRAINT cost_daily_pkey PRIMARY KEY ({_FACT_KEY})"
        )
        op.create_index(
            "ix_cost_daily_key_day_amounts",
            "cost_daily",
            ["key_id", "day"],
            postgresql_include=["billed_cost", "effective_cost"],
        )
    for table, prefix in _REPLACEMENT_INDEXES.items():
        op.drop_index(f"{prefix}_source_partition_day", table_name=table)
        op.create_index(f"{prefix}_source_day", table, ["source", "day"])
        op.create_index(f"{prefix}_source_partition", table, ["source", "partition"])
    op.drop_table("ingest_staged_keys")
    op.drop_index("ix_ingest_staging_ingest_run_id", table_name="ingest_staging")
    op.drop_table("ingest_staging")
    _create_staging(wide=True)
