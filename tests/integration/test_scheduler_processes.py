"""Several scheduler processes on one PostgreSQL: each slot runs once, a dead one's is retried."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.db import create_store_engine, upgrade_store
from tests.conftest import throwaway_postgres_database

REPO = Path(__file__).resolve().parents[2]
REPLICA = [sys.executable, "-m", "tests.integration.scheduler_replica"]
COSTBOT = [sys.executable, "-c", "from bot.cli import main; main()"]

pytestmark = pytest.mark.postgres


@pytest.fixture
def database() -> Iterator[tuple[str, Engine]]:
    """A migrated store of its own, with the table the replicas' job writes to."""
    with throwaway_postgres_database("costbot_replicas") as (_admin, url):
        rendered = url.render_as_string(hide_password=False)
        engine = create_store_engine(rendered)
        upgrade_store(engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE replica_runs (event text, slot text, pid int)"))
        yield rendered, engine
        engine.dispose()


class Replica:
    def __init__(self, url: str, log: Path, *options: str) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [*REPLICA, url, *options],
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def ready(self) -> bool:
        """Up, and stopping cleanly on SIGTERM from now on."""
        return "ready" in self.log.read_text()

    def stop(self) -> int:
        """SIGTERM, as a deploy stops it; its running job finishes first."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)


@pytest.fixture
def spawn(database, tmp_path):
    replicas: list[Replica] = []

    def start(*options: str) -> Replica:
        log = tmp_path / f"replica-{len(replicas)}.log"
        replicas.append(Replica(database[0], log, *options))
        return replicas[-1]

    yield start
    for replica in replicas:
        replica.kill()


def _runs(engine: Engine) -> list[tuple[str, str, int]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT * FROM replica_runs"))]


def _claims(engine: Engine) -> list[tuple[str, str, int, str]]:
    query = "SELECT to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    query += "status, attempts, owner FROM job_claims WHERE job = 'tick'"
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(query))]


def _wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("replicas", [2, 3])
def test_each_slot_runs_exactly_once_across_scheduler_processes(database, spawn, replicas):
    _url, engine = database
    started = [spawn("--every", "1", "--hold", "0.3", "--lease", "3") for _ in range(replicas)]
    for replica in started:
        _wait_until(replica.ready, 30, "every replica is up")
    first = len(_runs(engine))
    _wait_until(lambda: len(_runs(engine)) >= first + 6, 20, "three more slots run")

    assert [replica.stop() for replica in started] == [0] * replicas

    runs = _runs(engine)
    starts = sorted(slot for event, slot, _ in runs if event == "start")
    ends = sorted(slot for event, slot, _ in runs if event == "end")
    claims = _claims(engine)
    assert len(starts) == len(set(starts)) >= 3, runs  # each slot once, not once per replica
    assert ends == starts  # a stop let the running job finish
    assert sorted(slot for slot, *_ in claims) == starts
    assert {(status, attempts) for _, status, attempts, _ in claims} == {("succeeded", 1)}, claims


def test_a_killed_replica_loses_its_lease_and_another_runs_the_slot_once(database, spawn):
    _url, engine = database
    hourly = ("--every", "3600", "--lease", "2", "--catch-up", "0.2")
    dying = spawn(*hourly, "--hold", "60")
    _wait_until(lambda: _runs(engine), 30, "the first replica starts its run")
    survivor = spawn(*hourly)
    _wait_until(survivor.ready, 30, "the second replica starts")
    time.sleep(2)  # ten catch-ups of the survivor: a lease kept alive by heartbeats holds

    assert [(event, pid) for event, _, pid in _runs(engine)] == [("start", dying.pid)]

    dying.process.send_signal(signal.SIGKILL)
    dying.process.wait(timeout=15)
    _wait_until(lambda: _claims(engine)[0][1] == "succeeded", 15, "the survivor runs the slot")

    ((slot, status, attempts, owner),) = _claims(engine)
    assert (status, attempts) == ("succeeded", 2)
    assert f":{survivor.pid}:" in owner
    assert [(e, s, p) for e, s, p in _runs(engine)] == [
        ("start", slot, dying.pid),
        ("start", slot, survivor.pid),
        ("end", slot, survivor.pid),
    ]
    assert survivor.stop() == 0


def test_costbot_worker_runs_the_schedule_without_slack_and_stops_on_sigterm(tmp_path):
    log = tmp_path / "worker.log"
    env = {**os.environ, "COSTBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'costbot.db'}"}
    with log.open("w") as out:
        worker = subprocess.Popen(
            [*COSTBOT, "worker"], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_until(lambda: "started with 1 jobs" in log.read_text(), 20, "the worker starts")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0  # a loaded machine stops slower
    finally:
        worker.kill()
    assert "stopped" in log.read_text()
