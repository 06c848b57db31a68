"""Hostile billing files against the real `costbot ingest`, on SQLite and PostgreSQL.

    python bench/hostile_ingest.py            # every hostile file, both databases
    python bench/hostile_ingest.py --db sqlite --header-mb 210

Each file is ingested by a fresh `costbot ingest` process into a store seeded with September
2024. Counted: clear refusals (exit 1, the file named on stderr, no traceback), tracebacks,
and stores changed wrongly (a full dump of every table differs after a refusal). The peak RSS
of each process (/usr/bin/time -v) is reported; the worst one is the figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import pg_create, pg_drop, print_table  # noqa: E402

from tests.helpers import snapshot  # noqa: E402
from tests.hostile_files import (  # noqa: E402
    REFUSED_FILES,
    RefusedFile,
    _huge_header,
    bad_rows_files,
    write_rows,
)

COSTBOT = str(Path(sys.executable).with_name("costbot"))


def peak_rss_of(url: str, *args: str) -> tuple[int, str, str, float]:
    """Exit code, stdout, stderr and peak RSS (MB) of one `costbot ingest` process, measured
    by /usr/bin/time -v (the child's own maximum resident set size)."""
    env = {**os.environ, "COSTBOT_DATABASE_URL": url, "COSTBOT_TODAY": "2024-09-30"}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        result = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, COSTBOT, "ingest", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        peak_kb = next(
            int(line.split(":")[1])
            for line in Path(report.name).read_text().splitlines()
            if "Maximum resident set size" in line
        )
    return result.returncode, result.stdout, result.stderr, peak_kb / 1024


def seed(url: str, folder: Path) -> None:
    rows = [
        {
            "ChargePeriodStart": f"2024-09-{day:02}T00:00:00Z",
            "ChargePeriodEnd": f"2024-09-{day:02}T01:00:00Z",
        }
        for day in range(1, 31)
    ]
    code, _out, err, _rss = peak_rss_of(url, str(write_rows(folder / "seed.csv", rows)))
    assert code == 0, err


def cases(folder: Path, header_mb: int) -> list[tuple[str, list[Path], list[str], str]]:
    """(name, paths, extra flags, what stderr must say) for every hostile input."""
    found = []
    for case in REFUSED_FILES:
        sub = folder / case.name
        sub.mkdir()
        found.append((case.name, [case.make(sub)], [], case.message))
    big = folder / "big_header"
    big.mkdir()
    huge = RefusedFile("header", lambda f: _huge_header(f, header_mb), "longer than 512 KiB")
    found.append((f"header_{header_mb}mb", [huge.make(big)], [], huge.message))
    rows = folder / "rows"
    rows.mkdir()
    found.append(("bad_rows", bad_rows_files(rows), [], "row(s) cannot be read"))
    return found


def attack(kind: str, url: str, header_mb: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="costbot_hostile_") as tmp:
        folder = Path(tmp)
        seed(url, folder)
        for name, paths, flags, message in cases(folder, header_mb):
            before = snapshot(url)
            started = time.perf_counter()
            code, _out, err, rss = peak_rss_of(url, *flags, *map(str, paths))
            results.append(
                {
                    "db": kind,
                    "input": name,
                    "clear": code == 1
                    and message in err
                    and str(paths[0]) in err
                    and "Traceback" not in err,
                    "traceback": "Traceback" in err,
                    "changed": snapshot(url) != before,
                    "seconds": round(time.perf_counter() - started, 2),
                    "peak_rss_mb": round(rss, 1),
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--header-mb", type=int, default=210)
    args = parser.parse_args()
    results = []
    for kind in args.db.split(","):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results += attack(kind, f"sqlite:///{tmp}/hostile.db", args.header_mb)
        else:
            name = f"costbot_hostile_{uuid.uuid4().hex[:8]}"
            try:
                results += attack(kind, pg_create(name), args.header_mb)
            finally:
                pg_drop(name)
    headers = list(results[0])
    print_table(headers, [[r[h] for h in headers] for r in results])
    worst = max(results, key=lambda r: r["peak_rss_mb"])
    print(
        f"\nhostile inputs tried: {len(results)}; refused with a clear message: "
        f"{sum(r['clear'] for r in results)}; tracebacks: {sum(r['traceback'] for r in results)}; "
        f"store changed wrongly: {sum(r['changed'] for r in results)}; "
        f"worst peak RSS: {worst['peak_rss_mb']} MB ({worst['input']}, {worst['db']})"
    )


if __name__ == "__main__":
    main()
