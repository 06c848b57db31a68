"""`costbot demo` as a real process: it prints what the demo data holds, then serves the sandbox.

It writes only to a store of its own: never production's COSTBOT_DATABASE_URL, and never a
store it is pointed at that already holds other billing data.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.sandbox.guard import KEY_HEADER
from tests.e2e.test_run_command import _env, _free_port, _wait_until_serving
from tests.helpers import snapshot
from tests.sandbox.conftest import http

DEMO = [sys.executable, "-c", "from bot.cli import main; main()", "demo"]
OPEN_LINE = re.compile(r"open (http://127\.0\.0\.1:(\d+)/\?key=([\w-]+)) and type /cost")


def _production_store(store, focus_file: Path) -> dict[str, list]:
    """The store under test holding real-looking data; its dump, to compare afterwards."""
    store.services.ingest.ingest([focus_file], source="focus")
    store.services.engine.dispose()
    return snapshot(store.url)


def _sources(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = set(connection.execute(text("SELECT DISTINCT source FROM cost_daily")).scalars())
    engine.dispose()
    return found


def test_demo_uses_its_own_store_not_productions_then_serves_the_sandbox(
    store, focus_file, tmp_path
):
    production = _production_store(store, focus_file)
    port = _free_port()
    # Production's variable is set, as on a server where someone types `costbot demo`.
    env = _env(tmp_path / "unused.db", COSTBOT_DATABASE_URL=store.url, COSTBOT_TODAY="2026-11-20")
    log, errors = tmp_path / "demo.log", tmp_path / "demo-stderr.log"
    command = [*DEMO, "--port", str(port), "--data-dir", str(tmp_path / "demo-data")]
    with log.open("wb") as out, errors.open("wb") as err:
        demo = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=out, stderr=err)
    try:
        status, _type, page = _wait_until_serving(f"http://127.0.0.1:{port}/", demo, log)
        assert status == 200 and "costbot sandbox" in page
        deadline = time.monotonic() + 10
        while "costbot sandbox: open" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)  # the last line is printed just after the sandbox starts serving
        printed = log.read_text()
        url, shown_port, key = OPEN_LINE.search(printed).groups()
        assert int(shown_port) == port
        workspace = f"http://127.0.0.1:{port}/sandbox/api/workspace"
        assert http(workspace, headers={KEY_HEADER: key})[0] == 200  # the printed key works
        assert http(workspace)[0] == 403
        assert http(url)[0] == 200
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=10)

    # What it prints is on stdout; its logs, timestamped, on stderr.
    assert re.match(r"\d{4}-\d\d-\d\dT[\d:.]+Z INFO ", errors.read_text()), errors.read_text()
    top, cost = printed.split("project fraud-detection: mtd (2026-11-01 .. 2026-11-20)")
    assert top.startswith("top project: mtd (2026-11-01 .. 2026-11-20)")
    assert "fraud-detection" in top and "(unallocated)" in top and "total" in top
    assert "top services" in cost and "top resources" in cost
    assert snapshot(store.url) == production  # production's store: not one row changed
    assert _sources(f"sqlite:///{tmp_path / 'costbot-demo.db'}") == {"demo"}
    assert not (tmp_path / "unused.db").exists()


def _refused(tmp_path: Path, *options: str, **variables: str) -> subprocess.CompletedProcess:
    env = _env(tmp_path / "unused.db", COSTBOT_TODAY="2026-11-20", **variables)
    command = [*DEMO, "--port", str(_free_port()), "--data-dir", str(tmp_path / "demo-data")]
    return subprocess.run(
        [*command, *options], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_a_named_store_with_other_sources_is_refused_and_left_as_it_was(
    store, focus_file, tmp_path
):
    production = _production_store(store, focus_file)

    by_option = _refused(tmp_path, "--database-url", store.url)
    by_variable = _refused(tmp_path, COSTBOT_DEMO_DATABASE_URL=store.url)

    for refused in (by_option, by_variable):
        assert refused.returncode == 1, refused
        assert "already holds other billing data (source: focus)" in refused.stderr
        assert "costbot demo wrote nothing to it" in refused.stderr
        assert "sqlite:///costbot-demo.db" in refused.stderr  # what to do instead
        assert "Traceback" not in refused.stderr + refused.stdout
    assert snapshot(store.url) == production
    assert not (tmp_path / "demo-data").exists()  # stopped before writing anything
    assert not (tmp_path / "costbot-demo.db").exists()
