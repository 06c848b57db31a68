"""Atomic replacement of a source's days with a new ingest's daily aggregates."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, and_, delete, func, insert, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.allocation import DIMENSIONS
from bot.domain.cost_rows import COST_AMOUNT_FIELDS, COST_KEY_FIELDS
from bot.services.ports import IngestRunRecord
from storage.models import DIMENSION_COLUMNS, CostDaily, DimensionValue, IngestRun, IngestStaging
from storage.types import MONEY_SCALE


class SqlIngestWriter:
    """Stages aggregates in `ingest_staging`, then swaps them in within the same transaction."""

    def __init__(self, session: Session, source: str, run_id: int) -> None:
        self._session = session
        self._source = source
        self._run_id = run_id

    def stage(self, aggregates: pa.Table) -> None:
        if aggregates.num_rows == 0:
            return
        table = self._with_run_columns(aggregates)
        connection = self._session.connection()
        if connection.dialect.name == "postgresql":
            _copy_into_staging(connection, table)
        else:
            _insert_into_sqlite_staging(connection, table)

    def _with_run_columns(self, aggregates: pa.Table) -> pa.Table:
        rows = aggregates.num_rows
        table = aggregates.select(["day", *COST_KEY_FIELDS, *COST_AMOUNT_FIELDS])
        table = table.append_column("source", pa.array([self._source] * rows, pa.string()))
        return table.append_column("ingest_run_id", pa.array([self._run_id] * rows, pa.int64()))

    def publish(self, run: IngestRunRecord) -> int:
        self._replace_days(run.day_ranges)
        self._copy_staged_rows()
        self._remember_dimension_values()
        self._session.execute(
            delete(IngestStaging).where(IngestStaging.ingest_run_id == self._run_id)
        )
        self._save_run(run)
        return self._run_id

    def _replace_days(self, day_ranges: list[tuple[date, date]]) -> None:
        if not day_ranges:
            return
        covered = or_(*(CostDaily.day.between(start, end) for start, end in day_ranges))
        self._session.execute(
            delete(CostDaily).where(and_(CostDaily.source == self._source, covered))
        )

    def _copy_staged_rows(self) -> None:
        keys = [getattr(IngestStaging, name) for name in ("day", "source", *COST_KEY_FIELDS)]
        sums = [func.sum(getattr(IngestStaging, name)) for name in COST_AMOUNT_FIELDS]
        merged = (
            select(*keys, *sums, literal(self._run_id))
            .where(IngestStaging.ingest_run_id == self._run_id)
            .group_by(*keys)
        )
        target = ["day", "source", *COST_KEY_FIELDS, *COST_AMOUNT_FIELDS, "ingest_run_id"]
        self._session.execute(insert(CostDaily).from_select(target, merged))

    def _remember_dimension_values(self) -> None:
        dialect = self._session.get_bind().dialect.name
        make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
        for dimension in DIMENSIONS:
            column = getattr(IngestStaging, DIMENSION_COLUMNS[dimension])
            values = (
                select(literal(dimension), column, func.lower(column))
                .where(IngestStaging.ingest_run_id == self._run_id, column.is_not(None))
                .distinct()
            )
            statement = make_insert(DimensionValue).from_select(
                ["dimension", "value", "folded"], values
            )
            self._session.execute(statement.on_conflict_do_nothing())

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


class SqlIngestStore:
    """Implements the IngestStore port on SQLite or PostgreSQL."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def open_ingest(self, run: IngestRunRecord) -> Iterator[SqlIngestWriter]:
        session = self._sessions()
        try:
            with session.begin():
                _lock_source(session, run.source)
                row = IngestRun(
                    source=run.source,
                    status="running",
                    started_at=run.started_at,
                    cost_basis=run.cost_basis,
                    seconds=Decimal(0),
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
        session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext(f"costbot-ingest:{source}")))
        )


def _copy_into_staging(connection: Connection, table: pa.Table) -> None:
    """PostgreSQL COPY from CSV text written by pyarrow: no Python object per value."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    columns = ", ".join(table.column_names)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY ingest_staging ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def _insert_into_sqlite_staging(connection: Connection, table: pa.Table) -> None:
    """SQLite executemany with amounts already scaled to the store's integer nano-units."""
    scaled = [
        _nano_units(table.column(name)) if name in COST_AMOUNT_FIELDS else table.column(name)
        for name in table.column_names
    ]
    scaled[table.column_names.index("day")] = table.column("day").cast(pa.string())
    rows = list(zip(*(column.to_pylist() for column in scaled), strict=True))
    placeholders = ", ".join("?" for _ in table.column_names)
    statement = (
        f"INSERT INTO ingest_staging ({', '.join(table.column_names)}) VALUES ({placeholders})"
    )
    connection.exec_driver_sql(statement, rows)


def _nano_units(amounts: pa.ChunkedArray) -> pa.ChunkedArray:
    rounded = pc.round(amounts, ndigits=MONEY_SCALE).cast(pa.decimal128(27, MONEY_SCALE))
    scaled = pc.multiply(rounded, pa.scalar(Decimal(10**MONEY_SCALE), pa.decimal128(10, 0)))
    try:
        return pc.cast(scaled, pa.int64())
    except pa.ArrowInvalid:
        raise OverflowError(
            "An amount is too large for the SQLite store (over 9 billion in one row); "
            "use PostgreSQL (COSTBOT_DATABASE_URL=postgresql+psycopg://...)."
        ) from None
