"""A small organisation with shared cost, for the tests of answers that include it.

September 2024, two days. `shared-platform` (EKS, $100 a day) is split by rule `platform`
in proportion to fraud-detection's ($60 a day) and recsys' ($40 a day) own cost; `gpu-pool`
($50 a day) by rule `gpu-pool` on measured GPU hours on Sep 1 (fraud-detection 30, recsys
20) and kept on Sep 2, when nobody used the pool. The split is written as the shared-cost
service stores it (`cost_shared_daily`), with the allocation version moved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.periods import Period
from storage.models import AllocationStateRow, SharedCostRow
from tests.helpers import write_focus_csv

SEP = Period(date(2024, 9, 1), date(2024, 9, 30), "2024-09")
DAYS = (date(2024, 9, 1), date(2024, 9, 2))
PROPORTIONAL = "proportional"
GPU_HOURS = "usage: GPU hours"
KEPT = "kept: no project qualified that day"


def billing_rows() -> list[dict]:
    """Each project's own cost, both days."""
    rows = []
    for day in DAYS:
        start, end = f"{day}T00:00:00Z", f"{day.replace(day=day.day + 1)}T00:00:00Z"
        for project, cost, service, resource in (
            ("shared-platform", "100", "Amazon EKS", "cluster-1"),
            ("fraud-detection", "60", "Amazon EC2", "i-fraud"),
            ("recsys", "40", "Amazon EC2", "i-recsys"),
            ("gpu-pool", "50", "Amazon EC2", "i-gpu"),
        ):
            rows.append(
                {
                    "EffectiveCost": cost,
                    "BilledCost": cost,
                    "ChargePeriodStart": start,
                    "ChargePeriodEnd": end,
                    "ServiceName": service,
                    "ResourceId": resource,
                    "Tags": f'{{"project": "{project}", "team": "ml"}}',
                }
            )
    return rows


def ingest_world(services, tmp_path: Path) -> None:
    services.ingest.ingest([write_focus_csv(tmp_path / "shared-world.csv", billing_rows())])


def split_rows() -> list[SharedCostRow]:
    """The split of both days, as `SharedCostService.reallocate` would store it."""
    rows = []

    def add(day, value, origin, service, cost, rule, method, role):
        rows.append(
            SharedCostRow(
                day=day, dimension="project", value=value, origin=origin, service_name=service,
                currency="USD", billed_cost=Decimal(cost), effective_cost=Decimal(cost),
                rule=rule, method=method, role=role,
            )
        )  # fmt: skip

    for day in DAYS:
        add(day, "shared-platform", "shared-platform", "Amazon EKS", "-100", "platform",
            PROPORTIONAL, "out")  # fmt: skip
        add(day, "fraud-detection", "shared-platform", "Amazon EKS", "60", "platform",
            PROPORTIONAL, "in")  # fmt: skip
        add(day, "recsys", "shared-platform", "Amazon EKS", "40", "platform",
            PROPORTIONAL, "in")  # fmt: skip
    first, second = DAYS
    add(first, "gpu-pool", "gpu-pool", "Amazon EC2", "-50", "gpu-pool", GPU_HOURS, "out")
    add(first, "fraud-detection", "gpu-pool", "Amazon EC2", "30", "gpu-pool", GPU_HOURS, "in")
    add(first, "recsys", "gpu-pool", "Amazon EC2", "20", "gpu-pool", GPU_HOURS, "in")
    add(second, "gpu-pool", "gpu-pool", "Amazon EC2", "50", "gpu-pool", KEPT, "kept")
    return rows


def store_split(engine: Engine, rows: list[SharedCostRow] | None = None) -> int:
    """Replace the stored split with `rows` (default `split_rows()`), moving the version."""
    with Session(engine) as session, session.begin():
        session.query(SharedCostRow).delete()
        session.add_all(split_rows() if rows is None else rows)
        version = (session.scalar(select(func.max(AllocationStateRow.version))) or 0) + 1
        state = session.get(AllocationStateRow, 1)
        if state is None:
            state = AllocationStateRow(id=1, fingerprint="test", version=version)
            session.add(state)
        state.version = version
        state.updated_at = datetime.now(UTC)
    return version


def shared_world(services, tmp_path: Path) -> None:
    """Billing data and its split, stored."""
    ingest_world(services, tmp_path)
    store_split(services.engine)
