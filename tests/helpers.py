"""Small helpers for tests: an independent pandas reading of FOCUS files, CSV writers, sums of
the aggregates an ingest input makes."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text

from bot.domain.periods import Period

ALL_TIME = Period(date(2000, 1, 1), date(2099, 12, 31), "all time")


def pandas_total(path: Path, column: str = "EffectiveCost") -> dict[str, Decimal]:
    """Exact per-currency sum of a FOCUS column, read independently of costbot's reader."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    totals: dict[str, Decimal] = {}
    for currency, value in zip(frame["BillingCurrency"], frame[column], strict=True):
        amount = Decimal(value) if value not in ("", "NULL") else Decimal(0)
        totals[currency] = totals.get(currency, Decimal(0)) + amount
    return totals


def aggregates_of(billing_files: Iterable) -> pd.DataFrame:
    """Every daily aggregate the opened inputs make, none of their rows rejected."""
    frames = []
    for billing_file in billing_files:
        for batch in billing_file.batches():
            assert batch.rows_rejected == 0, batch.rejections
            frames.append(batch.aggregates.to_pandas())
    return pd.concat(frames, ignore_index=True)


def sums(frame: pd.DataFrame, by: list[str], column: str) -> dict:
    """Exact sums of a Decimal column by the `by` columns (one column: keyed by its value)."""
    grouped: dict = defaultdict(Decimal)
    for key, value in zip(frame[by].itertuples(index=False, name=None), frame[column], strict=True):
        grouped[key if len(by) > 1 else key[0]] += value
    return dict(grouped)


def stored_totals(services, period: Period = ALL_TIME, basis: str = "effective") -> dict:
    rows = services.cost_store.sum_cost(period.start, period.end, basis)
    return {currency: cost for currency, cost in rows}


def snapshot(url: str) -> dict[str, list]:
    """Every row of every costbot table, to prove a failed ingest changed nothing."""
    engine = create_engine(url)
    tables = [
        "cost_keys",
        "cost_daily",
        "cost_rollup_daily",
        "ingest_runs",
        "ingest_staging",
        "ingest_staged_keys",
        "dimension_values",
    ]
    with engine.connect() as connection:
        result = {
            t: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {t}"))), key=repr)
            for t in tables
        }
    engine.dispose()
    return result


FOCUS_HEADER = [
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "BillingCurrency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ServiceName",
    "ResourceId",
    "SubAccountName",
    "Tags",
]


def write_focus_csv(path: Path, rows: list[dict], header: list[str] = FOCUS_HEADER) -> Path:
    """A small FOCUS CSV; missing fields default to a one-day USD usage row."""
    defaults = {
        "BilledCost": "1.00",
        "EffectiveCost": "1.00",
        "ListCost": "1.00",
        "BillingCurrency": "USD",
        "ChargePeriodStart": "2024-09-01T00:00:00Z",
        "ChargePeriodEnd": "2024-09-02T00:00:00Z",
        "ServiceName": "Amazon EC2",
        "ResourceId": "i-1",
        "SubAccountName": "ml-prod",
        "Tags": "",
    }
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**defaults, **row})
    return path
