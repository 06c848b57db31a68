"""Benchmark: re-splitting shared cost over a year of daily cost by three rules.

    python bench/shared.py                                   # 365 days x 10,000 resources, SQLite
    python bench/shared.py --repeat 5 --database-url postgresql+psycopg://postgres@127.0.0.1/x

The store is the one bench/query.py makes (days x resources rows of cost_daily, loaded through
the real ingest write path), cached apart from it as /tmp/costbot_bench/reallocate-*.db, so
the split written here never lands in another benchmark's store. A PostgreSQL store named by
--database-url is loaded the same way when empty (and refused when it holds other data).

The rules, all among projects: `proportional` for project-01 (a shared platform), `usage` for
the EKS clusters by a usage file of GPU hours per project and day (a tenth of the days
missing, which fall back to proportional), and `fixed` for the unallocated cost. Each repeat
is one `SharedCostService.reallocate()` over every stored day, through `build_services`.
Target: under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from _common import CACHE_DIR, code_version, median, print_table, write_results
from query import _fits, build
from sqlalchemy import text

from bot.app import build_services
from bot.settings import Settings
from storage.db import create_store_engine

RULES = [
    {"name": "platform", "match": {"project": "project-01"}, "split": "proportional"},
    {
        "name": "gpu-pool",
        "match": {"service": "Amazon Elastic Kubernetes Service"},
        "split": "usage",
        "usage": {"file": "<usage>", "label": "GPU hours"},
    },
    {
        "name": "untagged",
        "match": {"project": "(unallocated)"},
        "split": "fixed",
        "weights": {"project-00": 50, "project-02": 30, "project-03": 20},
    },
]
RECEIVERS = 25  # bench/query.py's project-00 .. project-24


def write_usage(path: Path, first: date, days: int) -> Path:
    """GPU hours per project and day; every tenth day has none (a gap the split falls back on)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["day", "receiver", "quantity"])
        for offset in range(days):
            if offset % 10 == 9:
                continue
            day = first + timedelta(days=offset)
            for p in range(RECEIVERS):
                hours = (p * 37 + offset * 11) % 48
                if hours:
                    writer.writerow([day.isoformat(), f"project-{p:02d}", f"{hours}.5"])
    return path


def ready_store(args: argparse.Namespace, first: date) -> tuple[str, str]:
    """(database, url) holding the benchmark's days x resources, loaded first if need be."""
    last = (first + timedelta(days=args.days - 1)).isoformat()
    rows = args.days * args.resources
    if args.database_url:
        url, kind = args.database_url, "postgres"
        if not _fits(url, rows, last):
            if _has_cost(url):
                raise SystemExit(f"{url} holds other cost data: name an empty database")
            print(f"loading {rows:,} rows into {url} ...", flush=True)
            build(url, args.days, args.resources, first)
        return kind, url
    path = CACHE_DIR / f"reallocate-{args.days}d-{args.resources}r.db"
    url = f"sqlite:///{path}"
    if args.rebuild or not _fits(url, rows, last):
        print(f"building SQLite store {path} ({rows:,} rows) ...", flush=True)
        path.unlink(missing_ok=True)
        build(url, args.days, args.resources, first)
    return "sqlite", url


def _has_cost(url: str) -> bool:
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM cost_daily")).scalar())
    except Exception:  # no schema yet: an empty database
        return False
    finally:
        engine.dispose()


def bench(kind: str, url: str, config: Path, repeat: int) -> dict:
    services = build_services(Settings(database_url=url), config)
    reports = []
    for _ in range(repeat):
        started = time.perf_counter()
        report = services.shared.reallocate()
        reports.append((time.perf_counter() - started, report))
        print(f"  {kind}: {reports[-1][0]:.2f} s, {reports[-1][1].entries:,} entries", flush=True)
    with services.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM cost_shared_daily")).scalar()
    services.engine.dispose()
    last = reports[-1][1]
    times = [seconds for seconds, _ in reports]
    return {
        "db": kind,
        "median_s": median(times),
        "min_s": min(times),
        "max_s": max(times),
        "times_s": [round(t, 3) for t in times],
        "entries": last.entries,
        "stored_rows": stored,
        "moved": {rule: {c: str(v) for c, v in by.items()} for rule, by in last.moved.items()},
        "fallback_days": last.fallback_days,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="also run on this PostgreSQL store")
    parser.add_argument("--no-sqlite", action="store_true", help="only the --database-url store")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached SQLite store")
    args = parser.parse_args()
    print(f"code under test: {code_version()}")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=args.days - 1)
    usage = write_usage(CACHE_DIR / f"reallocate-gpu-hours-{first}.csv", first, args.days)
    rules = [
        {**rule, "usage": {**rule["usage"], "file": str(usage)}} if "usage" in rule else rule
        for rule in RULES
    ]
    config = CACHE_DIR / "reallocate-bench.yml"
    config.write_text(yaml.safe_dump({"allocation": {"shared": rules}}))
    stores = []
    if not args.no_sqlite:
        stores.append(
            ready_store(argparse.Namespace(**{**vars(args), "database_url": None}), first)
        )
    if args.database_url:
        stores.append(ready_store(args, first))
    results = [bench(kind, url, config, args.repeat) for kind, url in stores]
    print(f"\n{args.days} days x {args.resources:,} resources = {args.days * args.resources:,} "
          f"cost_daily rows; 3 rules; median of {args.repeat}; target < 10 s\n")  # fmt: skip
    print_table(
        ["db", "median s", "min s", "max s", "entries", "fallback days"],
        [
            [r["db"], f"{r['median_s']:.2f}", f"{r['min_s']:.2f}", f"{r['max_s']:.2f}",
             f"{r['entries']:,}", r["fallback_days"]]
            for r in results
        ],
    )  # fmt: skip
    print(f"\nJSON: {write_results('shared', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
