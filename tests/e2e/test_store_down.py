"""The real `costbot run` on PostgreSQL says when its store is down, and recovers by itself:
after the server comes back, and after its database was dropped and re-created empty."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from tests.conftest import throwaway_postgres_database
from tests.e2e.conftest import texts
from tests.e2e.running_bot import RunningBot, get_health, running_bot
from tests.e2e.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

DOWN = "The cost store is not reachable right now"
ANSWER_SECONDS = 15
RECOVERY_SECONDS = 20
QUESTION = "top project mtd"


@dataclass
class Database:
    admin: Engine
    url: URL

    def recreate_empty(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{self.url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{self.url.database}"'))


@pytest.fixture
def database() -> Iterator[Database]:
    """A throw-away database of its own: these tests cut, drop and re-create it."""
    with throwaway_postgres_database("costbot_down") as (admin, url):
        yield Database(admin, url)


def _ask(bot: RunningBot, question: str = QUESTION) -> str:
    before = len(bot.answers())
    reply = bot.command(question)
    assert reply.status == 200, reply
    return texts(bot.wait_for_answers(before + 1, ANSWER_SECONDS)[before])


def _wait_for_health(bot: RunningBot, status: int) -> dict:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        found, body = get_health(bot.url, timeout=10)
        if found == status:
            return body
        assert time.monotonic() < deadline, (found, body, bot.log_text())
        time.sleep(0.2)


def test_the_store_cut_off_and_back(database, tmp_path):
    host, port = database.url.host or "127.0.0.1", database.url.port or 5432
    with TcpProxy((host, port)) as proxy:
        through_proxy = database.url.set(host="127.0.0.1", port=proxy.port)
        with running_bot(
            tmp_path,
            through_proxy.render_as_string(hide_password=False),
            COSTBOT_CONNECT_SECONDS="2",
        ) as bot:
            assert get_health(bot.url) == (200, {"ok": True, "data_through": None})
            answered = _ask(bot)
            assert DOWN not in answered and "project" in answered, answered

            proxy.stop()
            body = _wait_for_health(bot, 503)
            assert body["ok"] is False and DOWN in body["error"]
            probes = []
            for _ in range(5):
                started = time.monotonic()
                assert get_health(bot.url, timeout=10)[0] == 503
                probes.append(time.monotonic() - started)
            assert max(probes) < 3, probes
            said = _ask(bot)
            assert DOWN in said and "Something went wrong" not in said, said

            proxy.start()  # the same port: the bot's URL is unchanged
            assert _wait_for_health(bot, 200)["ok"] is True
            assert _ask(bot) == answered
            log = bot.log_text()
            print(f"\nstore down: health probes took {max(probes) * 1000:.0f} ms at worst")
    assert "Traceback" not in log, log
    assert log.count("health check failing") == 1, log  # one warning per outage
    assert "answers again" in log


def test_a_database_dropped_and_recreated_empty_is_upgraded_again(database, tmp_path):
    with running_bot(tmp_path, database.url.render_as_string(hide_password=False)) as bot:
        first = _ask(bot)
        database.recreate_empty()
        again = _ask(bot)  # the schema is gone: the bot upgrades it and answers
        assert again == first and DOWN not in again
        assert get_health(bot.url) == (200, {"ok": True, "data_through": None})
        with database.admin.connect() as connection:
            connection.execute(text("SELECT 1"))
        check = create_engine(database.url)
        with check.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar()
        check.dispose()
        log = bot.log_text()
    assert log.count("upgrading it") == 1, log
    assert "Traceback" not in log, log
