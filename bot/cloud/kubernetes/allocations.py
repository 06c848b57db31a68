"""What OpenCost's pod allocations say of GPU workloads: requests, usage and cost per pod.

The allocation API (`aggregate=pod`) gives one allocation per pod per step. GPU usage comes
from the NVIDIA DCGM exporter; current OpenCost puts it in `gpuAllocation.gpuUsageAverage`
(null when DCGM reported nothing), older versions beside `gpuRequestAverage` at the top level.
No usage means no GPU datapoint: a GPU workload without GPU metrics is never judged idle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from bot.sources.opencost.response import Allocation

_HUNDRED = Decimal(100)
_HOUR_SECONDS = Decimal(3600)


@dataclass(frozen=True)
class PodUsage:
    """One pod in one step, as OpenCost measured it."""

    namespace: str
    controller_kind: str  # OpenCost's, lower case: deployment, statefulset, replicaset, job ...
    controller: str
    pod: str
    start: datetime
    end: datetime
    labels: Mapping[str, str] = field(default_factory=dict)
    gpus_requested: Decimal | None = None
    cpu_percent: Decimal | None = None
    gpu_percent: Decimal | None = None
    total_cost: Decimal | None = None
    # When the pod ran within the step (its allocation's own start and end).
    ran_from: datetime | None = None
    ran_to: datetime | None = None


def pod_usage(allocation: Allocation) -> PodUsage | None:
    """The pod's usage; None for what is no pod of a namespace (__idle__, __unallocated__)."""
    props = allocation.properties
    namespace, pod = _text(props.get("namespace")), _text(props.get("pod"))
    if not namespace or not pod or "__" in pod:
        return None
    requested = gpu_request(allocation)
    return PodUsage(
        namespace=namespace,
        controller_kind=(_text(props.get("controllerKind")) or "").lower(),
        controller=_text(props.get("controller")) or "",
        pod=pod,
        start=allocation.start,
        end=allocation.end,
        labels=_labels(props.get("labels")),
        gpus_requested=requested,
        cpu_percent=_percent(
            allocation.number("cpuCoreUsageAverage"),
            allocation.number("cpuCoreRequestAverage") or allocation.number("cpuCores"),
        ),
        gpu_percent=_percent(gpu_usage(allocation), requested),
        total_cost=allocation.number("totalCost"),
        ran_from=_time(allocation.fields.get("start")) or allocation.start,
        ran_to=_time(allocation.fields.get("end")) or allocation.end,
    )


def hourly_cost(pods: Sequence[PodUsage]) -> Decimal | None:
    """A workload's cost per hour: its pods' cost over the time any of them ran, so pods that
    replaced each other count once and replicas that ran side by side add up."""
    costs = [pod.total_cost for pod in pods if pod.total_cost is not None]
    starts = [pod.ran_from for pod in pods if pod.ran_from is not None]
    ends = [pod.ran_to for pod in pods if pod.ran_to is not None]
    if not costs or not starts or not ends:
        return None
    seconds = Decimal((max(ends) - min(starts)).total_seconds())
    if seconds <= 0:
        return None
    return sum(costs, Decimal(0)) * _HOUR_SECONDS / seconds  # multiplied first: stays exact


def gpu_request(allocation: Allocation) -> Decimal | None:
    """GPUs asked for on average over the step: gpuAllocation's, the top level's, gpuCount."""
    nested = _nested(allocation, "gpuRequestAverage")
    for value in (nested, allocation.number("gpuRequestAverage"), allocation.number("gpuCount")):
        if value is not None and value > 0:
            return value
    return None


def gpu_usage(allocation: Allocation) -> Decimal | None:
    """GPUs busy on average over the step (DCGM's engine-active ratio times GPUs), or None."""
    gpu_allocation = allocation.fields.get("gpuAllocation")
    if isinstance(gpu_allocation, Mapping):
        # The current shape: its usage is a pointer, null when DCGM gave nothing.
        return _nested(allocation, "gpuUsageAverage")
    return allocation.number("gpuUsageAverage")


def _nested(allocation: Allocation, name: str) -> Decimal | None:
    gpu_allocation = allocation.fields.get("gpuAllocation")
    if not isinstance(gpu_allocation, Mapping):
        return None
    nested = Allocation(allocation.name, allocation.start, allocation.end, gpu_allocation)
    return nested.number(name)


def _percent(used: Decimal | None, asked: Decimal | None) -> Decimal | None:
    if used is None or asked is None or asked <= 0:
        return None
    return used / asked * _HUNDRED


def _labels(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(key): str(value) for key, value in raw.items()}


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
