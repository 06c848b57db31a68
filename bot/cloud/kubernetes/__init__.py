"""`kubernetes`: idle GPU workloads (Deployments, StatefulSets) found in OpenCost's pod
allocations, scaled to zero on approval and back to their replicas with "Start again".

The kubernetes client is the optional extra costbot[kubernetes]; it is imported when a
controller is built, so costbot runs without it until one is configured."""

from __future__ import annotations

from bot.cloud.kubernetes.client import KubernetesSetupError
from bot.cloud.kubernetes.config import KubernetesControllerConfig
from bot.cloud.registry import ControllerConfig, ControllerContext, ControllerType
from bot.services.idle_ports import Controller

# What the controller asks of the cluster, one "verb group/resource" each (the core group is
# ""); docs/kubernetes-idle-rbac.yaml grants exactly these, and a test holds the two together.
RBAC_PERMISSIONS = (
    "get apps/deployments",
    "get apps/statefulsets",
    "get apps/replicasets",
    "get /pods",
    "get apps/deployments/scale",
    "patch apps/deployments/scale",
    "get apps/statefulsets/scale",
    "patch apps/statefulsets/scale",
)
PERMISSIONS = (*RBAC_PERMISSIONS, "OpenCost: GET /allocation/compute")


def build_kubernetes_controller(config: ControllerConfig, context: ControllerContext) -> Controller:
    if not isinstance(config, KubernetesControllerConfig):
        raise TypeError(
            f"a kubernetes controller needs a KubernetesControllerConfig, not "
            f"{type(config).__name__}"
        )
    from bot.cloud.kubernetes.api import WorkloadApi
    from bot.cloud.kubernetes.client import api_client
    from bot.cloud.kubernetes.controller import KubernetesController

    api = WorkloadApi(api_client(config), config.timeout_seconds)
    return KubernetesController(config, api, context.now)


CONTROLLER_TYPE = ControllerType(
    name="kubernetes",
    config=KubernetesControllerConfig,
    build=build_kubernetes_controller,
    description=(
        "Kubernetes GPU workloads from OpenCost's allocations (GPU usage against request); "
        "a stop scales the Deployment or StatefulSet to zero, Start again scales it back"
    ),
    permissions=PERMISSIONS,
)

__all__ = [
    "CONTROLLER_TYPE",
    "KubernetesControllerConfig",
    "KubernetesSetupError",
    "build_kubernetes_controller",
]
