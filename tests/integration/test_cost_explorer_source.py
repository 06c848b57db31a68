"""The aws_cost_explorer source through boto3 against a local moto server, into real stores.

moto answers GetCostAndUsage from a queue of seeded pages: the first request with a new body
takes the next page, and the same body gets the same page again (per account). The pages are
in tests/fixtures/cost_explorer/ (see its README).
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.domain.allocation import AllocationRules
from bot.services.snapshot_ports import CallCounter, SourceContext
from bot.sources.registry import parse_source_config, source_types
from tests.conftest import FIXTURES

PAGES = FIXTURES / "cost_explorer"
FIRST_PAGE = PAGES / "window_2026-11-28_page1.json"
SECOND_PAGE = PAGES / "window_2026-11-28_page2.json"
RESTATED = PAGES / "window_2026-11-30_restated.json"
MOTO_ACCOUNT = "123456789012"  # moto's default account, which the seeds go to


def _post(url: str, body: dict) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def _seed(moto_url: str, *pages) -> None:
    results = [json.loads(page.read_text()) for page in pages]
    _post(f"{moto_url}/moto-api/static/ce/cost-and-usage-results", {"results": results})


def _source(today: date, calls: CallCounter, **keys):
    raw = {"name": "aws-ce", "type": "aws_cost_explorer", "lookback_days": 4, **keys}
    config = parse_source_config(raw)
    # 15:00 UTC: today is a day still growing, as it is when a scheduled run happens.
    now = datetime(today.year, today.month, today.day, 15, tzinfo=UTC)
    context = SourceContext(rules=AllocationRules(), calls=calls, now=lambda: now)
    return source_types()["aws_cost_explorer"].build(config, context)


def _run(store, today: date, calls: CallCounter | None = None):
    """One scheduled run's work: the source's units, each ingested whole."""
    calls = calls or CallCounter()
    [unit] = _source(today, calls).units()
    summary = store.services.ingest.ingest_files(
        unit.open(), source="aws-ce", units={unit.key: unit.fingerprint}
    )
    return unit, summary, calls


def _expected(*pages, metric: str = "AmortizedCost") -> dict[tuple[date, str | None], Decimal]:
    """Per (day, project), the sum of the seeded amounts, read straight from the pages."""
    totals: dict[tuple[date, str | None], Decimal] = {}
    for page in pages:
        parsed = page if isinstance(page, dict) else json.loads(page.read_text())
        for result in parsed["ResultsByTime"]:
            day = date.fromisoformat(result["TimePeriod"]["Start"])
            for group in result["Groups"]:
                project = group["Keys"][0].removeprefix("project$") or None
                amount = Decimal(group["Metrics"][metric]["Amount"])
                totals[(day, project)] = totals.get((day, project), Decimal(0)) + amount
    return totals


def _stored(store, basis: str = "effective") -> dict[tuple[date, str | None], Decimal]:
    rows = store.services.cost_store.sum_cost(
        date(2026, 11, 1), date(2026, 12, 31), basis, group_by=("day", "project")
    )
    return {(day, project): cost for day, project, currency, cost in rows if currency == "USD"}


def test_the_window_is_stored_per_day_and_project_exactly(store, moto):
    _seed(moto, FIRST_PAGE, SECOND_PAGE)
    unit, summary, calls = _run(store, date(2026, 12, 1))

    assert (unit.key, unit.fingerprint) == ("window", None)
    assert unit.label == "GetCostAndUsage 2026-11-28..2026-12-01"
    assert _stored(store) == _expected(FIRST_PAGE, SECOND_PAGE)
    assert _stored(store, "billed") == _expected(FIRST_PAGE, SECOND_PAGE, metric="UnblendedCost")
    assert calls.count == 2  # one call per page
    assert summary.record.provisional_days == [date(2026, 11, 30), date(2026, 12, 1)]
    assert summary.record.day_ranges == [(date(2026, 11, 28), date(2026, 12, 1))]
    assert summary.record.rows_rejected == 0


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # no rule of the store's here
def test_tax_and_untagged_cost_keep_their_nature(store, moto):
    _seed(moto, FIRST_PAGE, SECOND_PAGE)
    _run(store, date(2026, 12, 1))

    rows = store.services.cost_store.sum_cost(
        date(2026, 11, 30),
        date(2026, 11, 30),
        "effective",
        group_by=("service_name", "charge_category", "service_category", "project", "provider"),
    )
    found = {tuple(row[:5]): row[6] for row in rows}
    assert found[("Tax", "Tax", None, None, "AWS")] == Decimal("42.17")
    assert found[("AWS Key Management Service", "Usage", "Security", None, "AWS")] == Decimal(
        "0.033333333"
    )
    assert found[("EC2 - Other", "Usage", "Compute", "recsys", "AWS")] == Decimal("-1.25")


def test_the_requests_ask_once_for_both_bases_then_follow_the_token(moto):
    from moto.ce.models import ce_backends

    _seed(moto, FIRST_PAGE, SECOND_PAGE)
    [unit] = _source(date(2026, 12, 1), CallCounter()).units()
    [billing_input] = unit.open()
    assert len(list(billing_input.batches())) == 2

    # moto keeps each page under the exact request body that took it.
    requests = [json.loads(body) for body in ce_backends[MOTO_ACCOUNT]["global"].cost_usage_results]
    token = json.loads(FIRST_PAGE.read_text())["NextPageToken"]
    first = {
        "TimePeriod": {"Start": "2026-11-28", "End": "2026-12-02"},  # End is exclusive
        "Granularity": "DAILY",
        "Metrics": ["AmortizedCost", "UnblendedCost"],
        "GroupBy": [{"Type": "TAG", "Key": "project"}, {"Type": "DIMENSION", "Key": "SERVICE"}],
    }
    assert requests == [first, {**first, "NextPageToken": token}]


def test_a_later_window_replaces_only_its_own_days(store, moto):
    _seed(moto, FIRST_PAGE, SECOND_PAGE, RESTATED)
    _run(store, date(2026, 12, 1))
    before = _stored(store)
    _unit, summary, calls = _run(store, date(2026, 12, 3))

    after = _stored(store)
    restated = _expected(RESTATED)
    earlier = {key: cost for key, cost in before.items() if key[0] < date(2026, 11, 30)}
    assert earlier  # the window's first two days of November, outside the later window
    assert after == {**earlier, **restated}
    assert calls.count == 1
    # The last day was answered with no cost yet: it is covered all the same.
    assert summary.record.day_ranges == [(date(2026, 11, 30), date(2026, 12, 3))]
    assert summary.record.provisional_days == [date(2026, 12, 2), date(2026, 12, 3)]
    [replaced] = summary.record.replaced["partitions"]
    assert replaced["billing_period"] is None
    assert replaced["days"] == [["2026-11-30", "2026-12-02"]]  # the days holding cost


def test_a_day_restated_to_no_cost_is_emptied(store, moto):
    _seed(moto, FIRST_PAGE, SECOND_PAGE)
    _run(store, date(2026, 12, 1))
    before = _stored(store)
    assert any(day == date(2026, 12, 1) for day, _project in before)
    # Read again with lookback_days 2: 2026-11-30 unchanged, 2026-12-01 now without any cost.
    page = json.loads(SECOND_PAGE.read_text())
    page["ResultsByTime"][1]["Groups"] = []
    _post(f"{moto}/moto-api/static/ce/cost-and-usage-results", {"results": [page]})
    calls = CallCounter()
    [unit] = _source(date(2026, 12, 1), calls, lookback_days=2).units()
    store.services.ingest.ingest_files(unit.open(), source="aws-ce")

    earlier = {key: cost for key, cost in before.items() if key[0] < date(2026, 11, 30)}
    assert _stored(store) == {**earlier, **_expected(page)}
    assert calls.count == 1


def test_the_same_window_read_again_is_replaced_not_added(store, moto):
    _seed(moto, FIRST_PAGE, SECOND_PAGE)
    _run(store, date(2026, 12, 1))
    _, _, calls = _run(store, date(2026, 12, 1))  # moto answers the same bodies alike

    assert _stored(store) == _expected(FIRST_PAGE, SECOND_PAGE)
    assert calls.count == 2


def test_the_type_declares_its_paid_calls_and_permission():
    spec = source_types()["aws_cost_explorer"]
    assert spec.paid_calls is True
    assert spec.permissions == ("ce:GetCostAndUsage",)
    config = parse_source_config({"name": "aws-ce", "type": "aws_cost_explorer"})
    assert (config.tag_key, config.lookback_days, config.region) == ("project", 14, "us-east-1")
