"""Alembic environment: the engine is handed in by `storage.db.upgrade_store`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, func, select

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two processes upgrading at once would both create the same tables.
                lock = func.pg_advisory_xact_lock(func.hashtext("costbot-schema"))
                connection.execute(select(lock))
            context.run_migrations()
        connection.commit()


run_migrations_online()
