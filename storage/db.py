"""Engines, sessions and schema upgrades for the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


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


def create_store_engine(database_url: str) -> Engine:
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
        return engine
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
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


WRITER = {"costbot_writer": True}


def _begin_sqlite(connection: Connection) -> None:
    """Take transactions explicitly (pysqlite's own are lazy), sized to what they will do.

    A writer (execution option `costbot_writer`) takes the write lock at once, so two ingests
    queue instead of failing half-way; readers take none, and in WAL mode never wait for one.
    """
    writer = connection.get_execution_options().get("costbot_writer", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


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


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block finishes, roll back on any error."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
