"""Benchmark: `costbot snapshot` of a focus_export folder of 3 billing periods of N rows each.

    python bench/snapshots.py --rows 1000000 --repeat 3
    python bench/snapshots.py --rows 20000 --repeat 1          # quick check

The folder is an AWS Data Exports layout (data/BILLING_PERIOD=YYYY-MM/ and a manifest per
period) of three months made from bench/ingest.py's N-row CSV. Each repeat, on a fresh store:
the first sync (all three periods), a re-sync with nothing changed (target < 2 s: it reads
no data), and a re-sync after one period's file changed (its modification time), which reads
that period whole. For the ratio, the same file is then ingested by hand into the same store
under the same source name (`ingest.ingest([file], source=...)`, the work `costbot ingest`
does: it replaces that period again), and into an empty store. Every sync is `costbot
snapshot --json --config <yml>` in its own process; the seconds quoted are those it reports
(the source's run, without interpreter start-up), and the ingests' are timed in-process too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import CACHE_DIR, code_version, median, print_table, run_child, write_results
from ingest import generate

MONTHS = ("2026-07", "2026-08", "2026-09")  # the generator writes September 2026
EXPORT = "focus-daily"
CHANGED = MONTHS[-1]
LINE_CHUNK = 64 << 20


def export_folder(rows: int, seed: int) -> Path:
    """The cached export folder for (rows, seed): three months of `rows` rows each."""
    root = CACHE_DIR / f"snapshots-{rows}-seed{seed}"
    if (root / "complete").exists():
        return root / "exports"
    september, _ = generate(rows, seed)
    shutil.rmtree(root, ignore_errors=True)
    for month in MONTHS:
        data = root / "exports" / EXPORT / "data" / f"BILLING_PERIOD={month}"
        data.mkdir(parents=True)
        name = f"{EXPORT}-00001.csv"
        _moved_copy(september, data / name, month)
        meta = root / "exports" / EXPORT / "metadata" / f"BILLING_PERIOD={month}"
        meta.mkdir(parents=True)
        uri = f"s3://billing/exports/{EXPORT}/data/BILLING_PERIOD={month}/{name}"
        manifest = {"executionId": f"bench-{month}", "dataFiles": [uri], "columns": []}
        (meta / f"{EXPORT}-Manifest.json").write_text(json.dumps(manifest))
    (root / "complete").touch()
    return root / "exports"


def _moved_copy(source: Path, target: Path, month: str) -> None:
    """The September file with its dates in `month` (each of these months has 30 days or more;
    the generator's end instant, October 1st, becomes the first of the month after)."""
    year, number = (int(part) for part in month.split("-"))
    after = f"{year + number // 12:04d}-{number % 12 + 1:02d}-01T00:00:00Z".encode()
    with source.open("rb") as read, target.open("wb") as write:
        rest = b""
        while chunk := read.read(LINE_CHUNK):
            head, _, rest_new = (rest + chunk).rpartition(b"\n")
            write.write(_move(head + b"\n", after, month.encode()) if head else b"")
            rest = rest_new if head else rest + chunk
        write.write(_move(rest, after, month.encode()))


def _move(text: bytes, after: bytes, month: bytes) -> bytes:
    return text.replace(b"2026-10-01T00:00:00Z", after).replace(b"2026-09-", month + b"-")


def _config(folder: Path, work: Path) -> Path:
    path = work / "costbot.yml"
    path.write_text(
        "sources:\n"
        "  - name: exports\n"
        "    type: focus_export\n"
        f"    path: {folder}\n"
        "    schedule: {every: 6h}\n"
    )
    return path


def _snapshot(config: Path, url: str) -> dict:
    costbot = Path(sys.executable).parent / "costbot"
    env = {**os.environ, "COSTBOT_DATABASE_URL": url}
    done = subprocess.run(
        [str(costbot), "snapshot", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"costbot snapshot failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    (source,) = json.loads(done.stdout)["sources"]
    return source


def _touch(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def bench_once(folder: Path, attempt: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="snapshots-", dir=CACHE_DIR))
    try:
        config = _config(folder, work)
        url = f"sqlite:///{work}/costbot.db"
        first = _snapshot(config, url)
        unchanged = _snapshot(config, url)
        changed_file = (
            folder / EXPORT / "data" / f"BILLING_PERIOD={CHANGED}" / f"{EXPORT}-00001.csv"
        )
        _touch(changed_file)
        changed = _snapshot(config, url)
        # The same work by hand: the period ingested again under the same source name.
        plain = run_child([__file__, "--child-ingest", str(changed_file), url, "exports"])
        empty = run_child([__file__, "--child-ingest", str(changed_file), f"sqlite:///{work}/e.db"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, run, status in (("first", first, "ok"), ("unchanged", unchanged, "unchanged")):
        if run["status"] != status:
            raise RuntimeError(f"{name} sync: {run}")
    if changed["status"] != "ok" or changed["files"] != 1:
        raise RuntimeError(f"the changed period was not read alone: {changed}")
    result = {
        "first_sync_s": first["seconds"],
        "first_sync_rows": first["rows_read"],
        "unchanged_s": unchanged["seconds"],
        "changed_s": changed["seconds"],
        "changed_rows": changed["rows_read"],
        "ingest_s": plain["seconds"],
        "ingest_empty_store_s": empty["seconds"],
        "runs": {
            "first": first,
            "unchanged": unchanged,
            "changed": changed,
            "ingest": plain,
            "ingest_empty_store": empty,
        },
    }
    print(
        f"  #{attempt + 1}: first {first['seconds']:.2f} s ({first['rows_read']:,} rows), "
        f"unchanged {unchanged['seconds']:.3f} s, changed period {changed['seconds']:.2f} s, "
        f"costbot ingest of it {plain['seconds']:.2f} s (into an empty store "
        f"{empty['seconds']:.2f} s)"
    )
    return result


def child_ingest(path: str, url: str, source: str = "focus") -> dict:
    """One ingest of `path` as `costbot ingest --source SOURCE` does it, timed in-process."""
    import time

    from bot.app import build_services
    from bot.settings import Settings

    services = build_services(Settings(database_url=url))
    started = time.perf_counter()
    summary = services.ingest.ingest([Path(path)], source=source)
    seconds = time.perf_counter() - started
    services.engine.dispose()
    return {"seconds": seconds, "rows_read": summary.record.rows_read}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per billing period")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child-ingest", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_ingest:
        print(json.dumps(child_ingest(*args.child_ingest)))
        return
    print(f"code under test: {code_version()}")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    folder = export_folder(args.rows, args.seed)
    print(f"{len(MONTHS)} billing periods x {args.rows:,} rows in {folder}")
    runs = [bench_once(folder, attempt) for attempt in range(args.repeat)]
    first, unchanged, changed, ingest, empty = (
        median([r[key] for r in runs])
        for key in ("first_sync_s", "unchanged_s", "changed_s", "ingest_s", "ingest_empty_store_s")
    )
    summary = {
        "rows_per_period": args.rows,
        "periods": len(MONTHS),
        "repeat": args.repeat,
        "first_sync_seconds": first,
        "unchanged_seconds": unchanged,
        "changed_period_seconds": changed,
        "plain_ingest_seconds": ingest,
        "plain_ingest_empty_store_seconds": empty,
        "changed_over_ingest": changed / ingest,
        "unchanged_under_2s": unchanged < 2,
    }
    print(f"\nMedians of {args.repeat} run(s), SQLite; seconds as `costbot snapshot` reports them")
    print_table(
        [
            "rows/period",
            "first sync s",
            "unchanged s",
            "changed s",
            "ingest s",
            "changed/ingest",
            "ingest (empty store) s",
        ],
        [
            [
                f"{args.rows:,}",
                f"{first:.2f}",
                f"{unchanged:.3f}",
                f"{changed:.2f}",
                f"{ingest:.2f}",
                f"{changed / ingest:.2f}",
                f"{empty:.2f}",
            ]
        ],
    )
    path = write_results("snapshots", {"summary": summary, "runs": runs})
    print(f"\nfull results: {path}")


if __name__ == "__main__":
    main()
