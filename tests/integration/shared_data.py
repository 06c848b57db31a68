"""Billing data and readings for the shared-cost store tests: a small organisation with a
shared platform, an untagged bill, two currencies, and an independent pandas reading."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import Services
from storage.models import CostRollup, SharedCostRow
from tests.helpers import write_focus_csv

FIRST_DAY = date(2024, 9, 1)
DAYS = 3
PROJECTS = {"fraud-detection": "3.333333333", "recsys": "1.111111111"}


def org_rows(days: int = DAYS) -> list[dict]:
    """Per day: two projects' EC2, the shared platform on EC2 and S3, an untagged support
    fee, and one EUR line; amounts that do not split into whole cents."""
    rows = []
    for offset in range(days):
        day = FIRST_DAY + timedelta(days=offset)
        period = {
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
        }
        for project, amount in PROJECTS.items():
            cost = str(Decimal(amount) * (offset + 1))
            rows.append(
                period | _cost(cost) | {"ResourceId": f"i-{project}", "Tags": _tags(project)}
            )
        rows.append(
            period
            | _cost("10.000000001")
            | {"ResourceId": "i-platform", "Tags": _tags("shared-platform")}
        )
        rows.append(
            period
            | _cost("2.5")
            | {
                "ServiceName": "Amazon S3",
                "ResourceId": "bucket-platform",
                "Tags": _tags("shared-platform"),
            }
        )
        rows.append(
            period
            | _cost("0.77")
            | {"ServiceName": "AWS Support", "ResourceId": "", "SubAccountName": "payer"}
        )
        rows.append(
            period
            | _cost("5.55")
            | {"BillingCurrency": "EUR", "ResourceId": "i-eu", "Tags": _tags("shared-platform")}
        )
        rows.append(
            period
            | _cost("4.44")
            | {"BillingCurrency": "EUR", "ResourceId": "i-eu-recsys", "Tags": _tags("recsys")}
        )
    return rows


def _cost(amount: str) -> dict:
    return {"BilledCost": amount, "EffectiveCost": amount, "ListCost": amount}


def _tags(project: str) -> str:
    return f'{{"project": "{project}"}}'


def write_org(path: Path, days: int = DAYS) -> Path:
    return write_focus_csv(path, org_rows(days))


def pandas_day_totals(path: Path, column: str = "EffectiveCost") -> dict[tuple[date, str], Decimal]:
    """Exact sums per day and currency, read independently of costbot."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for start, currency, amount in zip(
        frame["ChargePeriodStart"], frame["BillingCurrency"], frame[column], strict=True
    ):
        totals[(date.fromisoformat(start[:10]), currency)] += Decimal(amount)
    return dict(totals)


def write_config(path: Path, shared: list[dict], **extra: object) -> Path:
    path.write_text(yaml.safe_dump({"allocation": {"shared": shared}, **extra}))
    return path


def split_rows(services: Services) -> list[SharedCostRow]:
    with Session(services.engine) as session:
        rows = list(session.scalars(select(SharedCostRow).order_by(SharedCostRow.id)))
        session.expunge_all()
    return rows


def split_snapshot(services: Services) -> list[tuple]:
    return sorted(
        (r.day, r.dimension, r.value, r.origin, r.service_name, r.currency, r.billed_cost,
         r.effective_cost, r.rule, r.method, r.role)
        for r in split_rows(services)
    )  # fmt: skip


def allocated(
    services: Services, dimension: str = "project", amount: str = "effective_cost"
) -> dict[tuple[date, str, str | None], Decimal]:
    """Each value's cost per day and currency after the split: direct plus in and out."""
    totals: dict[tuple[date, str, str | None], Decimal] = defaultdict(Decimal)
    with Session(services.engine) as session:
        for row in session.scalars(select(CostRollup).where(CostRollup.dimension == dimension)):
            totals[(row.day, row.currency, row.value)] += getattr(row, amount)
    for row in split_rows(services):
        if row.dimension == dimension and row.role in ("in", "out"):
            totals[(row.day, row.currency, row.value)] += getattr(row, amount)
    return dict(totals)


def day_totals(
    values: dict[tuple[date, str, str | None], Decimal],
) -> dict[tuple[date, str], Decimal]:
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for (day, currency, _value), cost in values.items():
        totals[(day, currency)] += cost
    return dict(totals)
