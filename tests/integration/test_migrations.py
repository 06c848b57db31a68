"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from storage.db import _alembic_config, create_store_engine, current_revision, head_revision
from storage.models import Base
from tests.conftest import _postgres_admin_url

# Created only on PostgreSQL (an index-only scan there; SQLite clusters the table instead).
POSTGRES_ONLY_INDEXES = {"ix_cost_daily_key_day_amounts"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of each kind, not yet migrated."""
    if request.param == "sqlite":
        engine = create_store_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_server")  # fails under CI when the server is missing
    admin_url = make_url(_postgres_admin_url())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"costbot_migrations_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_store_engine(admin_url.set(database=name).render_as_string(False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _differences(engine: Engine) -> list:
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    if engine.dialect.name != "postgresql":
        diffs = [d for d in diffs if not _is_postgres_only_index(d)]
    return diffs


def _is_postgres_only_index(diff: object) -> bool:
    return (
        isinstance(diff, tuple)
        and diff[0] in ("add_index", "remove_index")
        and diff[1].name in POSTGRES_ONLY_INDEXES
    )


def test_the_migrations_build_the_schema_of_the_models(empty_engine):
    command.upgrade(_alembic_config(empty_engine), "head")

    assert current_revision(empty_engine) == head_revision()
    assert _differences(empty_engine) == []


def test_every_migration_can_be_undone_and_redone(empty_engine):
    config = _alembic_config(empty_engine)
    command.upgrade(config, "head")
    command.downgrade(config, "base")

    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert _differences(empty_engine) == []
