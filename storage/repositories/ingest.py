"""Atomic replacement of a source's days with a new ingest's daily aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.allocation import DIMENSIONS
from bot.domain.cost_rows import (
    ACCOUNT_SEPARATOR,
    COST_AMOUNT_FIELDS,
    COST_BASES,
    COST_KEY_FIELDS,
    DAYS_PARTITION,
    PARTITION_FIELD,
    days_partition_of,
    is_days_partition,
)
from bot.services.ports import IngestRunRecord
from storage.bulk import (
    copy_rows,
    insert_ignoring_duplicates,
    key_digests,
    stored_amounts,
    sum_by,
    upsert_adding,
)
from storage.db import WRITER, is_sqlite_busy, store_busy_error
from storage.models import (
    DIMENSION_COLUMNS,
    CostDaily,
    CostKey,
    CostRollup,
    DimensionValue,
    IngestRun,
    IngestStagedKey,
    IngestStaging,
    SnapshotUnitRow,
)
from storage.replacements import ReplacementLedger
from storage.rollups import RollupSums

PUBLISH_WORK_MEM = "64MB"
INGEST_LOCK = "costbot-ingest"
# Daily aggregates held in memory before they are summed and staged (about 20 MB).
FLUSH_ROWS = 65_536
_AGGREGATE_COLUMNS = [PARTITION_FIELD, "day", *COST_KEY_FIELDS, *COST_AMOUNT_FIELDS]
# Key fields added after keys were first stored (tags, in 0010): a key without them keeps the
# digest it had before, so re-ingesting untagged cost meets its stored keys again.
KEY_FIELDS_ADDED = ("tags",)
_HASHED_FIELDS = tuple(f for f in COST_KEY_FIELDS if f not in KEY_FIELDS_ADDED)


class SqlIngestWriter:
    """Writes an ingest's aggregates as they stream in, within one transaction.

    Every FLUSH_ROWS aggregates are summed and written: new keys to cost_keys (staged once each
    through `ingest_staged_keys`), and amounts through the narrow `ingest_staging` into
    cost_daily. A billing period's old rows are deleted when the ingest first meets it, and
    later amounts for the same key and day are added on. Rows without a billing period wait in
    staging until the end, when the days the files cover are known. The per-dimension rollups
    are summed in memory and written last. Readers see none of it until the commit.
    """

    def __init__(self, session: Session, source: str, run_id: int) -> None:
        self._session = session
        self._source = source
        self._run_id = run_id
        self._staged_keys: set[str] = set()
        self._replaced: set[str] = set()  # billing periods whose old rows are deleted
        self._met: set[str] = set()  # every partition this ingest has rows for
        self._ledger = ReplacementLedger(source)
        self._rollups = RollupSums()
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def stage(self, aggregates: pa.Table) -> None:
        rows = aggregates.num_rows
        if rows == 0:
            return
        if PARTITION_FIELD not in aggregates.column_names:  # a source that knows no periods
            aggregates = aggregates.append_column(
                PARTITION_FIELD, pa.array([DAYS_PARTITION] * rows, pa.string())
            )
        # Batches are held and summed together before they are written: consecutive batches
        # share days, so fewer and larger writes carry fewer rows.
        self._pending.append(aggregates.select(_AGGREGATE_COLUMNS))
        self._pending_rows += rows
        if self._pending_rows >= FLUSH_ROWS:
            self._flush()

    def stored_totals(self, amount: str) -> dict[str, Decimal]:
        self._flush()
        return self._rollups.totals(amount)

    def publish(self, run: IngestRunRecord) -> int:
        self._flush()
        connection = self._session.connection()
        self._replace_days(connection, run.day_ranges)
        self._add_facts(connection, _staged_days(self._run_id))
        run.replaced = self._ledger.summary(self._rollups.table(), COST_BASES[run.cost_basis])
        self._insert_rollups(connection)
        connection.execute(delete(IngestStaging).where(IngestStaging.ingest_run_id == self._run_id))
        self._save_run(run)
        _refresh_sqlite_statistics(connection)
        return self._run_id

    def _flush(self) -> None:
        if not self._pending:
            return
        aggregates = pa.concat_tables(self._pending)
        self._pending, self._pending_rows = [], 0
        connection = self._session.connection()
        digests, first_rows = key_digests(aggregates, _HASHED_FIELDS, added=KEY_FIELDS_ADDED)
        keys = aggregates.select(list(COST_KEY_FIELDS)).take(first_rows)
        keys = keys.append_column("key_hash", digests.take(first_rows))
        self._add_keys(connection, keys)
        amounts = aggregates.select([PARTITION_FIELD, "day", *COST_AMOUNT_FIELDS])
        amounts = amounts.append_column("key_hash", digests)
        amounts = sum_by(amounts, [PARTITION_FIELD, "day", "key_hash"], COST_AMOUNT_FIELDS)
        # Rounded to the stored decimals here, so the rollups add up what the facts hold.
        amounts = stored_amounts(amounts, COST_AMOUNT_FIELDS)
        copy_rows(connection, IngestStaging.__table__, self._with_run_id(amounts))
        partitions = set(pc.unique(aggregates.column(PARTITION_FIELD)).to_pylist())
        self._met |= partitions
        self._ledger.note_accounts(aggregates)
        periods = {p for p in partitions if not is_days_partition(p)}
        self._replace_periods(connection, periods - self._replaced)
        # Rows of a billing period go in now; rows without one wait for publish().
        periods_only = and_(_staged(self._run_id), ~_is_days(IngestStaging.partition))
        self._add_facts(connection, periods_only)
        connection.execute(delete(IngestStaging).where(periods_only))
        self._rollups.add(_with_keys(amounts, keys))

    def _add_keys(self, connection: Connection, keys: pa.Table) -> None:
        """Add the keys this ingest has not met yet, and remember their dimension values."""
        unseen = [digest not in self._staged_keys for digest in keys.column("key_hash").to_pylist()]
        keys = keys.filter(pa.array(unseen, pa.bool_()))
        if keys.num_rows == 0:
            return
        copy_rows(connection, IngestStagedKey.__table__, self._with_run_id(keys))
        self._staged_keys.update(keys.column("key_hash").to_pylist())
        fields = ["key_hash", *COST_KEY_FIELDS]
        mine = IngestStagedKey.ingest_run_id == self._run_id
        staged = select(*(getattr(IngestStagedKey, name) for name in fields)).where(mine)
        insert_ignoring_duplicates(connection, CostKey.__table__, fields, staged)
        self._remember_dimension_values(connection)
        connection.execute(delete(IngestStagedKey).where(mine))

    def _with_run_id(self, table: pa.Table) -> pa.Table:
        run_ids = pa.array(np.full(table.num_rows, self._run_id, dtype=np.int64))
        return table.append_column("ingest_run_id", run_ids)

    def _replace_periods(self, connection: Connection, periods: set[str]) -> None:
        """Delete the old rows of billing periods this ingest has just met."""
        if not periods:
            return
        self._ledger.record_removed(connection, periods)
        for table in (CostDaily, CostRollup):
            mine = table.source == self._source
            connection.execute(delete(table).where(mine, table.partition.in_(sorted(periods))))
        self._replaced |= periods

    def _replace_days(self, connection: Connection, day_ranges: list) -> None:
        """Delete the old rows without a billing period on the days this ingest's files cover,
        of the billing accounts this ingest has rows for (another account's days stay)."""
        covered = _covered(day_ranges)
        if covered is None:
            return
        accounts_days = sorted({days_partition_of(p) for p in self._met})
        self._ledger.record_removed(connection, accounts_days, covered)
        for table in (CostDaily, CostRollup):
            mine = table.source == self._source
            connection.execute(
                delete(table).where(mine, table.partition.in_(accounts_days), covered(table))
            )

    def _add_facts(self, connection: Connection, staged: ColumnElement[bool]) -> None:
        """Move staged amounts into cost_daily, adding to rows this ingest already wrote.

        Summed per (partition, day, key) first: rows without a billing period are staged by
        several flushes, and one statement may not update a row twice.
        """
        sums = [func.sum(getattr(IngestStaging, name)) for name in COST_AMOUNT_FIELDS]
        group = [IngestStaging.partition, IngestStaging.day, CostKey.id]
        facts = (
            select(literal(self._source), *group, literal(self._run_id), *sums)
            .join(CostKey, CostKey.key_hash == IngestStaging.key_hash)
            .where(staged)
            .group_by(*group)
        )
        target = ["source", "partition", "day", "key_id", "ingest_run_id", *COST_AMOUNT_FIELDS]
        upsert_adding(
            connection,
            CostDaily.__table__,
            target,
            facts,
            add=COST_AMOUNT_FIELDS,
            replace=["ingest_run_id"],
        )

    def _insert_rollups(self, connection: Connection) -> None:
        sums = self._rollups.table()
        if sums.num_rows == 0:
            return
        sources = pa.array([self._source] * sums.num_rows, pa.string())
        copy_rows(connection, CostRollup.__table__, sums.append_column("source", sources))

    def _remember_dimension_values(self, connection: Connection) -> None:
        for dimension in DIMENSIONS:
            column = getattr(IngestStagedKey, DIMENSION_COLUMNS[dimension])
            values = (
                select(literal(dimension), column, func.lower(column))
                .where(IngestStagedKey.ingest_run_id == self._run_id, column.is_not(None))
                .distinct()
            )
            insert_ignoring_duplicates(
                connection, DimensionValue.__table__, ["dimension", "value", "folded"], values
            )

    def _save_run(self, run: IngestRunRecord) -> None:
        row = self._session.get(IngestRun, self._run_id)
        assert row is not None
        row.status = run.status
        row.finished_at = run.finished_at
        row.seconds = run.seconds
        row.files = run.files
        row.rows_read = run.rows_read
        row.rows_rejected = run.rows_rejected
        row.rejections = run.rejections
        row.first_day = run.first_day
        row.last_day = run.last_day
        row.days_covered = run.days_covered
        row.day_ranges = [[s.isoformat(), e.isoformat()] for s, e in run.day_ranges]
        row.totals = run.totals
        row.replaced = run.replaced
        row.null_costs = run.null_costs
        row.provisional_days = [day.isoformat() for day in run.provisional_days]
        row.error = run.error
        # The units this run read are marked read in its own transaction: never one without
        # the other, so a crash mid-ingest leaves the unit to be read again.
        for unit_key, fingerprint in run.units.items():
            self._session.merge(
                SnapshotUnitRow(
                    source=run.source,
                    unit_key=unit_key,
                    fingerprint=fingerprint,
                    ingest_run_id=self._run_id,
                    stored_at=run.finished_at or run.started_at,
                )
            )


def _with_keys(amounts: pa.Table, keys: pa.Table) -> pa.Table:
    """Amounts by key digest, with each key's descriptive fields alongside."""
    rows = pc.index_in(amounts.column("key_hash"), value_set=keys.column("key_hash"))
    fields = keys.drop_columns(["key_hash"]).take(rows)
    return pa.table(
        {
            **{n: amounts.column(n) for n in amounts.column_names},
            **dict(zip(fields.column_names, fields.columns, strict=True)),
        }
    )


def _refresh_sqlite_statistics(connection: Connection) -> None:
    """Let SQLite's planner know the tables' new sizes, as its documentation advises after big
    changes: `optimize` analyses only what changed a lot, and `analysis_limit` keeps each
    look to a sample (milliseconds). PostgreSQL's autovacuum does this by itself."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("PRAGMA optimize")


def _staged(run_id: int) -> ColumnElement[bool]:
    return IngestStaging.ingest_run_id == run_id


def _staged_days(run_id: int) -> ColumnElement[bool]:
    return and_(_staged(run_id), _is_days(IngestStaging.partition))


def _is_days(partition: ColumnElement[str]) -> ColumnElement[bool]:
    """A days partition, of no billing account or of one (see cost_rows)."""
    return or_(
        partition == DAYS_PARTITION,
        partition.startswith(DAYS_PARTITION + ACCOUNT_SEPARATOR, autoescape=True),
    )


def _covered(day_ranges: list[tuple[date, date]]):
    """A filter for the days an ingest replaces, for any table with a `day` column."""
    if not day_ranges:
        return None
    return lambda table: or_(*(table.day.between(start, end) for start, end in day_ranges))


class SqlIngestStore:
    """Implements the IngestStore port on SQLite or PostgreSQL."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def open_ingest(self, run: IngestRunRecord) -> Iterator[SqlIngestWriter]:
        session = self._sessions()
        try:
            with _busy_is_said(session), session.begin():
                session.connection(execution_options=WRITER)
                _lock_ingests(session)
                _size_postgres_work_memory(session)
                row = IngestRun(
                    source=run.source,
                    status="running",
                    started_at=run.started_at,
                    cost_basis=run.cost_basis,
                )
                session.add(row)
                session.flush()
                yield SqlIngestWriter(session, run.source, row.id)
        finally:
            session.close()


@contextmanager
def _busy_is_said(session: Session) -> Iterator[None]:
    """A lock held longer than SQLite waits is a message ("try again"), not a traceback."""
    try:
        yield
    except OperationalError as error:
        if is_sqlite_busy(error):
            raise store_busy_error(session.get_bind()) from None
        raise


def _size_postgres_work_memory(session: Session) -> None:
    """Let this transaction's sorts and hashes (the publish's GROUP BYs) stay in memory.

    PostgreSQL's default of 4 MB sends a month's facts to a temporary file on disk.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{PUBLISH_WORK_MEM}'"))


def _lock_ingests(session: Session) -> None:
    """Let one ingest write at a time, across processes and replicas.

    Ingests of different sources share cost_keys and dimension_values: two of them adding the
    same new keys in a different order would deadlock each other. SQLite's BEGIN IMMEDIATE
    already admits one writer at a time; on PostgreSQL a transaction-level advisory lock does.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(INGEST_LOCK))))
