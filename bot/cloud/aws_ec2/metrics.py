"""CloudWatch GetMetricData for many instances at once: the queries, and their answers as
Utilisation.

Per instance: `AWS/EC2 CPUUtilization` (Maximum), the GPU metric (Maximum) when it has GPUs,
and `NetworkIn` and `NetworkOut` (Sum, added per period) when network is on. A call takes at
most 500 queries; an answer may come in pages (NextToken).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.cloud.aws_ec2.config import GpuMetric
from bot.domain.idle.policy import Datapoint, Utilisation
from bot.services.idle_ports import CloudInstance

MAX_QUERIES = 500  # GetMetricData's limit per call
# A run that needs more pages than this is stopped: each page is billed.
MAX_PAGES = 100
EC2_NAMESPACE = "AWS/EC2"
CPU_METRIC = "CPUUtilization"
NETWORK_METRICS = ("NetworkIn", "NetworkOut")


@dataclass(frozen=True)
class MetricQuery:
    id: str  # GetMetricData's query id: ^[a-z][a-zA-Z0-9_]*$
    instance_id: str
    signal: str  # cpu, gpu, network
    namespace: str
    metric: str
    dimension: str
    stat: str

    def request(self, period_seconds: int) -> dict[str, Any]:
        return {
            "Id": self.id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": self.dimension, "Value": self.instance_id}],
                },
                "Period": period_seconds,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }


def metric_queries(
    instances: Sequence[CloudInstance], gpu_metric: GpuMetric, *, network: bool
) -> list[MetricQuery]:
    """Every query the instances need, with ids unique across them."""
    queries: list[MetricQuery] = []

    def add(instance_id: str, signal: str, namespace: str, metric: str, dim: str, stat: str):
        queries.append(
            MetricQuery(f"q{len(queries)}", instance_id, signal, namespace, metric, dim, stat)
        )

    for instance in instances:
        iid = instance.instance_id
        add(iid, "cpu", EC2_NAMESPACE, CPU_METRIC, "InstanceId", "Maximum")
        if instance.gpus > 0:
            add(iid, "gpu", gpu_metric.namespace, gpu_metric.name, gpu_metric.dimension, "Maximum")
        if network:
            for metric in NETWORK_METRICS:
                add(iid, "network", EC2_NAMESPACE, metric, "InstanceId", "Sum")
    return queries


def batches(queries: Sequence[MetricQuery]) -> Iterator[Sequence[MetricQuery]]:
    for first in range(0, len(queries), MAX_QUERIES):
        yield queries[first : first + MAX_QUERIES]


class Readings:
    """Datapoints gathered page by page, then told as Utilisation per instance."""

    def __init__(self, queries: Sequence[MetricQuery]) -> None:
        self._queries = {query.id: query for query in queries}
        # instance -> signal -> timestamp -> value (network adds In and Out at one timestamp)
        self._points: dict[str, dict[str, dict[datetime, Decimal]]] = defaultdict(
            lambda: defaultdict(dict)
        )

    def add_page(self, page: dict[str, Any]) -> None:
        for result in page.get("MetricDataResults") or []:
            query = self._queries.get(str(result.get("Id")))
            if query is None:
                continue
            points = self._points[query.instance_id][query.signal]
            stamps, values = result.get("Timestamps") or [], result.get("Values") or []
            for at, value in zip(stamps, values, strict=False):
                at = at.astimezone(UTC)
                # str() keeps the float's shortest form: 2.5, not 2.5000000000000000001.
                number = Decimal(str(value))
                if query.signal == "network":
                    points[at] = points.get(at, Decimal(0)) + number
                else:
                    points[at] = max(points.get(at, number), number)

    def utilisation(
        self, instance_ids: Sequence[str], period_seconds: int
    ) -> dict[str, Utilisation]:
        return {iid: self._of(iid, period_seconds) for iid in instance_ids}

    def _of(self, instance_id: str, period_seconds: int) -> Utilisation:
        signals = self._points.get(instance_id, {})

        def series(signal: str) -> tuple[Datapoint, ...]:
            points = signals.get(signal, {})
            return tuple(Datapoint(at, points[at]) for at in sorted(points))

        return Utilisation(period_seconds, series("cpu"), series("gpu"), series("network"))
