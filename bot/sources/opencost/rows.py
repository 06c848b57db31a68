"""OpenCost allocations as FOCUS-named rows of text, one row per cost part.

OpenCost's `totalCost` is the sum of its parts, adjustments included (Allocation.TotalCost in
core/pkg/opencost/allocation.go): CPU, GPU, RAM, PV, network and load balancer cost each plus
its adjustment, then shared and external cost. Each part becomes a row with its own
ServiceName, so `/cost service` tells GPU from CPU. What `totalCost` holds beyond the listed
parts (each part is rounded to 5 decimals apart from the total; a part a newer OpenCost adds)
becomes a "Kubernetes Other" row, so the rows of an allocation add up to its `totalCost`.
The `*CostIdle` and `network*Cost` fields are shares already inside cpuCost, ramCost and
networkCost, so they are not added again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pyarrow as pa

from bot.domain.allocation import TAG_DIMENSIONS, AllocationRules
from bot.sources.opencost.response import Allocation

IDLE = "__idle__"  # OpenCost's name for capacity no workload requested
UNALLOCATED = "__unallocated__"  # OpenCost's value for an allocation without the property
PROVIDER = "Kubernetes"
_GIB = Decimal(2**30)
_QUANTITY_PLACES = Decimal("0.000001")
# Properties that still say where idle capacity sits (idleByNode, several clusters).
_IDLE_KEEPS = ("cluster", "node")


@dataclass(frozen=True)
class CostPart:
    service: str
    category: str  # a FOCUS ServiceCategory
    amounts: tuple[str, ...]  # fields summed into the row's cost
    quantity: str | None = None  # the usage field behind the cost
    unit: str | None = None
    per_unit: Decimal = Decimal(1)  # usage field units per ConsumedUnit


# fmt: off
COST_PARTS: tuple[CostPart, ...] = (
    CostPart("Kubernetes CPU", "Compute", ("cpuCost", "cpuCostAdjustment"), "cpuCoreHours",
             "Core-Hours"),
    CostPart("Kubernetes GPU", "Compute", ("gpuCost", "gpuCostAdjustment"), "gpuHours",
             "GPU-Hours"),
    CostPart("Kubernetes Memory", "Compute", ("ramCost", "ramCostAdjustment"), "ramByteHours",
             "GiB-Hours", _GIB),
    CostPart("Kubernetes Storage", "Storage", ("pvCost", "pvCostAdjustment"), "pvByteHours",
             "GiB-Hours", _GIB),
    CostPart("Kubernetes Network", "Networking", ("networkCost", "networkCostAdjustment")),
    CostPart("Kubernetes Load Balancer", "Networking",
             ("loadBalancerCost", "loadBalancerCostAdjustment")),
    CostPart("Kubernetes Shared", "Other", ("sharedCost",)),
    CostPart("Kubernetes External", "Other", ("externalCost",)),
)
# fmt: on
REMAINDER = CostPart("Kubernetes Other", "Other", ("totalCost",))

# fmt: off
FOCUS_COLUMNS: tuple[str, ...] = (
    "ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost", "BillingCurrency",
    "ProviderName", "ServiceName", "ServiceCategory", "ChargeCategory", "SubAccountId",
    "SubAccountName", "ResourceId", "ResourceName", "ConsumedQuantity", "ConsumedUnit", "Tags",
)
# fmt: on


@dataclass(frozen=True)
class DimensionMap:
    """Which OpenCost property feeds which dimension, and the tag key that carries it.

    The rows carry each dimension as a tag named by the dimension's first tag key in the
    allocation rules, so the normaliser's allocation reads it like any cloud tag.
    """

    properties: Mapping[str, str]  # dimension -> OpenCost property ("label:team")
    tag_keys: Mapping[str, str]  # dimension -> tag key
    aggregate: tuple[str, ...]  # the request's aggregate properties, in order

    @classmethod
    def build(
        cls, dimensions: Mapping[str, str], rules: AllocationRules, aggregate: tuple[str, ...]
    ) -> DimensionMap:
        """Raises ValueError when the allocation rules give a mapped dimension no tag key."""
        tag_keys: dict[str, str] = {}
        for dimension in dimensions:
            keys = rules.keys_for(dimension)
            if not keys:
                raise ValueError(
                    f"dimensions.{dimension}: allocation.tag_keys.{dimension} is empty, so "
                    f"costbot reads no {dimension} from any tag; give it a key"
                )
            tag_keys[dimension] = keys[0]
        for dimension, key in tag_keys.items():
            for other in TAG_DIMENSIONS:
                if other != dimension and key in rules.keys_for(other):
                    raise ValueError(
                        f"dimensions.{dimension}: its tag key {key!r} also feeds {other}; "
                        "give allocation.tag_keys distinct keys"
                    )
        return cls(dict(dimensions), tag_keys, aggregate)

    def tags(self, allocation: Allocation) -> str | None:
        values = {}
        idle = IDLE in allocation.name
        for dimension, prop in self.properties.items():
            value = IDLE if idle and prop not in _IDLE_KEEPS else self.value(allocation, prop)
            if value is not None:
                values[self.tag_keys[dimension]] = value
        return json.dumps(values, sort_keys=True) if values else None

    def value(self, allocation: Allocation, prop: str) -> str | None:
        """A property of the allocation; None for OpenCost's `__unallocated__` and for what
        aggregation dropped (OpenCost keeps only properties all merged allocations share)."""
        parts = allocation.name.split("/")
        if prop in self.aggregate and len(parts) == len(self.aggregate):
            value: object = parts[self.aggregate.index(prop)]
        else:
            value = property_of(allocation.properties, prop)
        if not isinstance(value, str) or not value.strip() or value.strip() == UNALLOCATED:
            return None
        if prop == "controller":
            value = value.split(":", 1)[-1]  # the aggregate key is "<kind>:<name>"
        return value.strip()


def property_of(properties: Mapping[str, object], prop: str) -> object:
    if prop == "service":
        services = properties.get("services")
        return services[0] if isinstance(services, list) and services else None
    for prefix, own, namespace in (
        ("label:", "labels", "namespaceLabels"),
        ("annotation:", "annotations", "namespaceAnnotations"),
    ):
        if prop.startswith(prefix):
            # OpenCost stores label names sanitised: `app.kubernetes.io/name` as
            # `app_kubernetes_io_name`.
            key = re.sub(r"[^a-zA-Z0-9_]", "_", prop[len(prefix) :].strip())
            for field in (own, namespace):
                found = properties.get(field)
                if isinstance(found, Mapping) and found.get(key) is not None:
                    return found.get(key)
            return None
    return properties.get(prop)


def allocation_rows(
    allocation: Allocation, dimensions: DimensionMap, currency: str, cluster: str | None
) -> list[dict[str, str | None]]:
    """The rows of one allocation: one per cost part with a cost or a usage, and the rest."""
    cluster = cluster or _text(allocation.properties.get("cluster"))
    resource = allocation.name
    if cluster and "cluster" not in dimensions.aggregate:
        resource = f"{cluster}/{allocation.name}"
    common = {
        "ChargePeriodStart": _timestamp(allocation.start),
        "ChargePeriodEnd": _timestamp(allocation.end),
        "BillingCurrency": currency,
        "ProviderName": PROVIDER,
        "ChargeCategory": "Usage",
        "SubAccountId": cluster,
        "SubAccountName": cluster,
        "ResourceId": resource,
        "ResourceName": allocation.name,
        "Tags": dimensions.tags(allocation),
    }
    rows = []
    listed = Decimal(0)
    for part in COST_PARTS:
        amounts = [allocation.number(field) for field in part.amounts]
        cost = sum((a for a in amounts if a is not None), Decimal(0))
        usage = allocation.number(part.quantity) if part.quantity else None
        if cost == 0 and not usage:
            continue
        listed += cost
        rows.append(common | _cost_columns(part, cost, usage))
    total = allocation.number("totalCost")
    if total is not None and total != listed:
        rows.append(common | _cost_columns(REMAINDER, total - listed, None))
    return rows


def focus_table(rows: Iterable[dict[str, str | None]]) -> pa.Table:
    rows = list(rows)
    return pa.table(
        {name: pa.array([row.get(name) for row in rows], pa.string()) for name in FOCUS_COLUMNS}
    )


def _cost_columns(part: CostPart, cost: Decimal, usage: Decimal | None) -> dict[str, str | None]:
    quantity = None
    if usage:
        quantity = _decimal_text((usage / part.per_unit).quantize(_QUANTITY_PLACES))
    return {
        "ServiceName": part.service,
        "ServiceCategory": part.category,
        "BilledCost": _decimal_text(cost),
        "EffectiveCost": _decimal_text(cost),
        "ConsumedQuantity": quantity,
        "ConsumedUnit": part.unit if quantity is not None else None,
    }


def _decimal_text(value: Decimal) -> str:
    """Plain notation, never an exponent: "0.00001", not "1E-5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _timestamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
