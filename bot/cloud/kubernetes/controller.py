"""Idle Kubernetes GPU workloads: found in OpenCost's pod allocations, stopped by scaling their
Deployment or StatefulSet to zero, started again by scaling back to the replicas they had."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from bot.cloud.kubernetes import workloads
from bot.cloud.kubernetes.allocations import PodUsage, hourly_cost
from bot.cloud.kubernetes.api import WorkloadApi
from bot.cloud.kubernetes.config import KubernetesControllerConfig
from bot.cloud.kubernetes.opencost import OpenCostPods
from bot.cloud.kubernetes.workloads import (
    DEPLOYMENT,
    OPENCOST_KINDS,
    REPLICA_SET,
    STATEFUL_SET,
    WorkloadKey,
)
from bot.domain.idle.policy import Datapoint, Utilisation
from bot.services.idle_ports import (
    RUNNING,
    ActionResult,
    CloudActionError,
    CloudErrorKind,
    CloudInstance,
)

log = logging.getLogger(__name__)
STOPPED = "stopped"


class KubernetesController:
    kind = "kubernetes"

    def __init__(
        self,
        config: KubernetesControllerConfig,
        api: WorkloadApi,
        now: Callable[[], datetime],
    ) -> None:
        self.name = config.controller_name
        self._config = config
        self._api = api
        self._opencost = OpenCostPods(config)
        self._now = now
        # Which Deployment owns a ReplicaSet (or a pod) never changes: asked once.
        self._owners: dict[tuple[str, str, str], WorkloadKey | None] = {}
        # GPUs seen in OpenCost, so a later describe still knows a workload holds GPUs.
        self._known_gpus: dict[str, int] = {}

    # -- the Controller port ---------------------------------------------------------------

    def inventory(self) -> list[CloudInstance]:
        """Every Deployment and StatefulSet whose pods asked for GPUs lately."""
        end = self._now()
        start = end - timedelta(minutes=self._config.inventory_minutes)
        pods = self._gpu_pods(self._opencost.accumulated(start, end))
        instances = []
        for key, its_pods in sorted(pods.items()):
            workload = self._api.workload(key)
            if workload is None:
                continue  # deleted since OpenCost saw it
            instances.append(self._instance(key, workload, its_pods))
        return instances

    def utilisation(
        self, instances: Sequence[CloudInstance], start: datetime, end: datetime
    ) -> dict[str, Utilisation]:
        period = self._config.period_seconds
        wanted = {instance.instance_id for instance in instances}
        if not wanted:
            return {}
        cpu: dict[str, dict[datetime, list[Decimal | None]]] = defaultdict(
            lambda: defaultdict(list)
        )
        gpu: dict[str, dict[datetime, list[Decimal | None]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for step in self._opencost.stepped(start, end):
            for pod in step:
                key = self._workload_of(pod)
                if key is None or key.instance_id not in wanted:
                    continue
                cpu[key.instance_id][pod.start].append(pod.cpu_percent)
                gpu[key.instance_id][pod.start].append(pod.gpu_percent)
        return {
            instance_id: Utilisation(
                period_seconds=period,
                cpu=_busiest(cpu.get(instance_id, {})),
                gpu=_busiest(gpu.get(instance_id, {})),
            )
            for instance_id in wanted
        }

    def describe(self, instance_id: str) -> CloudInstance | None:
        try:
            key = WorkloadKey.parse(instance_id)
        except ValueError:
            return None  # no id of this controller's: nothing by that name exists here
        workload = self._api.workload(key)
        if workload is None:
            return None
        pods: list[PodUsage] = []
        if not self._template_gpus(workload) and instance_id not in self._known_gpus:
            # Only OpenCost knows it holds GPUs (a resource name costbot does not recognise):
            # ask, rather than judge a GPU workload on its CPU alone.
            end = self._now()
            start = end - timedelta(minutes=self._config.inventory_minutes)
            pods = self._gpu_pods(self._opencost.accumulated(start, end)).get(key, [])
        return self._instance(key, workload, pods, priced=False)

    def stop(self, instance: CloudInstance) -> ActionResult:
        key = self._key(instance.instance_id)
        scale = self._api.scale(key)
        if scale.replicas == 0:
            raise CloudActionError(
                CloudErrorKind.INVALID_STATE,
                f"{key.instance_id} is already scaled to zero (someone else stopped it); "
                "nothing was done.",
            )
        self._api.set_scale(key, 0, scale.resource_version)
        return ActionResult(state=STOPPED, undo={"replicas": scale.replicas})

    def start(self, instance: CloudInstance, undo: Mapping[str, Any]) -> ActionResult:
        key = self._key(instance.instance_id)
        replicas = undo.get("replicas")
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
            raise CloudActionError(
                CloudErrorKind.INVALID_STATE,
                f"The stop of {key.instance_id} recorded no replica count ({replicas!r}), so "
                f"costbot cannot tell how far to scale it back: run kubectl scale "
                f"{key.kind.lower()}/{key.name} -n {key.namespace} --replicas=N",
            )
        scale = self._api.scale(key)
        if scale.replicas > 0:
            # Someone scaled it up already: leave their count alone.
            return ActionResult(state=RUNNING, undo={"replicas": scale.replicas})
        self._api.set_scale(key, replicas, scale.resource_version)
        return ActionResult(state=RUNNING, undo={"replicas": replicas})

    # -- workloads -------------------------------------------------------------------------

    def _gpu_pods(self, pods: Sequence[PodUsage]) -> dict[WorkloadKey, list[PodUsage]]:
        namespaces = set(self._config.namespaces)
        found: dict[WorkloadKey, list[PodUsage]] = defaultdict(list)
        for pod in pods:
            if namespaces and pod.namespace not in namespaces:
                continue
            if not pod.gpus_requested:
                continue
            key = self._workload_of(pod)
            if key is None:
                log.debug(
                    "controller %s: pod %s/%s (%s %r) is no Deployment or StatefulSet: skipped",
                    self.name,
                    pod.namespace,
                    pod.pod,
                    pod.controller_kind or "no controller",
                    pod.controller,
                )
                continue
            found[key].append(pod)
        return dict(found)

    def _workload_of(self, pod: PodUsage) -> WorkloadKey | None:
        """The Deployment or StatefulSet a pod belongs to; None for any other owner."""
        kind = OPENCOST_KINDS.get(pod.controller_kind)
        if kind and pod.controller:
            return WorkloadKey(pod.namespace, kind, pod.controller)
        if pod.controller_kind == REPLICA_SET and pod.controller:
            return self._owner(pod.namespace, "ReplicaSet", pod.controller)
        if not pod.controller_kind:
            # Older OpenCost versions leave the controller out: the pod's owners tell it.
            return self._owner(pod.namespace, "Pod", pod.pod)
        return None  # a DaemonSet, Job or CronJob: scaling to zero does not stop those

    def _owner(self, namespace: str, kind: str, name: str) -> WorkloadKey | None:
        cache_key = (namespace, kind, name)
        if cache_key not in self._owners:
            self._owners[cache_key] = self._read_owner(namespace, kind, name)
        return self._owners[cache_key]

    def _read_owner(self, namespace: str, kind: str, name: str) -> WorkloadKey | None:
        if kind == "ReplicaSet":
            replica_set = self._api.replica_set(namespace, name)
            deployment = replica_set and workloads.owner(replica_set, DEPLOYMENT)
            return WorkloadKey(namespace, DEPLOYMENT, deployment) if deployment else None
        pod = self._api.pod(namespace, name)
        if pod is None:
            return None
        if stateful_set := workloads.owner(pod, STATEFUL_SET):
            return WorkloadKey(namespace, STATEFUL_SET, stateful_set)
        if replica_set := workloads.owner(pod, "ReplicaSet"):
            return self._owner(namespace, "ReplicaSet", replica_set)
        return None

    def _instance(
        self,
        key: WorkloadKey,
        workload: Mapping[str, Any],
        pods: Sequence[PodUsage],
        *,
        priced: bool = True,
    ) -> CloudInstance:
        replicas = workloads.replicas(workload)
        gpus = self._gpus(key, workload, pods)
        cost = hourly_cost(pods) if priced else None
        return CloudInstance(
            instance_id=key.instance_id,
            name=f"{key.namespace}/{key.name}",
            type=key.kind,
            state=RUNNING if replicas > 0 else STOPPED,
            tags=workloads.labels(workload),
            gpus=gpus,
            launched_at=workloads.created_at(workload),
            hourly_cost=cost,
            currency=self._config.currency if cost is not None else None,
        )

    def _gpus(self, key: WorkloadKey, workload: Mapping[str, Any], pods: Sequence[PodUsage]) -> int:
        """The GPUs it holds when running: its pod template's, else what OpenCost saw."""
        replicas = max(workloads.replicas(workload), 1)
        per_pod = self._template_gpus(workload)
        if not per_pod:
            seen = max((pod.gpus_requested or Decimal(0) for pod in pods), default=Decimal(0))
            per_pod = int(seen.to_integral_value(ROUND_CEILING))
        gpus = per_pod * replicas if per_pod else self._known_gpus.get(key.instance_id, 0)
        if gpus:
            self._known_gpus[key.instance_id] = gpus
        return gpus

    @staticmethod
    def _template_gpus(workload: Mapping[str, Any]) -> int:
        return workloads.gpus_per_pod(workload)

    @staticmethod
    def _key(instance_id: str) -> WorkloadKey:
        try:
            return WorkloadKey.parse(instance_id)
        except ValueError as exc:
            raise CloudActionError(CloudErrorKind.NOT_FOUND, str(exc)) from exc


def _busiest(steps: Mapping[datetime, list[Decimal | None]]) -> tuple[Datapoint, ...]:
    """One datapoint per step: the busiest pod's. A step where any pod went unmeasured has
    none, so the gap shows and the workload is not judged idle on its other pods alone."""
    return tuple(
        Datapoint(at, max(values))  # type: ignore[type-var]
        for at, values in sorted(steps.items())
        if values and all(value is not None for value in values)
    )
