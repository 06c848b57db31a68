"""Untagged cost and source freshness on real stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.domain.periods import Period
from tests.helpers import write_focus_csv

SEP = Period(date(2024, 9, 1), date(2024, 9, 30), "2024-09")


def test_untagged_is_cost_with_neither_project_nor_team(store, tmp_path):
    rows = [
        {"EffectiveCost": "60", "Tags": '{"project": "a"}', "ResourceId": "i-a"},
        {"EffectiveCost": "10", "Tags": '{"team": "risk"}', "ResourceId": "i-b"},
        {"EffectiveCost": "25", "ServiceName": "Amazon S3", "ResourceId": "bucket-x"},
        {"EffectiveCost": "5", "ServiceName": "AWS Data Transfer", "ResourceId": ""},
        {"EffectiveCost": "8", "BillingCurrency": "EUR"},
    ]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "t.csv", rows)])

    report = store.services.coverage.untagged(SEP)

    usd = next(p for p in report.currencies if p.currency == "USD")
    assert (usd.total, usd.untagged) == (Decimal(100), Decimal(30))
    assert usd.coverage_percent == Decimal(70)
    assert [(s.name, s.cost) for s in usd.by_service] == [
        ("Amazon S3", Decimal(25)),
        ("AWS Data Transfer", Decimal(5)),
    ]
    assert [r.id for r in usd.top_resources] == ["bucket-x", None]
    eur = next(p for p in report.currencies if p.currency == "EUR")
    assert (eur.total, eur.untagged, eur.coverage_percent) == (Decimal(8), Decimal(8), Decimal(0))


def test_untagged_with_no_data_is_an_empty_answer(store):
    report = store.services.coverage.untagged(SEP)
    assert report.primary.total == 0 and report.primary.coverage_percent is None
    assert report.data_through is None


def test_status_reports_each_source(store, tmp_path):
    path = write_focus_csv(tmp_path / "s.csv", [{"EffectiveCost": "1"}, {"EffectiveCost": "x"}])
    store.services.ingest.ingest([path], source="aws", skip_bad_rows=True)
    store.services.ingest.ingest([path], source="azure", skip_bad_rows=True)

    report = store.services.coverage.status()

    assert [(s.source, s.first_day, s.last_day, s.rows_rejected) for s in report.sources] == [
        ("aws", date(2024, 9, 1), date(2024, 9, 1), 1),
        ("azure", date(2024, 9, 1), date(2024, 9, 1), 1),
    ]
    assert all(s.last_ingest_at is not None for s in report.sources)
    assert report.data_through == date(2024, 9, 1)


def test_a_limit_keeps_the_largest_rows_of_each_currency(store, tmp_path):
    rows = [
        {
            "EffectiveCost": str(cost),
            "ResourceId": f"i-{currency}-{cost}",
            "BillingCurrency": currency,
        }
        for currency in ("USD", "EUR")
        for cost in (1, 5, 3, 9, 7)
    ]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "r.csv", rows)])

    top = store.services.cost_store.sum_cost(
        SEP.start, SEP.end, "effective", group_by=("resource_id",), limit=2
    )

    assert sorted(top) == sorted(
        [
            ("i-USD-9", "USD", Decimal(9)),
            ("i-USD-7", "USD", Decimal(7)),
            ("i-EUR-9", "EUR", Decimal(9)),
            ("i-EUR-7", "EUR", Decimal(7)),
        ]
    )
    assert [cost for *_, cost in top] == sorted((cost for *_, cost in top), reverse=True)
