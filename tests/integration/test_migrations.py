"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from storage.db import _alembic_config, create_store_engine, current_revision, head_revision
from storage.models import Base
from tests.conftest import _postgres_admin_url


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
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


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


@pytest.mark.postgres
@pytest.mark.parametrize("empty_engine", ["postgres"], indirect=True)
def test_on_postgresql_staging_is_unlogged_and_the_fact_key_carries_the_amounts(empty_engine):
    command.upgrade(_alembic_config(empty_engine), "head")

    with empty_engine.connect() as connection:
        persistence = dict(
            connection.execute(
                text(
                    "SELECT relname, relpersistence FROM pg_class "
                    "WHERE relname IN ('ingest_staging', 'ingest_staged_keys', 'cost_daily')"
                )
            ).all()
        )
        primary_key = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'cost_daily_pkey'")
        ).scalar_one()

    assert persistence == {"ingest_staging": "u", "ingest_staged_keys": "u", "cost_daily": "p"}
    assert primary_key.endswith(
        "(key_id, day, source, partition) INCLUDE (billed_cost, effective_cost)"
    )


def test_upgrading_a_store_keeps_its_costs(empty_engine):
    config = _alembic_config(empty_engine)
    command.upgrade(config, "0001")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ingest_runs (id, source, status, started_at, files, rows_read, "
                "rows_rejected, rejections, days_covered, day_ranges, cost_basis, totals) "
                "VALUES (1, 'focus', 'succeeded', '2026-09-02 00:00:00', '[]', 1, 0, '[]', 1, "
                "'[]', 'effective', '{}')"
            )
        )
        connection.execute(
            text("INSERT INTO cost_keys (id, key_hash, currency) VALUES (1, 'k1', 'USD')")
        )
        connection.execute(
            text(
                "INSERT INTO cost_daily (key_id, day, source, partition, ingest_run_id, "
                "billed_cost, effective_cost, list_cost, usage_quantity) "
                "VALUES (1, '2026-09-01', 'focus', 'bp:2026-09-01', 1, 5, 5, 5, 1)"
            )
        )

    command.upgrade(config, "head")

    with empty_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT key_id, source, partition, ingest_run_id FROM cost_daily")
        ).all()
    assert [tuple(r) for r in rows] == [(1, "focus", "bp:2026-09-01", 1)]
    if empty_engine.dialect.name == "sqlite":
        with empty_engine.connect() as connection:
            ddl = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'cost_daily'")
            ).scalar_one()
        assert "WITHOUT ROWID" in ddl  # still clustered by key after the rebuild


def test_the_outbox_keeps_its_messages_and_takes_long_keys_after_0008(empty_engine):
    config = _alembic_config(empty_engine)
    command.upgrade(config, "0007")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox (id, key, channel, text, blocks, status, created_at, attempts) "
                "VALUES (100, 'ops:files:1', 'C0OPS00001', 'failing', '[]', 'pending', "
                "'2026-12-01 00:00:00', 0)"
            )
        )

    command.upgrade(config, "0008")

    long_key = "budget:service=" + "s" * 1024 + ":threshold:80"
    insert = text(
        "INSERT INTO outbox (id, key, key_hash, channel, text, blocks, status, created_at, "
        "attempts) "
        "VALUES (:id, :key, :hash, 'C0', 'alert', '[]', 'pending', '2026-12-01 00:00:00', 0)"
    )
    with empty_engine.begin() as connection:
        [(key, digest)] = connection.execute(text("SELECT key, key_hash FROM outbox")).all()
        connection.execute(insert, {"id": 101, "key": long_key, "hash": "a" * 64})
    assert (key, digest) == ("ops:files:1", hashlib.sha256(b"ops:files:1").hexdigest())
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(insert, {"id": 102, "key": "another", "hash": "a" * 64})

    command.downgrade(config, "0007")
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT key FROM outbox")).scalars().all() == [key]


def test_0009_adds_the_idle_tables_beside_what_0008_kept_and_takes_them_away_again(empty_engine):
    config = _alembic_config(empty_engine)
    command.upgrade(config, "0008")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox (id, key, key_hash, channel, text, blocks, status, created_at, "
                "attempts) VALUES (100, 'ops:files:1', :hash, 'C0OPS00001', 'failing', '[]', "
                "'pending', '2026-12-01 00:00:00', 0)"
            ),
            {"hash": hashlib.sha256(b"ops:files:1").hexdigest()},
        )

    command.upgrade(config, "0009")

    insert = text(
        "INSERT INTO idle_proposals (id, key_hash, key, controller, instance_id, state, instance, "
        "verdict, dry_run, created_at, expires_at, updated_at, undo) VALUES (:id, :hash, 'k', "
        "'aws_ec2', 'i-1', 'proposed', '{}', '{}', false, '2026-12-09 00:00:00', "
        "'2026-12-10 00:00:00', '2026-12-09 00:00:00', '{}')"
    )
    with empty_engine.begin() as connection:
        connection.execute(insert, {"id": "p1", "hash": "a" * 64})
        reproposed = connection.execute(text("SELECT reproposed FROM idle_proposals")).scalar()
    assert not reproposed  # false unless a lease ended and the machine was proposed again
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(insert, {"id": "p2", "hash": "a" * 64})  # the same idle episode
    assert {"idle_proposals", "idle_busy_marks", "idle_scans"} <= set(
        inspect(empty_engine).get_table_names()
    )

    command.downgrade(config, "0008")

    assert not {"idle_proposals", "idle_busy_marks", "idle_scans"} & set(
        inspect(empty_engine).get_table_names()
    )
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT key FROM outbox")).scalars().all() == ["ops:files:1"]


def test_0010_adds_tags_and_the_shared_split_keeping_the_cost_keys(empty_engine):
    config = _alembic_config(empty_engine)
    command.upgrade(config, "0009")
    with empty_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO cost_keys (id, key_hash, currency) VALUES (1, :hash, 'USD')"),
            {"hash": "b" * 32},
        )

    command.upgrade(config, "0010")

    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT key_hash, tags FROM cost_keys")).all() == [
            ("b" * 32, None)
        ]
    assert {"cost_shared_daily", "allocation_state"} <= set(inspect(empty_engine).get_table_names())

    command.downgrade(config, "0009")

    assert not {"cost_shared_daily", "allocation_state"} & set(
        inspect(empty_engine).get_table_names()
    )
    columns = {column["name"] for column in inspect(empty_engine).get_columns("cost_keys")}
    assert "tags" not in columns


def test_0011_indexes_the_split_by_origin_keeping_the_split(empty_engine):
    config = _alembic_config(empty_engine)
    command.upgrade(config, "0010")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cost_shared_daily (id, day, dimension, value, origin, currency, "
                "billed_cost, effective_cost, rule, method, role) VALUES (1, '2024-09-01', "
                "'project', 'recsys', 'gpu-pool', 'USD', 20, 20, 'gpu-pool', 'even', 'in')"
            )
        )

    def indexes() -> dict[str, list[str]]:
        found = inspect(empty_engine).get_indexes("cost_shared_daily")
        return {index["name"]: index["column_names"] for index in found}

    command.upgrade(config, "0011")

    assert indexes()["ix_cost_shared_origin_day"] == ["dimension", "origin", "day"]
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT value, origin FROM cost_shared_daily")).all() == [
            ("recsys", "gpu-pool")
        ]

    command.downgrade(config, "0010")

    assert "ix_cost_shared_origin_day" not in indexes()
    assert "ix_cost_shared_value_day" in indexes()
