"""The opencost source against a local OpenCost stand-in replaying recorded answers, into a
real store: the request it makes, what it stores per day, and how it fails."""

from __future__ import annotations

import json
import logging
import socket
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.domain.allocation import AllocationRules
from bot.services.ports import CostFilter
from bot.services.snapshot_ports import CallCounter, SourceContext, SourceError
from bot.sources.registry import parse_source_config, source_types
from tests.helpers import stored_totals
from tests.opencost_server import OPENCOST_FIXTURES, Reply, opencost_server

NOW = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
THREE_DAYS = "allocation-3d-step1d-namespace-team.derived.json"
ALL_DAYS = (date(2000, 1, 1), date(2099, 12, 31))
PARTS = (
    "cpuCost", "cpuCostAdjustment", "gpuCost", "gpuCostAdjustment", "ramCost",
    "ramCostAdjustment", "pvCost", "pvCostAdjustment", "networkCost", "networkCostAdjustment",
    "loadBalancerCost", "loadBalancerCostAdjustment", "sharedCost", "externalCost",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours proxy variables; the stand-in is on 127.0.0.1 and must be reached directly."""
    for scheme in ("http", "https", "all"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)


def build_source(url: str, rules: AllocationRules | None = None, **keys: object):
    raw = {"name": "k8s", "type": "opencost", "url": url, **keys}
    context = SourceContext(rules=rules or AllocationRules(), calls=CallCounter(), now=lambda: NOW)
    config = parse_source_config(raw)
    return source_types()["opencost"].build(config, context), context


def ingest(store, source):
    (unit,) = source.units()
    return store.services.ingest.ingest_files(
        unit.open(), source=source.name, units={unit.key: unit.fingerprint}
    )


def recorded(name: str) -> dict:
    """The answer read independently: exact decimals, NaN as None."""
    text = (OPENCOST_FIXTURES / name).read_text()
    return json.loads(text, parse_float=Decimal, parse_constant=lambda _name: None)


def exact(value: object) -> Decimal | None:
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        return None
    number = Decimal(value) if not isinstance(value, Decimal) else value
    return number if number.is_finite() else None


def allocation_total(fields: dict) -> Decimal:
    """OpenCost's totalCost, or the sum of its parts where the total is missing or NaN."""
    total = exact(fields.get("totalCost"))
    if total is not None:
        return total
    return sum((exact(fields.get(part)) or Decimal(0) for part in PARTS), Decimal(0))


def test_a_window_of_daily_steps_is_stored_per_day_and_namespace(store):
    rules = store.services.config.allocation.rules()
    with opencost_server(Reply.fixture(THREE_DAYS)) as server:
        source, context = build_source(
            server.url,
            rules,
            window="3d",
            aggregate="namespace,label:team",
            dimensions={"project": "namespace", "team": "label:team", "owner": "label:owner"},
        )
        summary = ingest(store, source)

    assert server.requests == [
        (
            "/allocation/compute",
            {
                "window": ["2026-11-29T00:00:00Z,2026-12-02T00:00:00Z"],
                "aggregate": ["namespace,label:team"],
                "step": ["1d"],
                "accumulate": ["false"],
                "includeIdle": ["true"],
                "shareIdle": ["false"],
            },
        )
    ]
    assert context.calls.count == 1
    expected: dict[tuple[date, str], Decimal] = {}
    for step in recorded(THREE_DAYS)["data"]:
        for name, fields in step.items():
            key = (date.fromisoformat(fields["window"]["start"][:10]), name.split("/")[0])
            expected[key] = expected.get(key, Decimal(0)) + allocation_total(fields)
    stored = store.services.cost_store.sum_cost(*ALL_DAYS, "effective", group_by=("day", "project"))
    assert {(day, project): cost for day, project, _currency, cost in stored} == expected
    assert {currency for *_, currency, _cost in stored} == {"USD"}
    # Today's step is not over: its day is provisional.
    assert [str(day) for day in summary.record.provisional_days] == ["2026-12-01"]


def test_idle_stays_idle_gpu_is_its_own_service_and_unallocated_stays_unallocated(store):
    with opencost_server(Reply.fixture(THREE_DAYS)) as server:
        source, _ = build_source(
            server.url,
            aggregate="namespace,label:team",
            dimensions={"project": "namespace", "team": "label:team"},
        )
        ingest(store, source)
    answer = recorded(THREE_DAYS)["data"]
    allocations = [(name, fields) for step in answer for name, fields in step.items()]
    costs = store.services.cost_store

    idle = costs.sum_cost(*ALL_DAYS, "effective", where=CostFilter("project", "__idle__"))
    assert idle == [("USD", sum(allocation_total(f) for n, f in allocations if n == "__idle__"))]
    assert idle[0][1] > 0
    by_service = dict(
        (service, cost)
        for service, _currency, cost in costs.sum_cost(
            *ALL_DAYS, "effective", group_by=("service_name",)
        )
    )
    gpu = sum(
        (exact(f.get("gpuCost")) or 0) + (exact(f.get("gpuCostAdjustment")) or 0)
        for _name, f in allocations
    )
    assert by_service["Kubernetes GPU"] == gpu > 0
    # kube-system has no team label: OpenCost says __unallocated__, costbot says unallocated.
    unallocated = costs.sum_cost(*ALL_DAYS, "effective", where=CostFilter("team", None))
    kube_system = sum(allocation_total(f) for n, f in allocations if n.startswith("kube-system/"))
    assert unallocated == [("USD", kube_system)]
    teams = {team for team, *_ in costs.sum_cost(*ALL_DAYS, "effective", group_by=("team",))}
    assert teams == {"risk", "__idle__", None}


def test_each_run_replaces_the_days_of_the_window_instead_of_adding_to_them(store):
    with opencost_server(Reply.fixture(THREE_DAYS)) as server:
        source, context = build_source(server.url, window="3d")
        ingest(store, source)
        first = stored_totals(store.services)
        ingest(store, source)
    assert stored_totals(store.services) == first
    assert context.calls.count == 2


@pytest.mark.parametrize(
    ("name", "aggregate"),
    [
        ("allocation_compute_window2d_aggregate_namespace_swagger_example.json", "namespace"),
        ("allocation-7d-namespace.opencost-website.json", "namespace"),
        ("allocation-1h-cluster-namespace.kubecost-aks.cloud-billing-tests.json",
         "cluster,namespace"),
        ("allocation-nan-missing.derived.json", "namespace"),
    ],
)  # fmt: skip
def test_recorded_answers_store_every_allocation_total(store, name, aggregate):
    with opencost_server(Reply.fixture(name)) as server:
        source, _ = build_source(server.url, aggregate=aggregate)
        ingest(store, source)
    expected = sum(
        (allocation_total(fields) for step in recorded(name)["data"] for fields in step.values()),
        Decimal(0),
    )
    assert stored_totals(store.services) == {"USD": expected}


def test_an_empty_answer_is_no_cost_and_no_error(store, caplog):
    caplog.set_level(logging.WARNING, logger="bot.sources.opencost")
    with opencost_server(Reply.fixture("allocation-empty-steps.derived.json")) as server:
        source, context = build_source(server.url)
        summary = ingest(store, source)
    assert summary.record.status == "succeeded"
    assert stored_totals(store.services) == {}
    assert context.calls.count == 1
    assert "no allocations" in caplog.text


def test_a_malformed_answer_is_refused_and_nothing_is_stored(store):
    with opencost_server(Reply.fixture(THREE_DAYS)) as server:
        source, _ = build_source(server.url, window="3d")
        ingest(store, source)
    before = stored_totals(store.services)
    with opencost_server(Reply.fixture("allocation-malformed-data-object.derived.json")) as server:
        source, _ = build_source(server.url, window="3d")
        with pytest.raises(SourceError) as error:
            ingest(store, source)
    assert error.value.retryable is False
    assert "malformed" in str(error.value)
    assert "`data` is a dict" in str(error.value)
    assert stored_totals(store.services) == before


def read(source) -> list:
    (unit,) = source.units()
    return [batch for billing_file in unit.open() for batch in billing_file.batches()]


@pytest.mark.parametrize(
    ("reply", "retryable", "says"),
    [
        (Reply(b"<html>OpenCost UI</html>", content_type="text/html"), False, "no JSON"),
        (Reply(b'{"code": 400, "message": "Invalid window"}', status=400), False, "HTTP 400"),
        (Reply(b"404 page not found", status=404), False, "HTTP 404"),
        (Reply(b'{"code": 200, "data": [["kube-system"]]}'), False, "step 0 is a list"),
        (Reply(b'{"code": 400, "message": "Invalid aggregate"}'), False, "code 400"),
        (Reply(b'{"code": 500, "message": "Prometheus down"}'), True, "code 500"),
        (Reply(b"upstream connect error", status=503), True, "HTTP 503"),
        (Reply(b"slow down", status=429), True, "HTTP 429"),
    ],
)
def test_failures_say_what_is_wrong_and_whether_to_retry(reply, retryable, says):
    with opencost_server(reply) as server:
        source, context = build_source(server.url)
        with pytest.raises(SourceError) as error:
            read(source)
    assert error.value.retryable is retryable
    assert says in str(error.value)
    assert context.calls.count == 1


def test_an_answer_slower_than_the_timeout_is_retryable():
    with opencost_server(Reply.fixture(THREE_DAYS, delay_seconds=2.0)) as server:
        source, _ = build_source(server.url, timeout_seconds=0.2)
        started = datetime.now(UTC)
        with pytest.raises(SourceError) as error:
            read(source)
    assert (datetime.now(UTC) - started).total_seconds() < 1.5
    assert error.value.retryable is True
    assert "did not answer within 0.2 s" in str(error.value)


def test_a_refused_connection_is_retryable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source, _ = build_source(f"http://127.0.0.1:{port}")
    with pytest.raises(SourceError) as error:
        read(source)
    assert error.value.retryable is True
    assert "Cannot reach OpenCost" in str(error.value)
