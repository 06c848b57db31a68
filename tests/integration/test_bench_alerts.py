"""bench/alerts.py runs end to end at a small size (the 365 x 10,000 version is run by hand)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench" / "alerts.py"


def test_the_alert_bench_runs_small_and_the_second_evaluation_claims_nothing():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--days", "40", "--resources", "200",
         "--budgets", "20,100", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    written = Path(done.stdout.strip().splitlines()[-1].removeprefix("JSON: "))
    results = json.loads(written.read_text())
    written.unlink()
    small, large = results["results"]
    assert (small["budgets"], large["budgets"]) == (20, 100)
    assert large["alerts_claimed"] > 0 and large["first_s"] > 0 and large["again_s"] > 0
