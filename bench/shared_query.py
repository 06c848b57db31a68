"""Benchmark: `/cost project X` with shared cost on, against the same question direct.

    python bench/shared_query.py                      # 365 days x 10,000 resources, both dbs
    python bench/shared_query.py --db sqlite --iterations 100

Starts from the cached store of `bench/query.py` (built first if missing), copies it (a
SQLite file copy; a PostgreSQL database made from it as a template) so the cached store is
never changed, re-splits the copy with three rules through `costbot reallocate`'s service,
and then asks `costs.cost("project", X, period)` with shared cost (the default) and with
`shared=False`, alternating the two in the same loop so both see the same noise. Answers are
computed every time (no answer cache). Reports p50 / p95 / max in ms and the ratio shared /
direct of the p50 and p95. Target: p95 under 100 ms with shared cost on.
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml
from _common import (
    CACHE_DIR,
    PG_URL,
    code_version,
    percentile,
    pg_admin,
    pg_drop,
    print_table,
    write_results,
)
from query import store
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import build_services
from bot.domain.periods import parse_period
from bot.settings import Settings
from storage.models import SharedCostRow

# Three rules of three kinds: a platform project shared in proportion to each project's own
# cost, the untagged cost shared evenly, and one service (EKS) of every project pooled and
# shared by fixed weights.
RULES = [
    {"name": "platform", "match": {"project": "project-03"}, "split": "proportional"},
    {"name": "untagged", "match": {"project": None}, "split": "even"},
    {
        "name": "eks-pool",
        "match": {"service": "Amazon Elastic Kubernetes Service"},
        "split": "fixed",
        "weights": {"project-00": 50, "project-01": 30, "project-02": 20},
    },
]


def shared_copy(db: str, base_url: str, args: argparse.Namespace) -> str:
    """A copy of the cached store to split (the cached one stays as `bench/query.py` built it)."""
    name = f"shared-{args.days}d-{args.resources}r"
    if db == "sqlite":
        source = Path(base_url.removeprefix("sqlite:///"))
        target = CACHE_DIR / f"{name}.db"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    base = base_url.rsplit("/", 1)[1]
    copy = f"costbot_bench_{name.replace('-', '_')}"
    pg_drop(copy)
    pg_admin(f'CREATE DATABASE "{copy}" TEMPLATE "{base}"')
    return PG_URL.format(name=copy)


def split(url: str, folder: Path) -> tuple[float, int]:
    config = folder / "shared-bench.yml"
    config.write_text(yaml.safe_dump({"allocation": {"shared": RULES}}))
    services = build_services(Settings(database_url=url), config)
    started = time.perf_counter()
    report = services.shared.reallocate()
    seconds = time.perf_counter() - started
    with Session(services.engine) as session:
        rows = session.scalar(select(func.count()).select_from(SharedCostRow))
    services.engine.dispose()
    print(f"  re-split: {report.entries:,} entries in {seconds:.1f} s", flush=True)
    return seconds, rows or 0


def bench_db(db: str, args: argparse.Namespace) -> list[dict]:
    base, _built = store(db, args.days, args.resources, args.rebuild)
    url = shared_copy(db, base, args)
    split_seconds, split_rows = split(url, CACHE_DIR)
    services = build_services(Settings(database_url=url, answer_cache=False))
    today = datetime.now(UTC).date()
    projects = services.cost_store.known_names("project")
    results = []
    questions = [("cost project", label) for label in args.periods.split(",")]
    questions += [("top project", label) for label in args.top_periods.split(",") if label]
    for kind, label in questions:
        period = parse_period(label, today)
        times: dict[bool, list[float]] = {True: [], False: []}
        totals: dict[bool, str] = {}
        for i in range(args.warmup + args.iterations):
            project = projects[i % len(projects)]
            for shared in (True, False):
                started = time.perf_counter()
                if kind == "top project":
                    report = services.costs.top("project", period, shared=shared)
                    answer = f"total {report.primary.total:.2f}"
                else:
                    report = services.costs.cost("project", project, period, shared=shared)
                    answer = f"{project}: {report.primary.total:.2f}"
                elapsed = (time.perf_counter() - started) * 1000
                if i >= args.warmup:
                    times[shared].append(elapsed)
                    totals[shared] = answer
        for shared in (True, False):
            results.append(
                {
                    "db": db,
                    "query": f"{kind} {label}",
                    "shared": "on" if shared else "off",
                    "p50_ms": percentile(times[shared], 50),
                    "p95_ms": percentile(times[shared], 95),
                    "max_ms": max(times[shared]),
                    "ratio_p50": percentile(times[True], 50) / percentile(times[False], 50),
                    "ratio_p95": percentile(times[True], 95) / percentile(times[False], 95),
                    "split_seconds": round(split_seconds, 1),
                    "split_rows": split_rows,
                    "last_answer": totals[shared],
                    "times_ms": [round(t, 3) for t in times[shared]],
                }
            )
    services.engine.dispose()
    if not args.keep:
        if db == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            pg_drop(url.rsplit("/", 1)[1])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--periods", default="90d,mtd,365d", help="periods asked, comma-separated")
    parser.add_argument("--top-periods", default="mtd,365d", help="periods of `top project`")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached stores")
    parser.add_argument("--keep", action="store_true", help="keep the split copies")
    args = parser.parse_args()
    dbs = [d.strip() for d in args.db.split(",")]
    if set(dbs) - {"sqlite", "postgres"}:
        parser.error("--db takes sqlite, postgres or both")
    print(f"code under test: {code_version()}")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    results = [r for db in dbs for r in bench_db(db, args)]
    print(f"\n{args.days} days x {args.resources:,} resources, {len(RULES)} rules; "
          f"{args.iterations} iterations after {args.warmup} warm-ups, shared on and off "
          "alternating; target p95 < 100 ms with shared cost on\n")  # fmt: skip
    print_table(
        ["db", "query", "shared", "p50 ms", "p95 ms", "max ms", "on/off p50", "on/off p95",
         "split rows", "answer"],
        [
            [r["db"], r["query"], r["shared"], f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}",
             f"{r['max_ms']:.1f}", f"{r['ratio_p50']:.2f}", f"{r['ratio_p95']:.2f}",
             f"{r['split_rows']:,}", r["last_answer"]]
            for r in results
        ],
    )  # fmt: skip
    print(f"\nJSON: {write_results('shared_query', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
