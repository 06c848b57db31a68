"""Untagged cost and source freshness on real stores."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.domain.periods import Period
from bot.domain.untagged import ChargeKind
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
    assert [(r.resource_id, r.cost) for r in usd.tag_first] == [("bucket-x", Decimal(25))]
    # Transfer billed to no resource is no resource to tag: it is listed apart.
    assert [(c.kind, c.service, c.cost) for c in usd.untaggable] == [
        (ChargeKind.DATA_TRANSFER, "AWS Data Transfer", Decimal(5))
    ]
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


def test_the_change_compares_only_the_days_that_have_data(store, tmp_path):
    rows = [
        {
            "EffectiveCost": "10",
            "Tags": '{"project": "a"}',
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
        }
        for day in (date(2024, 8, 1) + timedelta(days=n) for n in range(39))  # Aug 1 .. Sep 8
    ]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "lag.csv", rows)])

    asked = Period(date(2024, 9, 1), date(2024, 9, 10), "2024-09-01..2024-09-10")
    report = store.services.costs.cost("project", "a", asked)

    # Data runs through Sep 8: 8 days against the 8 days before, not 10.
    assert report.previous_period.start == date(2024, 8, 24)
    assert report.previous_period.end == date(2024, 8, 31)
    assert report.primary.total == report.primary.previous_total == Decimal(80)


def test_names_differing_only_in_case_get_their_own_answers(store, tmp_path):
    rows = [
        {"EffectiveCost": "3", "SubAccountName": "ML-Prod"},
        {"EffectiveCost": "5", "SubAccountName": "ml-prod"},
    ]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "case.csv", rows)])

    upper = store.services.costs.cost("account", "ML-Prod", SEP)
    lower = store.services.costs.cost("account", "ml-prod", SEP)

    assert (upper.name, upper.primary.total) == ("ML-Prod", Decimal(3))
    assert (lower.name, lower.primary.total) == ("ml-prod", Decimal(5))
