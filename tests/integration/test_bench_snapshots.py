"""bench/snapshots.py runs end to end at a small size (the 1M-row version is run by hand)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench" / "snapshots.py"


def test_the_snapshot_bench_runs_small_and_finds_the_unchanged_resync_reads_nothing():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "2000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    written = Path(done.stdout.strip().splitlines()[-1].removeprefix("full results: "))
    results = json.loads(written.read_text())
    written.unlink()
    (run,) = results["runs"]
    assert (run["first_sync_rows"], run["changed_rows"]) == (6000, 2000)
    assert run["runs"]["unchanged"]["status"] == "unchanged"
    assert run["runs"]["unchanged"]["rows_read"] == 0
    assert results["summary"]["changed_over_ingest"] > 0
