"""Benchmark: ingest of an N-row FOCUS 1.2 CSV, against DuckDB reading the same file.

    python bench/ingest.py --rows 100000
    python bench/ingest.py --rows 1000000,2000000 --db sqlite --repeat 3

Each ingest and each DuckDB query runs in a fresh child process, so the peak RSS reported is
the ingest's own (the generator's memory is not counted). Medians of --repeat runs are quoted.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

# isort: off
import bot  # noqa: F401  # before pyarrow, as in the costbot command: it picks Arrow's allocator

# isort: on
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from _common import (
    CACHE_DIR,
    OUT_DIR,
    code_version,
    median,
    pg_create,
    pg_drop,
    print_table,
    run_child,
    write_results,
)

MONTH = "2026-09"  # 30 days: 720 hourly periods
HOURS = 720
CHUNK_ROWS = 200_000
TAG_SETS = 300
DUCKDB_SQL = (
    "SELECT date_trunc('day', CAST(ChargePeriodStart AS TIMESTAMP)) d, Tags, "
    "sum(CAST(EffectiveCost AS DECIMAL(38,12))) FROM read_csv('{path}', all_varchar=true) "
    "GROUP BY 1, 2"
)
ACCOUNTS = {
    "ml-prod": "123456789012",
    "ml-research": "210987654321",
    "data-platform": "345678901234",
}
REGIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
}
# (service, category, subcategory, resource type, unit, arn kind, hourly $ low..high, variable)
KINDS = [
    ("Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "Instance", "Hours",
     "ec2", 0.04, 40.0, False),
    ("Amazon SageMaker", "AI and Machine Learning", "Machine Learning", "Endpoint", "Hours",
     "sagemaker", 0.1, 8.0, False),
    ("Amazon SageMaker", "AI and Machine Learning", "Machine Learning", "Notebook", "Hours",
     "sagemaker", 0.05, 1.5, False),
    ("Amazon Simple Storage Service", "Storage", "Object Storage", "Bucket", "GB-Hours",
     "s3", 0.001, 2.0, True),
    ("Amazon Elastic Block Store", "Storage", "Block Storage", "Volume", "GB-Hours",
     "ec2", 0.01, 0.5, True),
    ("Amazon Relational Database Service", "Databases", "Relational Databases", "DBInstance",
     "Hours", "rds", 0.1, 6.0, False),
    ("AWS Lambda", "Compute", "Serverless Compute", "Function", "Requests",
     "lambda", 0.0001, 0.2, True),
    ("Amazon Bedrock", "AI and Machine Learning", "Generative AI", "Model", "Tokens",
     "bedrock", 0.01, 15.0, True),
    ("Amazon CloudWatch", "Management and Governance", "Observability", "LogGroup", "GB",
     "logs", 0.001, 0.3, True),
    ("Amazon FSx", "Storage", "File Storage", "FileSystem", "GB-Hours",
     "fsx", 0.05, 3.0, True),
]  # fmt: skip
PROJECTS = [f"{p}" for p in (
    "fraud-detection", "search-ranking", "recsys", "llm-chat", "speech", "vision-qa",
    "forecasting", "churn", "pricing", "ads-ctr", "translation", "ocr", "anomaly", "embeddings",
    "feature-store", "data-lake", "labeling", "eval-harness", "safety", "summarise", "rag",
    "agents", "tts", "asr-edge", "platform",
)]  # fmt: skip
TEAMS = ["risk", "search", "personalisation", "genai", "audio", "vision", "finance-ml",
         "growth", "platform", "research"]  # fmt: skip
KEY_SPELLINGS = {
    "project": ["project", "Project", "user:project", "app"],
    "team": ["team", "Team", "cost_center"],
    "owner": ["owner", "Owner", "created_by"],
    "model": ["model", "model_name"],
    "env": ["env", "environment", "Environment"],
}
COLUMNS = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit",
    "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName",
    "ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId",
    "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory",
    "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
]  # fmt: skip
# Per-row columns; every other column is a property of the row's resource.
ROW_COLUMNS = [
    "ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost", "ListCost",
    "ContractedCost", "ConsumedQuantity", "PricingQuantity",
]  # fmt: skip


# ---- generator ---------------------------------------------------------------------------


def _decimal_text(units: np.ndarray) -> pa.Array:
    """int64 amounts in units of 1e-10 as decimal text, vectorised (no Python loop)."""
    # Arrow writes values under 1e-6 in E notation ("0E-10"): write those as plain 0.
    units = np.where(np.abs(units) < 10**4, 0, units)
    wide = np.zeros((len(units), 2), dtype=np.int64)
    wide[:, 0] = units
    wide[:, 1] = np.where(units < 0, -1, 0)  # two's complement sign extension
    decimals = pa.Array.from_buffers(pa.decimal128(28, 10), len(units), [None, pa.py_buffer(wide)])
    return pc.if_else(pa.array(units == 0), pa.scalar("0"), decimals.cast(pa.string()))


def _tag_sets(rng: np.random.Generator) -> list[str | None]:
    sets: list[str | None] = [None]  # index 0: untagged
    for i in range(1, TAG_SETS):
        project = PROJECTS[i % len(PROJECTS)]
        tags = {
            rng.choice(KEY_SPELLINGS["project"]): project,
            rng.choice(KEY_SPELLINGS["team"]): TEAMS[i % len(TEAMS)],
            rng.choice(KEY_SPELLINGS["owner"]): f"user{int(rng.integers(60))}@example.com",
            rng.choice(KEY_SPELLINGS["env"]): str(rng.choice(["prod", "staging", "dev"])),
        }
        if rng.random() < 0.6:
            tags[rng.choice(KEY_SPELLINGS["model"])] = f"{project}-v{int(rng.integers(1, 6))}"
        if rng.random() < 0.3:
            tags["aws:createdBy"] = f"AssumedRole:AROA{int(rng.integers(10**6)):06d}:ci"
        sets.append(json.dumps(tags))
    return sets


class _Resources:
    """Per-resource attributes, and each resource's columns pre-rendered as CSV text."""

    def __init__(self, count: int, rng: np.random.Generator) -> None:
        self.count = count
        kind = rng.integers(0, len(KINDS), count)
        region = rng.integers(0, len(REGIONS), count)
        account = rng.integers(0, len(ACCOUNTS), count)
        tag_sets = _tag_sets(rng)
        tags = np.where(rng.random(count) < 0.08, 0, rng.integers(1, TAG_SETS, count))
        low = np.array([k[6] for k in KINDS])[kind]
        high = np.array([k[7] for k in KINDS])[kind]
        price = np.exp(rng.uniform(np.log(low), np.log(high)))
        self.price_units = np.round(price * 1e10).astype(np.int64)
        self.variable = np.array([k[8] for k in KINDS])[kind]
        self.committed = (~self.variable) & (rng.random(count) < 0.25)
        columns: dict[str, list] = {name: [] for name in COLUMNS if name not in ROW_COLUMNS}
        regions, accounts = list(REGIONS), list(ACCOUNTS)
        for r in range(count):
            k, g, a = KINDS[kind[r]], regions[region[r]], accounts[account[r]]
            committed = bool(self.committed[r])
            unit_price = f"{self.price_units[r] / 1e10:.10f}"
            values = {
                "AvailabilityZone": f"{g}{'abc'[r % 3]}",
                "BillingAccountId": "999988887777",
                "BillingAccountName": "acme-ml-management",
                "BillingAccountType": "Billing Account",
                "BillingCurrency": "USD",
                "BillingPeriodEnd": _hour_text(HOURS),
                "BillingPeriodStart": _hour_text(0),
                "ChargeCategory": "Usage",
                "ChargeClass": None,
                "ChargeDescription": f"${price[r]:.4f} per {k[4]} for {k[3]} in {REGIONS[g]}",
                "ChargeFrequency": "Usage-Based",
                "CommitmentDiscountCategory": "Spend" if committed else None,
                "CommitmentDiscountId": "arn:aws:savingsplans::999988887777:savingsplan/1a2b3c"
                if committed
                else None,
                "CommitmentDiscountStatus": "Used" if committed else None,
                "CommitmentDiscountType": "Compute Savings Plans" if committed else None,
                "ConsumedUnit": k[4],
                "ContractedUnitPrice": unit_price,
                "InvoiceId": f"EUINUS26-{MONTH}-{ACCOUNTS[a][-4:]}",
                "InvoiceIssuerName": "AWS",
                "ListUnitPrice": unit_price,
                "PricingCategory": "Committed" if committed else "Standard",
                "PricingCurrency": "USD",
                "PricingUnit": k[4],
                "ProviderName": "AWS",
                "PublisherName": "AWS",
                "RegionId": g,
                "RegionName": REGIONS[g],
                "ResourceId": f"arn:aws:{k[5]}:{g}:{ACCOUNTS[a]}:{k[3].lower()}/"
                f"{k[5]}-{r:08x}{r * 7919 % 65521:04x}",
                "ResourceName": f"{a}-{k[3].lower()}-{r}",
                "ResourceType": k[3],
                "ServiceCategory": k[1],
                "ServiceName": k[0],
                "ServiceSubcategory": k[2],
                "SkuId": f"SKU{kind[r]:04d}{region[r]:02d}ABCD",
                "SkuPriceId": f"SKU{kind[r]:04d}{region[r]:02d}ABCD.{r % 97:05d}",
                "SubAccountId": ACCOUNTS[a],
                "SubAccountName": a,
                "SubAccountType": "AWS Account",
                "Tags": tag_sets[tags[r]],
            }
            for name, value in values.items():
                columns[name].append(value)
        self.header = ",".join(f'"{name}"' for name in [*columns, *ROW_COLUMNS])
        # Arrow's CSV writer quotes and escapes; each line then leads with "\n" (see _chunk).
        sink = pa.BufferOutputStream()
        opts = pacsv.WriteOptions(include_header=False)
        pacsv.write_csv(
            pa.table({n: pa.array(v, pa.string()) for n, v in columns.items()}), sink, opts
        )
        lines = sink.getvalue().to_pybytes().decode().splitlines()
        self.prefix = pa.array([f"\n{line}" for line in lines], pa.string())


def _hour_text(hour: int) -> str:
    year, month = (int(part) for part in MONTH.split("-"))
    day, hh = divmod(hour, 24)
    if day >= 30:  # the first instant of the next month
        year, month, day, hh = year + month // 12, month % 12 + 1, 0, 0
    return f"{year:04d}-{month:02d}-{day + 1:02d}T{hh:02d}:00:00Z"


def _chunk(res: _Resources, hours: pa.Array, first: int, rows: int, rng) -> bytes:
    """CSV text of rows [first, first + rows): time-major, one row per resource and hour."""
    index = np.arange(first, first + rows)
    hour, r = index // res.count, index % res.count
    qty = np.where(res.variable[r], rng.gamma(2.0, 0.5, rows), 1.0)
    list_cost = np.round(res.price_units[r] * qty).astype(np.int64)
    committed = res.committed[r]
    effective = np.where(committed, list_cost * 72 // 100, list_cost)
    billed = np.where(committed, 0, effective)
    quantity = _decimal_text(np.round(qty * 1e10).astype(np.int64))
    listed = _decimal_text(list_cost)
    pieces = [
        res.prefix.take(pa.array(r)),
        hours.take(pa.array(hour)),
        hours.take(pa.array(hour + 1)),
        _decimal_text(billed),
        _decimal_text(effective),
        listed,
        listed,
        quantity,
        quantity,
    ]
    lines = pc.binary_join_element_wise(*pieces, ",")
    # A string array's data buffer is its values back to back: here, the CSV text itself.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    return lines.buffers()[2][int(offsets[0]) : int(offsets[rows])].to_pybytes()


def generate(rows: int, seed: int) -> tuple[Path, float]:
    """The cached CSV for (rows, seed), written first if missing; and the seconds it took."""
    path = CACHE_DIR / f"focus-{rows}-seed{seed}.csv"
    if path.exists():
        return path, 0.0
    started = time.perf_counter()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    res = _Resources(max(1, -(-rows // HOURS)), rng)
    hours = pa.array([_hour_text(h) for h in range(HOURS + 1)])
    partial = path.with_suffix(f".{os.getpid()}.part")
    with partial.open("wb") as out:
        out.write(res.header.encode())
        for first in range(0, rows, CHUNK_ROWS):
            out.write(_chunk(res, hours, first, min(CHUNK_ROWS, rows - first), rng))
        out.write(b"\n")
    partial.rename(path)
    return path, time.perf_counter() - started


# ---- child processes -----------------------------------------------------------------------


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries that over exec() from
    the forked parent, so a child would report the parent's (the generator's) size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(path: str, url: str, profile: str | None = None) -> dict:
    """One ingest into the store at `url`; under cProfile when `profile` names an output file."""
    from sqlalchemy import text

    from bot.app import build_services
    from bot.settings import Settings

    services = build_services(Settings(database_url=url))
    before = _peak_mb()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    summary = services.ingest.ingest([Path(path)])
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    with services.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM cost_daily")).scalar_one()
    services.engine.dispose()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "rss_before_ingest_mb": before,
        "rows_read": summary.record.rows_read,
        "cost_daily_rows": stored,
        "totals": summary.record.totals,
    }


def child_duckdb(path: str) -> dict:
    import duckdb

    started = time.perf_counter()
    with duckdb.connect() as conn:
        result = conn.execute(DUCKDB_SQL.format(path=path)).fetchall()
    seconds = time.perf_counter() - started
    total = sum((row[2] for row in result), Decimal(0))
    return {"seconds": seconds, "groups": len(result), "total": total, "peak_rss_mb": _peak_mb()}


# ---- driver -----------------------------------------------------------------------------


def _store(db: str, label: str) -> tuple[str, object]:
    """A fresh empty store: its URL and what to pass to _drop_store."""
    if db == "postgres":
        name = f"costbot_bench_{os.getpid()}_{label}"
        return pg_create(name), name
    folder = tempfile.mkdtemp(prefix="ingest-", dir=CACHE_DIR)
    return f"sqlite:///{folder}/costbot.db", folder


def _drop_store(db: str, handle: object) -> None:
    if db == "postgres":
        pg_drop(str(handle))
    else:
        shutil.rmtree(str(handle), ignore_errors=True)


def bench_size(rows: int, dbs: list[str], args: argparse.Namespace) -> list[dict]:
    path, gen_seconds = generate(rows, args.seed)
    size_mb = path.stat().st_size / 2**20
    print(f"\n{rows:,} rows: {path} ({size_mb:,.0f} MB, generated in {gen_seconds:.1f} s)")
    duck = []
    ingests: dict[str, list[dict]] = {db: [] for db in dbs}
    for attempt in range(args.repeat):
        for db in dbs:
            url, handle = _store(db, f"{rows}_{attempt}")
            try:
                run = run_child([__file__, "--child-ingest", str(path), url])
            finally:
                if args.keep:
                    print(f"  kept store: {url}")
                else:
                    _drop_store(db, handle)
            ingests[db].append(run)
            print(
                f"  {db} ingest #{attempt + 1}: {run['seconds']:.2f} s, peak RSS "
                f"{run['peak_rss_mb']:.0f} MB, {run['cost_daily_rows']:,} daily rows"
            )
        duck.append(run_child([__file__, "--child-duckdb", str(path)]))
        print(
            f"  duckdb #{attempt + 1}: {duck[-1]['seconds']:.2f} s, {duck[-1]['groups']:,} groups"
        )
    duck_s = median([d["seconds"] for d in duck])
    results = []
    for db, runs in ingests.items():
        secs = median([r["seconds"] for r in runs])
        results.append(
            {
                "rows": rows,
                "db": db,
                "file_mb": round(size_mb, 1),
                "generate_seconds": round(gen_seconds, 2),
                "ingest_seconds": secs,
                "rows_per_second": rows / secs,
                "peak_rss_mb": median([r["peak_rss_mb"] for r in runs]),
                "rss_before_ingest_mb": median([r["rss_before_ingest_mb"] for r in runs]),
                "duckdb_seconds": duck_s,
                "ratio": secs / duck_s,
                # Same money both ways? (ingest keeps 9 decimals per daily row; DuckDB 12)
                "totals_match": all(
                    abs(Decimal(r["totals"]["USD"]) - Decimal(d["total"])) < Decimal("0.01")
                    for r in runs
                    for d in duck
                ),
                "ingest_runs": runs,
                "duckdb_runs": duck,
            }
        )
    return results


def profile_ingest(rows: int, db: str, seed: int) -> None:
    """One ingest under cProfile: the costbot functions with the most cumulative time."""
    path, _ = generate(rows, seed)
    url, handle = _store(db, f"{rows}_profile")
    prof = OUT_DIR / f"ingest-{rows}-{db}.prof"
    OUT_DIR.mkdir(exist_ok=True)
    try:
        run = run_child([__file__, "--child-ingest", str(path), url, str(prof)])
    finally:
        _drop_store(db, handle)
    print(f"\n{rows:,} rows into {db}: {run['seconds']:.2f} s under cProfile; stats in {prof}")
    stats = pstats.Stats(str(prof))
    stats.sort_stats("cumulative").print_stats(r"/(bot|storage)/", 15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000", help="row count, or a comma list of them")
    parser.add_argument("--db", default="sqlite", help="sqlite, postgres or sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the stores (default: drop)")
    parser.add_argument(
        "--profile", action="store_true", help="one ingest per size under cProfile; print hot spots"
    )
    parser.add_argument("--child-ingest", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--child-duckdb", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_ingest:
        print(json.dumps(child_ingest(*args.child_ingest), default=str))
        return
    if args.child_duckdb:
        print(json.dumps(child_duckdb(args.child_duckdb), default=str))
        return
    print(f"code under test: {code_version()}")
    sizes = [int(s.replace("_", "")) for s in args.rows.split(",")]
    dbs = [d.strip() for d in args.db.split(",")]
    if set(dbs) - {"sqlite", "postgres"}:
        parser.error("--db takes sqlite, postgres or both")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if args.profile:
        for rows in sizes:
            for db in dbs:
                profile_ingest(rows, db, args.seed)
        return
    results = [r for rows in sizes for r in bench_size(rows, dbs, args)]
    print(f"\nMedians of {args.repeat} run(s) each; ratio = ingest / DuckDB (target <= 3 at 1M);")
    print("peak RSS = the ingest child's VmHWM (target < 500 MB, flat from 1M to 2M rows);")
    print("base RSS = that child's peak before the ingest (imports, opening the store)\n")
    headers = ["rows", "db", "file MB", "ingest s", "rows/s", "base RSS MB", "peak RSS MB"]
    headers += ["duckdb s", "ratio", "totals match"]
    print_table(
        headers,
        [
            [f"{r['rows']:,}", r["db"], f"{r['file_mb']:,.0f}", f"{r['ingest_seconds']:.2f}",
             f"{r['rows_per_second']:,.0f}", f"{r['rss_before_ingest_mb']:.0f}",
             f"{r['peak_rss_mb']:.0f}", f"{r['duckdb_seconds']:.2f}", f"{r['ratio']:.1f}x",
             "yes" if r["totals_match"] else "NO"]
            for r in results
        ],
    )  # fmt: skip
    out = write_results(
        "ingest", {"args": vars(args), "duckdb_sql": DUCKDB_SQL, "results": results}
    )
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    sys.exit(main())
