"""Helpers shared by the benchmark scripts: PostgreSQL scratch databases, stats, output."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg

OUT_DIR = Path(__file__).resolve().parent / "out"
CACHE_DIR = Path("/tmp/costbot_bench")
# Only the local server: the benchmarks create and drop databases of their own on it.
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def pg_admin(sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        cursor = conn.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


def pg_exists(name: str) -> bool:
    return bool(pg_admin("SELECT 1 FROM pg_database WHERE datname = %s", name))


def pg_create(name: str) -> str:
    pg_admin(f'CREATE DATABASE "{name}"')
    return PG_URL.format(name=name)


def pg_drop(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def run_child(args: list[str]) -> dict:
    """Run this interpreter on `args` in a fresh process; its last stdout line is JSON."""
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def code_version() -> dict:
    """Where `bot` is imported from, and its git commit (with uncommitted changes flagged)."""
    import bot

    root = Path(bot.__file__).resolve().parent.parent
    git = ["git", "-C", str(root)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "bot", "storage"], capture_output=True, text=True
    )
    return {
        "dir": str(root),
        "commit": head.stdout.strip() or None,
        "uncommitted_changes": bool(dirty.stdout.strip()) if head.returncode == 0 else None,
    }


def write_results(name: str, payload: dict) -> Path:
    OUT_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUT_DIR / f"{name}-{stamp}.json"
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    body = {"machine": machine, "code": code_version(), **payload}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    return path
