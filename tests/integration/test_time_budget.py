"""A statement running past the answer's budget is stopped by the database itself."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.services.budget import time_budget
from bot.services.errors import AnswerTooBigError
from storage.db import create_store_engine

# Counts to a billion inside SQLite: minutes of work unless something interrupts it.
SQLITE_FOREVER = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
    "SELECT count(*) FROM n"
)


def test_sqlite_interrupts_a_statement_past_the_budget(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'budget.db'}")
    try:
        started = time.monotonic()
        with time_budget(0.3), pytest.raises(AnswerTooBigError), engine.connect() as connection:
            connection.execute(text(SQLITE_FOREVER))
        assert time.monotonic() - started < 2
        with engine.connect() as connection:  # the same pooled connection, no budget now
            assert connection.execute(text("SELECT 41 + 1")).scalar() == 42
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_cancels_a_statement_past_the_budget(postgres_server):
    engine = create_store_engine(postgres_server)
    try:
        started = time.monotonic()
        with time_budget(0.3), pytest.raises(AnswerTooBigError), engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(10)"))
        assert time.monotonic() - started < 3
        with engine.connect() as connection:  # SET LOCAL ended with its transaction
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "5min"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_statements_have_a_timeout_even_without_a_budget(postgres_server):
    engine = create_store_engine(postgres_server, statement_seconds=0.5)
    try:
        started = time.monotonic()
        timed_out = pytest.raises(OperationalError, match="statement timeout")
        with timed_out, engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(10)"))
        assert time.monotonic() - started < 3
    finally:
        engine.dispose()
