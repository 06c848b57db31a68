"""Seeded daily cost series for alert tests, written as a FOCUS file and ingested for real."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from tests.helpers import FOCUS_HEADER, write_focus_csv

HEADER = [*FOCUS_HEADER, "ChargeCategory"]
TODAY = date(2024, 9, 20)  # a Friday; complete through the 19th
FIRST = date(2024, 7, 20)

Daily = Callable[[date], Decimal]


def flat(amount: float, noise: float = 0.03, seed: int = 1) -> Daily:
    rng = random.Random(seed)
    cache: dict[date, Decimal] = {}

    def cost(day: date) -> Decimal:
        if day not in cache:
            cache[day] = Decimal(str(round(amount * (1 + rng.uniform(-noise, noise)), 2)))
        return cache[day]

    return cost


def ramp(start: float, per_day: float) -> Daily:
    return lambda day: Decimal(str(round(start + per_day * (day - FIRST).days, 2)))


def weekly(weekday: float, weekend: float, seed: int = 2) -> Daily:
    base = flat(1, seed=seed)
    return lambda day: base(day) * Decimal(str(weekend if day.weekday() >= 5 else weekday))


def rows_for(
    project: str, team: str, daily: Daily, *, service: str = "Amazon EC2", resource: str = ""
) -> list[dict]:
    tags = json.dumps({"project": project, "team": team})
    rows = []
    day = FIRST
    while day < TODAY:
        rows.append(_row(day, daily(day), service, resource or f"i-{project}", tags))
        day += timedelta(days=1)
    return rows


def extra(project: str, team: str, day: date, amount: str, **fields: str) -> dict:
    tags = json.dumps({"project": project, "team": team})
    row = _row(
        day,
        Decimal(amount),
        fields.pop("service", "Amazon SageMaker"),
        fields.pop("resource", f"ml-{project}"),
        tags,
    )
    row.update(fields)
    return row


def _row(day: date, cost: Decimal, service: str, resource: str, tags: str) -> dict:
    return {
        "BilledCost": str(cost),
        "EffectiveCost": str(cost),
        "ListCost": str(cost),
        "ChargePeriodStart": f"{day.isoformat()}T00:00:00Z",
        "ChargePeriodEnd": f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z",
        "ServiceName": service,
        "ResourceId": resource,
        "Tags": tags,
        "ChargeCategory": "Usage",
    }


def standard_rows() -> list[dict]:
    """fraud: $100/day (a budget of $2,000 is past 80% and forecast over); spiky: a $600
    SageMaker spike on the 19th; ramping: +$8 a day; weekly: weekends a tenth; feeful: a
    one-time $900 purchase on the 19th."""
    rows = rows_for("fraud", "risk", flat(100, seed=3))
    rows += rows_for("spiky", "ml-platform", flat(200, seed=4))
    rows.append(extra("spiky", "ml-platform", TODAY - timedelta(days=1), "600"))
    rows += rows_for("ramping", "ml-platform", ramp(50, 8))
    rows += rows_for("weekly", "ml-platform", weekly(300, 30))
    rows += rows_for("feeful", "risk", flat(80, seed=5))
    rows.append(
        extra(
            "feeful",
            "risk",
            TODAY - timedelta(days=1),
            "900",
            ChargeCategory="Purchase",
            service="AWS Marketplace",
        )
    )
    return rows


def ingest_rows(services, tmp_path: Path, rows: list[dict], name: str = "alerts.csv") -> None:
    path = write_focus_csv(tmp_path / name, rows, HEADER)
    services.ingest.ingest([path], source="billing")
