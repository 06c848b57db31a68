"""Billing periods are replaced per billing account; ingest runs record what they replaced

A partition (what an ingest replaces) now names the billing account too:
"bp:2026-11-01" becomes "bp:2026-11-01:" and a 16-character digest of the rows'
BillingAccountId, "days" becomes "days:" and the digest; rows without a billing account keep
the plain forms. So OCI's November no longer deletes AWS's November in the same source.

The partition columns widen to 64 characters. Existing facts are rewritten per billing account
(each fact's key names its account in cost_keys), so a re-ingest after the upgrade replaces the
old rows instead of doubling them; cost_rollup_daily has no key, so it is rebuilt from the
facts. ingest_runs gains `replaced` (per partition: days, amounts removed and added) and
`null_costs` (rows stored with an empty BilledCost or EffectiveCost, per column).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NARROW = 16
_WIDE = 64
_PARTITIONED = ("cost_daily", "cost_rollup_daily", "ingest_staging")
# Batch mode rebuilds the table on SQLite, and reflection does not see WITHOUT ROWID.
_TABLE_KWARGS = {"cost_daily": {"sqlite_with_rowid": False}}
# The digest and plain forms as bot.domain.cost_rows defines them at this revision (kept here:
# a migration must not change when the code does).
_DIGEST_CHARS = 16
_PLAIN_PERIOD_CHARS = len("bp:2026-11-01")
# cost_rollup_daily's dimensions and the cost_keys column each sums by, at this revision.
_ROLLUP_COLUMNS = {
    "project": "project",
    "team": "team",
    "owner": "owner",
    "model": "model",
    "environment": "environment",
    "service": "service_name",
    "account": "sub_account_name",
    "region": "region",
}
_RUN_COLUMNS = ("replaced", "null_costs")


def _digest(billing_account_id: str) -> str:
    return hashlib.sha256(billing_account_id.encode("utf-8")).hexdigest()[:_DIGEST_CHARS]


def upgrade() -> None:
    _resize_partitions(_NARROW, _WIDE)
    for name in _RUN_COLUMNS:
        op.add_column(
            "ingest_runs",
            sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        )
    _add_account_digests()
    _rebuild_rollups()


def downgrade() -> None:
    _strip_account_digests()
    _rebuild_rollups()
    with op.batch_alter_table("ingest_runs") as batch_op:
        for name in _RUN_COLUMNS:
            batch_op.drop_column(name)
    _resize_partitions(_WIDE, _NARROW)


def _resize_partitions(old: int, new: int) -> None:
    for table in _PARTITIONED:
        with op.batch_alter_table(table, table_kwargs=_TABLE_KWARGS.get(table, {})) as batch_op:
            batch_op.alter_column(
                "partition",
                existing_type=sa.String(length=old),
                type_=sa.String(length=new),
                existing_nullable=False,
            )


def _add_account_digests() -> None:
    """Give each fact of a key with a billing account that account's partition."""
    connection = op.get_bind()
    accounts = connection.execute(
        sa.text(
            "SELECT DISTINCT billing_account_id FROM cost_keys WHERE billing_account_id IS NOT NULL"
        )
    ).scalars()
    rewrite = sa.text(
        "UPDATE cost_daily SET partition = partition || ':' || :digest "
        "WHERE key_id IN (SELECT id FROM cost_keys WHERE billing_account_id = :account) "
        "AND (partition = 'days' OR (partition LIKE 'bp:%' AND length(partition) = :plain))"
    )
    for account in list(accounts):
        connection.execute(
            rewrite, {"digest": _digest(account), "account": account, "plain": _PLAIN_PERIOD_CHARS}
        )


def _strip_account_digests() -> None:
    connection = op.get_bind()
    connection.execute(
        sa.text("UPDATE cost_daily SET partition = 'days' WHERE partition LIKE 'days:%'")
    )
    connection.execute(
        sa.text(
            "UPDATE cost_daily SET partition = substr(partition, 1, :plain) "
            "WHERE partition LIKE 'bp:%' AND length(partition) > :plain"
        ),
        {"plain": _PLAIN_PERIOD_CHARS},
    )


def _rebuild_rollups() -> None:
    """Sum cost_rollup_daily again from the facts, under their (new) partitions."""
    connection = op.get_bind()
    connection.execute(sa.text("DELETE FROM cost_rollup_daily"))
    for dimension, column in _ROLLUP_COLUMNS.items():
        connection.execute(
            sa.text(
                "INSERT INTO cost_rollup_daily (source, partition, day, dimension, value, "
                "service_name, currency, billed_cost, effective_cost) "
                f"SELECT d.source, d.partition, d.day, :dimension, k.{column}, k.service_name, "
                "k.currency, sum(d.billed_cost), sum(d.effective_cost) "
                "FROM cost_daily d JOIN cost_keys k ON k.id = d.key_id "
                f"GROUP BY d.source, d.partition, d.day, k.{column}, k.service_name, k.currency"
            ),
            {"dimension": dimension},
        )
