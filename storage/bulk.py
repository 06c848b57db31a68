"""Bulk writes that keep Python out of the per-value loop (COPY on PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Executable, Select, Table, literal_column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.types import MONEY_SCALE

_NULL_MARK = "\x00"
_FIELD_SEPARATOR = "\x1f"


def key_digests(
    table: pa.Table, fields: Sequence[str], *, added: Sequence[str] = ()
) -> tuple[pa.Array, np.ndarray]:
    """Each row's `key_hash`, a 128-bit digest of its descriptive fields (NULL kept distinct),
    and the first row of each distinct key.

    `added` are fields the key gained later: a row where they are NULL digests as it did
    before they existed, so a store's existing keys are met again by a re-ingest rather than
    stored twice. A row with a value has one more separated part, so it never digests like
    one without (no field holds the separator: the sources refuse control characters).
    """
    parts = [pc.fill_null(table.column(name), _NULL_MARK) for name in fields]
    joined = pc.binary_join_element_wise(*parts, _FIELD_SEPARATOR)
    for name in added:
        column = table.column(name)
        longer = pc.binary_join_element_wise(joined, pc.fill_null(column, ""), _FIELD_SEPARATOR)
        joined = pc.if_else(pc.is_null(column), joined, longer)
    joined = joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined
    encoded = joined.dictionary_encode()
    # Only distinct combinations are hashed: a batch has far fewer keys than rows.
    digests = pa.array(
        [
            hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
            for text in encoded.dictionary.to_pylist()
        ],
        pa.string(),
    )
    _, first = np.unique(encoded.indices.to_numpy(), return_index=True)
    return pc.take(digests, encoded.indices), first


def sum_by(table: pa.Table, group: Sequence[str], amounts: Sequence[str]) -> pa.Table:
    """`amounts` summed per distinct `group`, under their own names."""
    summed = table.group_by(list(group), use_threads=False).aggregate([(n, "sum") for n in amounts])
    return summed.rename_columns(
        [n.removesuffix("_sum") if n.endswith("_sum") else n for n in summed.column_names]
    )


def copy_rows(connection: Connection, target: Table, table: pa.Table) -> None:
    """Append an Arrow table's rows (columns named as the target's) to a table."""
    if connection.dialect.name == "postgresql":
        _copy_postgres(connection, target, table)
    else:
        _executemany_sqlite(connection, target, table)


def _copy_postgres(connection: Connection, target: Table, table: pa.Table) -> None:
    # Rounded here, half to even as on SQLite (nano_units): PostgreSQL would round the extra
    # digits of a NUMERIC(38,9) column half away from zero.
    for index, name in enumerate(table.column_names):
        if pa.types.is_decimal(table.column(name).type):
            table = table.set_column(index, name, stored_decimals(table.column(name)))
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    columns = ", ".join(table.column_names)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {target.name} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def _executemany_sqlite(connection: Connection, target: Table, table: pa.Table) -> None:
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_decimal(column.type):
            column = nano_units(column)
        elif pa.types.is_date(column.type):
            column = column.cast(pa.string())
        columns.append(column.to_pylist())
    placeholders = ", ".join("?" for _ in table.column_names)
    statement = (
        f"INSERT INTO {target.name} ({', '.join(table.column_names)}) VALUES ({placeholders})"
    )
    connection.exec_driver_sql(statement, list(zip(*columns, strict=True)))


def stored_decimals(amounts: pa.ChunkedArray) -> pa.ChunkedArray:
    """Amounts rounded half to even to the store's MONEY_SCALE decimal places."""
    rounded = pc.round(amounts, ndigits=MONEY_SCALE, round_mode="half_to_even")
    return rounded.cast(pa.decimal128(38, MONEY_SCALE))


def stored_amounts(table: pa.Table, amounts: Sequence[str]) -> pa.Table:
    """`table` with its `amounts` columns rounded as the store keeps them (stored_decimals)."""
    for name in amounts:
        table = table.set_column(
            table.column_names.index(name), name, stored_decimals(table.column(name))
        )
    return table


SQLITE_TOO_LARGE = (
    "An amount is too large for the SQLite store (a sum over 9 billion in one currency); "
    "use PostgreSQL (COSTBOT_DATABASE_URL=postgresql+psycopg://...)."
)


def is_sqlite_overflow(error: OperationalError) -> bool:
    """SQLite's sum() over integer nano-units went past int64 (see storage.types)."""
    return bool(error.orig and error.orig.args and error.orig.args[0] == "integer overflow")


def read_rows(sessions: sessionmaker[Session], query: Executable) -> list[tuple[Any, ...]]:
    """Every row of a read, as tuples; SQLite's int64 overflow told as OverflowError."""
    with sessions() as session:
        try:
            return [tuple(row) for row in session.execute(query)]
        except OperationalError as error:
            if is_sqlite_overflow(error):
                raise OverflowError(SQLITE_TOO_LARGE) from None
            raise


def nano_units(amounts: pa.ChunkedArray) -> pa.ChunkedArray:
    """Decimal amounts as the integer 10^-9 units SQLite stores (see storage.types)."""
    try:
        rounded = stored_decimals(amounts).cast(pa.decimal128(27, MONEY_SCALE))
        scaled = pc.multiply(rounded, pa.scalar(Decimal(10**MONEY_SCALE), pa.decimal128(10, 0)))
        return pc.cast(scaled, pa.int64())
    except pa.ArrowInvalid:
        raise OverflowError(SQLITE_TOO_LARGE) from None


def insert_ignoring_duplicates(
    connection: Connection, target: Table, columns: Sequence[str], rows: Select
) -> None:
    """INSERT ... SELECT that skips rows clashing with a unique key (ON CONFLICT DO NOTHING)."""
    make_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        make_insert(target).from_select(list(columns), rows).on_conflict_do_nothing()
    )


def upsert_adding(
    connection: Connection,
    target: Table,
    columns: Sequence[str],
    rows: Select,
    *,
    add: Sequence[str],
    replace: Sequence[str] = (),
) -> None:
    """INSERT ... SELECT where a row that exists already (same primary key) gets the new values
    of `add` added to its own and those of `replace` instead (ON CONFLICT DO UPDATE)."""
    postgres = connection.dialect.name == "postgresql"
    statement = (pg_insert if postgres else sqlite_insert)(target).from_select(list(columns), rows)
    if postgres:
        updates = {name: target.c[name] + statement.excluded[name] for name in add}
    else:
        # SQLite's `+` turns an int64 overflow into an inexact REAL without a word; its sum()
        # raises instead. (Amounts are integer nano-units there: see storage.types.)
        updates = {
            name: literal_column(
                f"(SELECT sum(v) FROM (SELECT {target.name}.{name} AS v "
                f"UNION ALL SELECT excluded.{name}))"
            )
            for name in add
        }
    updates |= {name: statement.excluded[name] for name in replace}
    statement = statement.on_conflict_do_update(
        index_elements=[column.name for column in target.primary_key.columns], set_=updates
    )
    try:
        connection.execute(statement)
    except OperationalError as error:
        if is_sqlite_overflow(error):
            raise OverflowError(SQLITE_TOO_LARGE) from None
        raise


def dialect_insert(connection: Connection, target: Any) -> Any:
    """`INSERT` of the connection's dialect, which offers `on_conflict_do_nothing`."""
    make_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    return make_insert(target)


@contextmanager
def short_sqlite_wait(connection: Connection, milliseconds: int) -> Iterator[None]:
    """Lower SQLite's busy timeout for the statements inside, then put the engine's back.

    For writes on a short path (a Slack ack, a lease heartbeat): better to give up soon and
    say so than to wait out an ingest holding the one write lock.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {previous}")
