"""The workloads the controller scales: a Deployment or StatefulSet, named by its instance id
`namespace/Kind/name`, and what its API object (as the API server writes it) says of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

DEPLOYMENT = "Deployment"
STATEFUL_SET = "StatefulSet"
KINDS = (DEPLOYMENT, STATEFUL_SET)
# OpenCost's controllerKind (lower case) for the kinds a scale to zero stops.
OPENCOST_KINDS = {"deployment": DEPLOYMENT, "statefulset": STATEFUL_SET}
REPLICA_SET = "replicaset"


@dataclass(frozen=True, order=True)
class WorkloadKey:
    namespace: str
    kind: str  # Deployment or StatefulSet
    name: str

    @property
    def instance_id(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"

    @classmethod
    def parse(cls, instance_id: str) -> WorkloadKey:
        """The key of `namespace/Kind/name`; ValueError for anything else."""
        parts = instance_id.split("/")
        if len(parts) != 3 or not all(parts) or parts[1] not in KINDS:
            raise ValueError(
                f"{instance_id!r} is no Kubernetes workload id; it reads "
                "namespace/Deployment/name or namespace/StatefulSet/name"
            )
        return cls(*parts)


def replicas(workload: Mapping[str, Any]) -> int:
    """The replicas asked for (`spec.replicas`; Kubernetes defaults a missing one to 1)."""
    spec = workload.get("spec") or {}
    value = spec.get("replicas")
    return 1 if value is None else int(value)


def labels(workload: Mapping[str, Any]) -> dict[str, str]:
    """The labels its pods carry (the pod template's), over the workload's own."""
    own = (workload.get("metadata") or {}).get("labels") or {}
    template = ((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}
    return {**own, **(template.get("labels") or {})}


def created_at(workload: Mapping[str, Any]) -> datetime | None:
    stamp = (workload.get("metadata") or {}).get("creationTimestamp")
    if not isinstance(stamp, str):
        return None
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(UTC)


def gpus_per_pod(workload: Mapping[str, Any]) -> int:
    """The GPUs one pod asks for: each container's GPU requests (or limits, which extended
    resources must equal), summed; init containers run before and are not counted."""
    pod_spec = ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}
    total = Decimal(0)
    for container in pod_spec.get("containers") or []:
        resources = container.get("resources") or {}
        asked = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
        total += sum(
            (_quantity(value) for name, value in asked.items() if is_gpu_resource(name)),
            Decimal(0),
        )
    return int(total.to_integral_value(ROUND_CEILING))


def is_gpu_resource(name: str) -> bool:
    """nvidia.com/gpu, amd.com/gpu, gpu.intel.com/i915, nvidia.com/mig-1g.5gb ..."""
    name = name.lower()
    return "gpu" in name or name.startswith("nvidia.com/mig-")


def _quantity(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal(1)  # an unreadable count still means the pod holds a GPU


def owner(resource: Mapping[str, Any], kind: str) -> str | None:
    """The name of the controlling owner of this kind (ownerReferences, controller: true)."""
    for reference in (resource.get("metadata") or {}).get("ownerReferences") or []:
        if reference.get("kind") == kind and reference.get("controller"):
            return reference.get("name")
    return None
