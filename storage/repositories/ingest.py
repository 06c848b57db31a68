"""Atomic replacement of a source's days with a new ingest's daily aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pyarrow as pa
from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.allocation import DIMENSIONS
from bot.domain.cost_rows import (
    COST_AMOUNT_FIELDS,
    COST_KEY_FIELDS,
    DAYS_PARTITION,
    PARTITION_FIELD,
)
from bot.services.ports import IngestRunRecord
from storage.bulk import copy_rows, insert_ignoring_duplicates, with_key_hash
from storage.db import WRITER
from storage.models import (
    DIMENSION_COLUMNS,
    ROLLUP_DIMENSIONS,
    CostDaily,
    CostKey,
    CostRollup,
    DimensionValue,
    IngestRun,
    IngestStaging,
)

_STAGED_COLUMNS = (
    "ingest_run_id",
    "source",
    "partition",
    "day",
    "key_hash",
    *COST_KEY_FIELDS,
    *COST_AMOUNT_FIELDS,
)


class SqlIngestWriter:
    """Stages aggregates in `ingest_staging`, then swaps them in within the same transaction."""

    def __init__(self, session: Session, source: str, run_id: int) -> None:
        self._session = session
        self._source = source
        self._run_id = run_id

    @property
    def _staged(self) -> ColumnElement[bool]:
        return IngestStaging.ingest_run_id == self._run_id

    def stage(self, aggregates: pa.Table) -> None:
        if aggregates.num_rows == 0:
            return
        rows = aggregates.num_rows
        table = with_key_hash(aggregates, COST_KEY_FIELDS)
        if PARTITION_FIELD not in table.column_names:  # a source that knows no billing periods
            table = table.append_column(PARTITION_FIELD, pa.array([DAYS_PARTITION] * rows))
        table = table.append_column("source", pa.array([self._source] * rows, pa.string()))
        table = table.append_column("ingest_run_id", pa.array([self._run_id] * rows, pa.int64()))
        copy_rows(
            self._session.connection(), IngestStaging.__table__, table.select(_STAGED_COLUMNS)
        )

    def publish(self, run: IngestRunRecord) -> int:
        connection = self._session.connection()
        self._add_new_keys(connection)
        self._replace_partitions(connection, run.day_ranges)
        self._insert_facts(connection)
        self._insert_rollups(connection)
        self._remember_dimension_values(connection)
        connection.execute(delete(IngestStaging).where(self._staged))
        self._save_run(run)
        return self._run_id

    def _replace_partitions(self, connection: Connection, day_ranges: list) -> None:
        """Delete what this ingest replaces: its billing periods, and for rows without one,
        the days its files cover."""
        periods = (
            select(IngestStaging.partition)
            .where(self._staged, IngestStaging.partition != DAYS_PARTITION)
            .distinct()
        )
        covered = _covered(day_ranges)
        for table in (CostDaily, CostRollup):
            mine = table.source == self._source
            connection.execute(delete(table).where(mine, table.partition.in_(periods)))
            if covered is not None:
                by_days = and_(table.partition == DAYS_PARTITION, covered(table))
                connection.execute(delete(table).where(mine, by_days))

    def _add_new_keys(self, connection: Connection) -> None:
        fields = [getattr(IngestStaging, name) for name in ("key_hash", *COST_KEY_FIELDS)]
        new_keys = select(*fields).where(self._staged).distinct()
        insert_ignoring_duplicates(
            connection, CostKey.__table__, ["key_hash", *COST_KEY_FIELDS], new_keys
        )

    def _insert_facts(self, connection: Connection) -> None:
        sums = [func.sum(getattr(IngestStaging, name)) for name in COST_AMOUNT_FIELDS]
        staged = [IngestStaging.source, IngestStaging.partition, IngestStaging.day]
        facts = (
            select(*staged, CostKey.id, literal(self._run_id), *sums)
            .join(CostKey, CostKey.key_hash == IngestStaging.key_hash)
            .where(self._staged)
            .group_by(*staged, CostKey.id)
        )
        target = ["source", "partition", "day", "key_id", "ingest_run_id", *COST_AMOUNT_FIELDS]
        connection.execute(insert(CostDaily).from_select(target, facts))

    def _insert_rollups(self, connection: Connection) -> None:
        target = ["source", "partition", "day", "dimension", "value", "service_name", "currency"]
        target += ["billed_cost", "effective_cost"]
        for dimension in ROLLUP_DIMENSIONS:
            value = getattr(IngestStaging, DIMENSION_COLUMNS[dimension])
            where = [IngestStaging.source, IngestStaging.partition, IngestStaging.day]
            what = [value, IngestStaging.service_name, IngestStaging.currency]
            rollup = (
                select(*where, literal(dimension), *what)
                .add_columns(
                    func.sum(IngestStaging.billed_cost), func.sum(IngestStaging.effective_cost)
                )
                .where(self._staged)
                .group_by(*where, *what)
            )
            connection.execute(insert(CostRollup).from_select(target, rollup))

    def _remember_dimension_values(self, connection: Connection) -> None:
        for dimension in DIMENSIONS:
            column = getattr(IngestStaging, DIMENSION_COLUMNS[dimension])
            values = (
                select(literal(dimension), column, func.lower(column))
                .where(self._staged, column.is_not(None))
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
        row.error = run.error


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
            with session.begin():
                session.connection(execution_options=WRITER)
                _lock_source(session, run.source)
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


def _lock_source(session: Session, source: str) -> None:
    """Serialise ingests of one source across processes and replicas.

    SQLite's BEGIN IMMEDIATE already admits one writer at a time; PostgreSQL needs a lock so
    two replicas replacing the same days cannot interleave their deletes and inserts.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = func.hashtext(f"costbot-ingest:{source}")
        session.execute(select(func.pg_advisory_xact_lock(key)))
