"""The opencost source's config, its reading of allocation answers and its rows, without a
server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.domain.allocation import AllocationRules
from bot.services.snapshot_ports import SourceError
from bot.sources.opencost import SOURCE_TYPE
from bot.sources.opencost.config import request_window
from bot.sources.opencost.response import Allocation, read_steps
from bot.sources.opencost.rows import DimensionMap, allocation_rows
from bot.sources.registry import SOURCE_MODULES, parse_source_config, source_types
from tests.opencost_server import OPENCOST_FIXTURES

EXAMPLE = Path(__file__).parents[2] / "costbot.example.yml"
RECORDED = sorted(p.name for p in OPENCOST_FIXTURES.glob("*.json") if "malformed" not in p.name)
DAY = {"start": "2026-11-30T00:00:00Z", "end": "2026-12-01T00:00:00Z"}


def opencost(**keys: object):
    return parse_source_config({"name": "k8s", "type": "opencost", "url": "http://oc:9003", **keys})


def allocation(name: str = "ns", **fields: object) -> Allocation:
    (step,) = read_steps({"code": 200, "data": [{name: {"window": DAY, **fields}}]}, "test")
    return step[0]


def dimension_map(dimensions: dict[str, str], aggregate: str = "namespace") -> DimensionMap:
    return DimensionMap.build(dimensions, AllocationRules(), tuple(aggregate.split(",")))


def rows_of(fixture: str, aggregate: str = "namespace") -> list[tuple[Allocation, list[dict]]]:
    text = (OPENCOST_FIXTURES / fixture).read_text()
    payload = json.loads(text, parse_float=Decimal, parse_constant=lambda _name: None)
    dimensions = dimension_map({"project": "namespace"}, aggregate)
    return [
        (a, allocation_rows(a, dimensions, "USD", None))
        for step in read_steps(payload, fixture)
        for a in step
    ]


def test_the_type_is_registered_with_its_permissions():
    assert "bot.sources.opencost" in SOURCE_MODULES
    assert source_types()["opencost"] is SOURCE_TYPE
    assert SOURCE_TYPE.permissions == ("GET /allocation/compute",)
    assert SOURCE_TYPE.description and not SOURCE_TYPE.paid_calls


def test_the_defaults():
    config = opencost()
    assert (config.window, config.aggregate, config.currency) == ("7d", "namespace", "USD")
    assert config.dimensions == {"project": "namespace"}
    assert config.timeout_seconds == 30 and config.cluster is None
    assert opencost(url="http://oc:9003/", currency="eur").model_dump()["url"] == "http://oc:9003"
    assert opencost(currency="eur").currency == "EUR"


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        ({"url": "opencost:9003"}, "not an http(s) URL"),
        ({"url": "http://oc:9003/allocation?window=7d"}, "without ?query"),
        ({"window": "last week"}, "no OpenCost window"),
        ({"window": "0d"}, "use 1d to"),
        ({"aggregate": "namespace,labels:team"}, "'labels:team' is no OpenCost property"),
        ({"aggregate": "label:"}, "no OpenCost property"),
        ({"dimensions": {"squad": "namespace"}}, "'squad' is no allocation dimension"),
        ({"dimensions": {"team": "labels"}}, "dimensions.team: 'labels'"),
        ({"currency": "dollars"}, "no ISO 4217 code"),
        ({"timeout_seconds": 0}, "greater than 0"),
        ({"token": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_config_mistakes_say_what_to_write(keys, says):
    with pytest.raises(ValidationError, match=re.escape(says)):
        opencost(**keys)


def test_the_commented_example_in_costbot_example_yml_is_a_valid_source():
    text = EXAMPLE.read_text()
    block = text[text.index("  # - name: k8s-prod") :].split("\n\n")[0]
    entry = yaml.safe_load("\n".join(line[4:] for line in block.splitlines()))
    (config,) = [parse_source_config(item) for item in entry]
    assert (config.type, config.window) == ("opencost", "7d")
    assert config.aggregate == "namespace,label:team"
    assert config.dimensions == {"project": "namespace", "team": "label:team"}


def test_whole_day_windows_are_sent_as_the_utc_days_up_to_today():
    now = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
    assert request_window("7d", now) == "2026-11-25T00:00:00Z,2026-12-02T00:00:00Z"
    assert request_window("1d", now) == "2026-12-01T00:00:00Z,2026-12-02T00:00:00Z"
    for window in ("48h", "yesterday", "2026-11-01T00:00:00Z,2026-11-08T00:00:00Z"):
        assert request_window(window, now) == window


@pytest.mark.parametrize("fixture", RECORDED)
def test_the_rows_of_every_allocation_add_up_to_its_total(fixture):
    aggregate = "cluster,namespace" if "cluster-namespace" in fixture else "namespace"
    for source, rows in rows_of(fixture, aggregate):
        total = source.number("totalCost")
        stored = sum((Decimal(row["BilledCost"]) for row in rows), Decimal(0))
        if total is not None:
            assert stored == total, source.name
        assert all(row["BilledCost"] == row["EffectiveCost"] for row in rows)
        assert not any("E" in row["BilledCost"] for row in rows)  # plain notation


def test_gpu_hours_and_cost_are_a_row_of_their_own():
    gpu = allocation(gpuHours=24, gpuCost=Decimal("24.48"), gpuCostAdjustment=Decimal("0.51"))
    (row,) = allocation_rows(gpu, dimension_map({}), "USD", "prod")
    assert (row["ServiceName"], row["ServiceCategory"]) == ("Kubernetes GPU", "Compute")
    assert (row["BilledCost"], row["ConsumedQuantity"], row["ConsumedUnit"]) == (
        "24.99",
        "24",
        "GPU-Hours",
    )
    assert (row["ChargePeriodStart"], row["ChargePeriodEnd"]) == (DAY["start"], DAY["end"])
    assert (row["ProviderName"], row["ChargeCategory"], row["ResourceId"]) == (
        "Kubernetes",
        "Usage",
        "prod/ns",
    )
    assert "BillingPeriodStart" not in row  # the unit replaces its days, not a billing period
    # GPUs requested but not priced still show their hours.
    (unpriced,) = allocation_rows(allocation(gpuHours=3), dimension_map({}), "USD", None)
    assert (unpriced["BilledCost"], unpriced["ConsumedQuantity"]) == ("0", "3")


def test_idle_is_idle_in_every_mapped_dimension_but_where_it_sits():
    dimensions = dimension_map(
        {"project": "namespace", "team": "label:team", "environment": "cluster"}
    )
    idle = allocation("__idle__", cpuCost=1, properties={"cluster": "prod-eu"})
    (row,) = allocation_rows(idle, dimensions, "USD", None)
    assert json.loads(row["Tags"]) == {
        "project": "__idle__",
        "team": "__idle__",
        "environment": "prod-eu",
    }


def test_aggregate_names_feed_dimensions_and_unallocated_stays_unallocated():
    dimensions = dimension_map(
        {"project": "label:project", "team": "namespace", "owner": "controller"},
        "namespace,label:project,controller",
    )
    named = allocation(
        "ml/__unallocated__/deployment:trainer", cpuCost=1, properties={"labels": {"owner": "x"}}
    )
    (row,) = allocation_rows(named, dimensions, "USD", None)
    assert json.loads(row["Tags"]) == {"team": "ml", "owner": "trainer"}


def test_labels_are_read_by_their_sanitised_names_then_from_the_namespace():
    dimensions = dimension_map(
        {"project": "label:app.kubernetes.io/name", "team": "label:team"}, "namespace"
    )
    properties = {
        "labels": {"app_kubernetes_io_name": "recsys"},
        "namespaceLabels": {"team": "personalization"},
    }
    (row,) = allocation_rows(allocation(cpuCost=1, properties=properties), dimensions, "USD", None)
    assert json.loads(row["Tags"]) == {"project": "recsys", "team": "personalization"}


def test_tags_use_the_first_key_the_allocation_rules_read_for_each_dimension():
    rules = AllocationRules(tag_keys={"project": ["Workload", "project"], "team": ["team"]})
    dimensions = DimensionMap.build({"project": "namespace"}, rules, ("namespace",))
    (row,) = allocation_rows(allocation("fraud", cpuCost=1), dimensions, "USD", None)
    assert json.loads(row["Tags"]) == {"workload": "fraud"}
    assert rules.allocate_tags(json.loads(row["Tags"]))["project"] == "fraud"


def test_a_dimension_the_rules_read_from_no_tag_is_refused():
    rules = AllocationRules(tag_keys={"project": []})
    with pytest.raises(ValueError, match=re.escape("tag_keys.project is empty")):
        DimensionMap.build({"project": "namespace"}, rules, ("namespace",))
    clash = AllocationRules(tag_keys={"project": ["team"], "team": ["team"]})
    with pytest.raises(ValueError, match="also feeds team"):
        DimensionMap.build({"project": "namespace"}, clash, ("namespace",))


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (None, None),
        ("NaN", None),
        ("Inf", None),
        ("", None),
        (Decimal("0.00001"), Decimal("0.00001")),
        ("0.5", Decimal("0.5")),
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),
    ],
)
def test_every_number_is_optional(value, number):
    assert allocation(cpuCost=value).number("cpuCost") == number
    assert allocation().number("cpuCost") is None


@pytest.mark.parametrize("value", [True, [1], {"value": 1}, "about 3"])
def test_what_is_no_number_is_malformed(value):
    with pytest.raises(SourceError, match="not a number") as error:
        allocation(cpuCost=value).number("cpuCost")
    assert error.value.retryable is False


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ([], "answered a JSON list"),
        ({"code": 200}, "without `data`"),
        ({"code": 200, "data": "none"}, "`data` is a str"),
        ({"code": 200, "data": [{"ns": 1}]}, "allocation 'ns' is a int"),
        ({"code": 200, "data": [{"ns": {"window": {"start": "x"}}}]}, "no readable window"),
        ({"code": 200, "data": [{"ns": {"window": {"start": DAY["end"], "end": DAY["start"]}}}]},
         "before it starts"),
    ],
)  # fmt: skip
def test_shapes_that_are_no_answer_are_refused(payload, says):
    with pytest.raises(SourceError, match=re.escape(says)) as error:
        read_steps(payload, "http://oc:9003")
    assert error.value.retryable is False


def test_empty_answers_are_no_allocations():
    assert read_steps({"code": 200, "data": None}, "x") == []
    assert read_steps({"code": 200, "data": [{}, None]}, "x") == [[], []]
    # A Kubecost answer without `code` is still an answer.
    assert read_steps({"data": []}, "x") == []
