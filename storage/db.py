"""Engines, sessions and schema upgrades for the store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.services.budget import over_budget, seconds_left
from bot.services.errors import AnswerTooBigError, StoreUnavailableError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# No statement may run longer than this, answer or ingest: a stuck one must not hold a
# connection (and a worker) forever. Answers get their own, shorter budget on top.
STATEMENT_SECONDS = 300
CONNECT_SECONDS = 5
# SQLite calls the progress handler every this many virtual-machine steps (well under 1 ms).
_SQLITE_PROGRESS_STEPS = 20_000
_UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE for "relation ... does not exist"
_QUERY_CANCELED = "57014"  # statement_timeout (or a cancel) stopped the statement

logger = logging.getLogger("costbot.store")


POSTGRES_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # milliseconds
}
POOL_SIZE = 8
POOL_OVERFLOW = 48


class StoreError(RuntimeError):
    """The store cannot be opened or upgraded; the message says what to do."""


SQLITE_BUSY_SECONDS = 30
STORE_BUSY = (
    "the store is busy: another ingest or process holds its write lock; try again when it "
    "has finished (a SQLite store waits {seconds} s; `?timeout=SECONDS` in "
    "COSTBOT_DATABASE_URL waits longer)."
)


def is_sqlite_busy(error: BaseException) -> bool:
    """SQLite gave up waiting for another connection's lock."""
    orig = getattr(error, "orig", None)
    text = str(orig.args[0]) if orig is not None and orig.args else ""
    return text in ("database is locked", "database table is locked")


def store_busy_error(engine: Engine) -> StoreError:
    seconds = engine.url.query.get("timeout", SQLITE_BUSY_SECONDS)
    return StoreError(STORE_BUSY.format(seconds=seconds))


class SchemaMissingError(StoreError):
    """The store answers but its tables are gone (its database was dropped and re-created)."""


def create_store_engine(
    database_url: str,
    *,
    statement_seconds: float = STATEMENT_SECONDS,
    connect_seconds: float = CONNECT_SECONDS,
) -> Engine:
    """Create an engine for a SQLite file or a PostgreSQL server."""
    try:
        url = make_url(database_url)
    except Exception as exc:
        raise StoreError(
            f"COSTBOT_DATABASE_URL is not a database URL ({exc}). "
            "Use sqlite:///costbot.db or postgresql+psycopg://user@host:5432/dbname."
        ) from exc
    if url.get_backend_name() == "sqlite":
        # How long a writer waits for another's lock; `?timeout=SECONDS` in the URL says otherwise.
        waits = {} if "timeout" in url.query else {"timeout": SQLITE_BUSY_SECONDS}
        engine = create_engine(url, connect_args=waits)
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        event.listen(engine, "handle_error", _translate_error)
        return engine
    if url.get_backend_name() == "postgresql":
        connect_args: dict[str, object] = {
            "connect_timeout": max(1, round(connect_seconds)),
            # A partitioned network leaves sockets open that answer nothing, and the server's
            # statement_timeout never fires: the kernel gives up on them after these.
            **POSTGRES_KEEPALIVES,
        }
        if statement_seconds and "options" not in url.query:
            connect_args["options"] = f"-c statement_timeout={round(statement_seconds * 1000)}"
        engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args=connect_args,
            # Every thread that may hold a connection at once: answer workers (up to 32), the
            # HTTP threads claiming deliveries (16), the health and claim threads (6).
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine, "begin", _begin_postgres)
        event.listen(engine, "handle_error", _translate_error)
        return engine
    raise StoreError(
        f"Unsupported database {url.get_backend_name()!r} in COSTBOT_DATABASE_URL; "
        "costbot runs on SQLite (sqlite:///costbot.db) or PostgreSQL (postgresql+psycopg://...)."
    )


def _tune_sqlite(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets the bot answer queries while an ingest writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
    # SQLite's own lower() folds ASCII only: "Équipe" would stay "Équipe", and a name typed in
    # lower case would be found on PostgreSQL but not here. Python's folds every script.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)  # type: ignore[attr-defined]


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


WRITER = {"costbot_writer": True}


def _begin_sqlite(connection: Connection) -> None:
    """Take transactions explicitly (pysqlite's own are lazy), sized to what they will do.

    A writer (execution option `costbot_writer`) takes the write lock at once, so two ingests
    queue instead of failing half-way; readers take none, and in WAL mode never wait for one.
    """
    writer = connection.get_execution_options().get("costbot_writer", False)
    _watch_sqlite_budget(connection)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def _watch_sqlite_budget(connection: Connection) -> None:
    """Interrupt this transaction's statements once the answer's time budget is spent.

    Installed only inside a budget: the handler takes the GIL each time it runs, which an
    ingest (no budget, a reader thread parsing beside it) should not pay for.
    """
    dbapi = connection.connection.dbapi_connection
    if seconds_left() is None:
        dbapi.set_progress_handler(None, 0)  # type: ignore[union-attr]
    else:
        dbapi.set_progress_handler(over_budget, _SQLITE_PROGRESS_STEPS)  # type: ignore[union-attr]


def _begin_postgres(connection: Connection) -> None:
    """Inside an answer's budget, no statement of this transaction may outlast the budget."""
    left = seconds_left()
    if left is None:
        return
    if left <= 0:
        raise AnswerTooBigError()
    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(left * 1000))}")


def _translate_error(context: ExceptionContext) -> None:
    """Turn what the database says into errors the services and the Slack edge understand."""
    if context.is_pre_ping:
        return  # the pool reconnects by itself; not an error yet
    original = context.original_exception
    state = getattr(original, "sqlstate", None)
    message = str(original)
    if seconds_left() is not None and (state == _QUERY_CANCELED or message == "interrupted"):
        raise AnswerTooBigError() from original
    if state == _UNDEFINED_TABLE or message.startswith("no such table"):
        raise SchemaMissingError(message) from original
    if context.connection is None or context.is_disconnect:
        raise StoreUnavailableError(message) from original


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def upgrade_store(engine: Engine) -> bool:
    """Bring the schema to the newest migration; return True when anything changed."""
    try:
        if current_revision(engine) == head_revision():
            return False
        command.upgrade(_alembic_config(engine), "head")
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(
            f"Could not open or upgrade the store at {engine.url.render_as_string()}: {exc}"
        ) from exc
    return True


_restoring = threading.Lock()


def restore_missing_schema(engine: Engine) -> None:
    """Create the schema again after the store lost it; once, however many threads noticed.

    The migrations themselves take a PostgreSQL advisory lock, so replicas do it once too.
    """
    with _restoring:
        if current_revision(engine) == head_revision():
            return  # another thread got here first
        logger.warning("the store has no schema (was its database re-created?): upgrading it")
        upgrade_store(engine)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block finishes, roll back on any error."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
