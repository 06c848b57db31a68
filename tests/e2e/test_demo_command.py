"""`costbot demo` as a real process: it prints what the demo data holds, then serves the sandbox."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.e2e.test_run_command import _env, _free_port, _wait_until_serving

DEMO = [sys.executable, "-c", "from bot.cli import main; main()", "demo"]


def test_demo_prints_the_top_projects_and_fraud_detection_then_serves_the_sandbox(tmp_path):
    port = _free_port()
    env = _env(tmp_path / "demo.db", COSTBOT_TODAY="2026-11-20")
    log = tmp_path / "demo.log"
    command = [*DEMO, "--port", str(port), "--data-dir", str(tmp_path / "demo-data")]
    with log.open("wb") as out:
        demo = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        status, _type, page = _wait_until_serving(f"http://127.0.0.1:{port}/", demo, log)
        assert status == 200 and "costbot sandbox" in page
        deadline = time.monotonic() + 10
        while "costbot sandbox: open" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)  # the last line is printed just after the sandbox starts serving
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=10)

    printed = log.read_text()
    top, cost = printed.split("project fraud-detection: mtd (2026-11-01 .. 2026-11-20)")
    assert top.startswith("top project: mtd (2026-11-01 .. 2026-11-20)")
    assert "fraud-detection" in top and "(unallocated)" in top and "total" in top
    assert "top services" in cost and "top resources" in cost
    assert f"open http://127.0.0.1:{port} and type /cost fraud-detection" in cost
