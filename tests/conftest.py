"""Shared fixtures: real stores on SQLite and PostgreSQL, the billing fixtures, a clean env."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from bot.app import Services, build_services
from bot.settings import Settings
from storage.db import create_store_engine

FIXTURES = Path(__file__).parent / "fixtures"
FOCUS_FIXTURES = FIXTURES / "focus"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's Slack tokens, database or config file."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "COSTBOT_")) and name != "COSTBOT_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    # No test reaches AWS: a test that forgets its moto endpoint is refused on a closed local
    # port instead, with credentials that are not anyone's and no profile files read.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)


def _postgres_admin_url() -> str:
    return os.environ.get("COSTBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@contextmanager
def throwaway_postgres_database(prefix: str) -> Iterator[tuple[Engine, URL]]:
    """A new database on the real PostgreSQL server, dropped afterwards, with an admin engine.

    Skipped without a server, except under CI (`CI` set), where that fails.
    """
    admin_url = make_url(_postgres_admin_url())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any connection failure means "no server"
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {admin_url!r} and CI is set: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url!r}: {exc}")
    try:
        yield admin, admin_url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throw-away database on the real PostgreSQL server; fails in CI when unreachable."""
    with throwaway_postgres_database("costbot_test") as (_admin, url):
        yield url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_engine(postgres_server: str) -> Iterator[Engine]:
    engine = create_store_engine(postgres_server)
    yield engine
    engine.dispose()


@dataclass
class StoreUnderTest:
    kind: str
    url: str
    services: Services

    def build(self, config_path: Path | None = None) -> Services:
        """Services on the same store with another config file."""
        return build_services(Settings(database_url=self.url), config_path)


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        names = [t for t in tables if t != "alembic_version"]
        if names:
            connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    """A fresh, migrated store on each database costbot supports."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'costbot.db'}"
    else:
        url = request.getfixturevalue("postgres_server")
        _truncate_postgres(url) if _has_schema(url) else None
    services = build_services(Settings(database_url=url))
    yield StoreUnderTest(request.param, url, services)
    services.engine.dispose()


def _has_schema(url: str) -> bool:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_tables WHERE tablename = 'alembic_version'")
        ).first()
    engine.dispose()
    return found is not None


@pytest.fixture
def focus_file() -> Path:
    return FOCUS_FIXTURES / "focus_sample_1.0.csv"
