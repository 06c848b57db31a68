"""Benchmark: cost questions through the service layer on a year of daily cost.

    python bench/query.py                      # 365 days x 10,000 resources, SQLite and PostgreSQL
    python bench/query.py --db sqlite --iterations 50

The store (days x resources rows in cost_daily) is loaded through the real ingest write path
(stage, then publish, one ingest per month) and cached: a SQLite file under
/tmp/costbot_bench and a PostgreSQL database named by size, both reused while their row count
and last day (today, UTC) still fit.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
from _common import (
    CACHE_DIR,
    PG_URL,
    code_version,
    percentile,
    pg_create,
    pg_drop,
    pg_exists,
    print_table,
    write_results,
)
from sqlalchemy import text

from bot.app import build_services
from bot.domain.allocation import canonical_tags
from bot.domain.cost_rows import COST_KEY_FIELDS
from bot.domain.periods import parse_period
from bot.services.ports import IngestRunRecord
from bot.settings import Settings
from storage.db import create_store_engine, make_session_factory, upgrade_store
from storage.repositories.ingest import SqlIngestStore

PROJECTS = 25
TEAMS = 10
OWNERS = 80
UNTAGGED = 0.1  # share of resources without tags: project, team, ... all NULL
ACCOUNTS = ["ml-prod", "ml-research", "data-platform", "shared-services", "sandbox"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"]
ENVS = ["prod", "staging", "dev"]
# (service, category, resource type, unit, typical $ per day)
KINDS = [
    ("Amazon Elastic Compute Cloud", "Compute", "Instance", "Hours", 20),
    ("Amazon SageMaker", "AI and Machine Learning", "Endpoint", "Hours", 40),
    ("Amazon SageMaker", "AI and Machine Learning", "TrainingJob", "Hours", 150),
    ("Amazon Simple Storage Service", "Storage", "Bucket", "GB-Mo", 5),
    ("Amazon Elastic Block Store", "Storage", "Volume", "GB-Mo", 3),
    ("Amazon Relational Database Service", "Databases", "DBInstance", "Hours", 25),
    ("AWS Lambda", "Compute", "Function", "Requests", 1),
    ("Amazon Bedrock", "AI and Machine Learning", "Model", "Tokens", 30),
    ("Amazon CloudWatch", "Management and Governance", "LogGroup", "GB", 2),
    ("Amazon Elastic Kubernetes Service", "Compute", "Cluster", "Hours", 10),
    ("Amazon FSx", "Storage", "FileSystem", "GB-Mo", 15),
    ("Amazon Elastic File System", "Storage", "FileSystem", "GB-Mo", 4),
]
NANOS = 10**9


def resources(count: int) -> list[tuple]:
    """Deterministic resources: each in one project (or untagged), with its own base cost."""
    rows = []
    for rid in range(count):
        kind = KINDS[(rid * 7) % len(KINDS)]
        account = ACCOUNTS[(rid * 3) % len(ACCOUNTS)]
        region = REGIONS[(rid // 3) % len(REGIONS)]
        # Skewed sizes: project 0 is the biggest, so `top` has something to rank.
        p = int(PROJECTS * ((rid * 2654435761) % 2**32 / 2**32) ** 1.6)
        tagged = (rid * 40503) % 1000 >= UNTAGGED * 1000
        project = f"project-{p:02d}" if tagged else None
        team = f"team-{p % TEAMS}" if tagged else None
        owner = f"owner{(rid * 13) % OWNERS}@example.com" if tagged else None
        model = f"model-{p:02d}-v{rid % 4}" if tagged and kind[1].startswith("AI") else None
        env = ENVS[rid % 3] if tagged else None
        # Log-uniform spread around the kind's typical daily cost: $0.03 to several hundred.
        base = kind[4] * 10 ** (((rid * 7919) % 1000) / 500 - 1.2)
        tags = canonical_tags({"project": project, "team": team, "owner": owner, "env": env})
        rows.append(
            (
                rid, "999988887777", "acme-ml-management", f"{100000000000 + rid % 5}", account,
                "AWS", kind[0], kind[1], region,
                f"arn:aws:{kind[2].lower()}:{region}:{100000000000 + rid % 5}:r-{rid:08x}",
                f"{account}-{kind[2].lower()}-{rid}", kind[2], "Usage", "USD", kind[3],
                project, team, owner, model, env, tags, int(base * NANOS),
            )
        )  # fmt: skip
    return rows


def _day_table(rows: list[tuple], day: date, wobble: np.ndarray) -> pa.Table:
    """One day of every resource as the daily aggregates a FOCUS ingest would stage."""
    columns = {"day": pa.array([day] * len(rows), pa.date32())}
    for index, name in enumerate(COST_KEY_FIELDS):
        columns[name] = pa.array([row[index] for row in rows], pa.string())
    base = np.array([row[-1] for row in rows], dtype=np.int64) * wobble // 100
    amount = pa.array([Decimal(int(v)).scaleb(-9) for v in base], pa.decimal128(38, 12))
    columns |= {"billed_cost": amount, "effective_cost": amount}
    columns["list_cost"] = pa.array(
        [Decimal(int(v) * 6 // 5).scaleb(-9) for v in base], pa.decimal128(38, 12)
    )
    columns["usage_quantity"] = pa.array([Decimal(24)] * len(rows), pa.decimal128(38, 12))
    return pa.table(columns)


def build(url: str, days: int, count: int, first: date) -> None:
    """Load the store through the real write path: one ingest per month, as exports arrive."""
    engine = create_store_engine(url)
    upgrade_store(engine)
    ingests = SqlIngestStore(make_session_factory(engine))
    rows = [row[1:] for row in resources(count)]
    rids = np.arange(count, dtype=np.int64)
    all_days = [first + timedelta(days=n) for n in range(days)]
    months = sorted({(d.year, d.month) for d in all_days})
    for year, month in months:
        month_days = [d for d in all_days if (d.year, d.month) == (year, month)]
        run = IngestRunRecord(
            source="focus", cost_basis="effective", started_at=datetime.now(UTC),
            status="succeeded", day_ranges=[(month_days[0], month_days[-1])],
        )  # fmt: skip
        with ingests.open_ingest(run) as writer:
            for day in month_days:
                n = (day - first).days
                wobble = 90 + (n * 31 + rids * 17) % 21
                writer.stage(_day_table(rows, day, wobble))
            writer.publish(run)
        print(f"  loaded {year}-{month:02d}", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def _fits(url: str, rows: int, last: str) -> bool:
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            count, through = conn.execute(text("SELECT count(*), max(day) FROM cost_daily")).one()
            # a store of an older schema (before cost_keys) is rebuilt
            conn.execute(text("SELECT count(*) FROM cost_keys")).one()
        return count == rows and str(through) == last
    except Exception:
        return False
    finally:
        engine.dispose()


def store(db: str, days: int, count: int, rebuild: bool) -> tuple[str, float]:
    """URL of a cached store of this size ending today, built first if need be; build seconds."""
    today = datetime.now(UTC).date()
    first, last = (today - timedelta(days=days - 1)).isoformat(), today.isoformat()
    started = time.perf_counter()
    if db == "sqlite":
        url = f"sqlite:///{CACHE_DIR / f'query-{days}d-{count}r.db'}"
        if rebuild or not _fits(url, days * count, last):
            print(f"building SQLite store ({days * count:,} rows) ...", flush=True)
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            build(url, days, count, date.fromisoformat(first))
            return url, time.perf_counter() - started
        return url, 0.0
    name = f"costbot_bench_q_{days}d_{count}r"
    url = PG_URL.format(name=name)
    if rebuild or not (pg_exists(name) and _fits(url, days * count, last)):
        print(f"building PostgreSQL store {name} ({days * count:,} rows) ...", flush=True)
        pg_drop(name)
        try:
            pg_create(name)
            build(url, days, count, date.fromisoformat(first))
        except BaseException:
            pg_drop(name)
            raise
        return url, time.perf_counter() - started
    return url, 0.0


def _timed(call, iterations: int, warmup: int) -> tuple[list[float], object]:
    for i in range(warmup):
        result = call(i)
    times = []
    for i in range(iterations):
        started = time.perf_counter()
        result = call(i)
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def bench_db(db: str, args: argparse.Namespace) -> list[dict]:
    url, built = store(db, args.days, args.resources, args.rebuild)
    results = []
    # "computed" runs every query; "cached" is what repeated questions cost until the next ingest.
    for cache in (False, True):
        services = build_services(Settings(database_url=url, answer_cache=cache))
        today = datetime.now(UTC).date()
        last_90, mtd = parse_period("90d", today), parse_period("mtd", today)
        projects = services.cost_store.known_names("project")
        calls = {
            "cost project 90d": lambda i, s=services, p=projects, d=last_90: s.costs.cost(
                "project", p[i % len(p)], d
            ),
            "top project mtd": lambda i, s=services, d=mtd: s.costs.top("project", d),
        }
        for query, call in calls.items():
            times, report = _timed(call, args.iterations, args.warmup)
            results.append(
                {
                    "db": db,
                    "query": query,
                    "answers": "cached" if cache else "computed",
                    "build_seconds": round(built, 1),
                    "p50_ms": percentile(times, 50),
                    "p95_ms": percentile(times, 95),
                    "max_ms": max(times),
                    "iterations": args.iterations,
                    "last_answer_total": str(report.currencies[0].total),
                    "times_ms": [round(t, 3) for t in times],
                }
            )
        services.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached stores")
    parser.add_argument(
        "--drop-cache", action="store_true", help="delete the cached stores of --db; exit"
    )
    args = parser.parse_args()
    dbs = [d.strip() for d in args.db.split(",")]
    if set(dbs) - {"sqlite", "postgres"}:
        parser.error("--db takes sqlite, postgres or both")
    if args.drop_cache:
        if "sqlite" in dbs:
            (CACHE_DIR / f"query-{args.days}d-{args.resources}r.db").unlink(missing_ok=True)
        if "postgres" in dbs:
            pg_drop(f"costbot_bench_q_{args.days}d_{args.resources}r")
        print(f"dropped the cached {' and '.join(dbs)} stores of this size")
        return
    print(f"code under test: {code_version()}")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    results = [r for db in dbs for r in bench_db(db, args)]
    print(f"\n{args.days} days x {args.resources:,} resources = "
          f"{args.days * args.resources:,} cost_daily rows; {args.iterations} iterations "
          f"after {args.warmup} warm-ups; target p95 < 100 ms\n")  # fmt: skip
    print_table(
        ["db", "query", "answers", "p50 ms", "p95 ms", "max ms", "build s", "answer total"],
        [
            [r["db"], r["query"], r["answers"], f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}",
             f"{r['max_ms']:.1f}", f"{r['build_seconds']:.0f}", r["last_answer_total"]]
            for r in results
        ],
    )  # fmt: skip
    print(f"\nJSON: {write_results('query', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
