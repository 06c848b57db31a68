"""Days a source calls estimated stay provisional until a later run restates them, and
answers say so."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa

from bot.domain.periods import parse_period
from bot.sources.focus.tables import FocusTablesFile


def _window(store, first: date, days: int, estimated: set[date]) -> None:
    rows = [first + timedelta(days=i) for i in range(days)]
    table = pa.table(
        {
            "ChargePeriodStart": [f"{d}T00:00:00Z" for d in rows],
            "ChargePeriodEnd": [f"{d + timedelta(days=1)}T00:00:00Z" for d in rows],
            "BilledCost": ["1.5"] * days,
            "EffectiveCost": ["1.25"] * days,
            "BillingCurrency": ["USD"] * days,
            "ServiceName": ["Amazon EC2"] * days,
            "ChargeCategory": ["Usage"] * days,
            "Tags": ['{"project": "fraud-detection"}'] * days,
        }
    )
    window = FocusTablesFile(
        f"GetCostAndUsage {first}",
        lambda: iter([table]),
        store.services.config.allocation.rules(),
        provisional_days=lambda: frozenset(estimated),
    )
    store.services.ingest.ingest_files([window], source="aws-ce")


def test_estimated_days_stay_provisional_until_restated(store):
    nov = date(2026, 11, 1)
    _window(store, nov + timedelta(days=10), 5, {date(2026, 11, 13), date(2026, 11, 14)})
    assert store.services.cost_store.provisional_days() == {
        "aws-ce": [date(2026, 11, 13), date(2026, 11, 14)]
    }
    # A later window restates the 14th and beyond: the 13th, outside it, is still an estimate.
    _window(store, date(2026, 11, 14), 3, {date(2026, 11, 16)})
    assert store.services.cost_store.provisional_days() == {
        "aws-ce": [date(2026, 11, 13), date(2026, 11, 16)]
    }
    report = store.services.costs.cost(
        "project", "fraud-detection", parse_period("2026-11", date(2026, 11, 20))
    )
    assert report.provisional_days == (date(2026, 11, 13), date(2026, 11, 16))
