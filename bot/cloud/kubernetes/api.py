"""The API server calls the controller makes, through the kubernetes client, each failure a
CloudActionError. Objects come back as the API server writes them (camelCase dicts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.cloud.kubernetes.errors import api_error, unreachable
from bot.cloud.kubernetes.workloads import DEPLOYMENT, WorkloadKey
from bot.services.idle_ports import CloudActionError, CloudErrorKind

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

T = TypeVar("T")


@dataclass(frozen=True)
class Scale:
    replicas: int
    resource_version: str | None  # the precondition of the next change


class WorkloadApi:
    def __init__(self, client: ApiClient, timeout_seconds: float) -> None:
        from kubernetes.client import AppsV1Api, CoreV1Api

        self._client = client
        self._apps = AppsV1Api(client)
        self._core = CoreV1Api(client)
        self._timeout = timeout_seconds

    @property
    def host(self) -> str:
        return str(self._client.configuration.host)

    def workload(self, key: WorkloadKey) -> dict[str, Any] | None:
        """The Deployment or StatefulSet; None when it does not exist."""
        read = (
            self._apps.read_namespaced_deployment
            if key.kind == DEPLOYMENT
            else self._apps.read_namespaced_stateful_set
        )
        return self._found(f"read {key.instance_id}", read, key.name, key.namespace)

    def replica_set(self, namespace: str, name: str) -> dict[str, Any] | None:
        doing = f"read ReplicaSet {namespace}/{name}"
        return self._found(doing, self._apps.read_namespaced_replica_set, name, namespace)

    def pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        doing = f"read pod {namespace}/{name}"
        return self._found(doing, self._core.read_namespaced_pod, name, namespace)

    def scale(self, key: WorkloadKey) -> Scale:
        read = (
            self._apps.read_namespaced_deployment_scale
            if key.kind == DEPLOYMENT
            else self._apps.read_namespaced_stateful_set_scale
        )
        scale = self._call(f"read the scale of {key.instance_id}", read, key.name, key.namespace)
        return Scale(scale.spec.replicas or 0, scale.metadata.resource_version)

    def set_scale(self, key: WorkloadKey, replicas: int, resource_version: str | None) -> int:
        """Scale to `replicas`, only if the scale is still at `resource_version` (else 409)."""
        patch = (
            self._apps.patch_namespaced_deployment_scale
            if key.kind == DEPLOYMENT
            else self._apps.patch_namespaced_stateful_set_scale
        )
        body: dict[str, Any] = {"spec": {"replicas": replicas}}
        if resource_version:
            body["metadata"] = {"resourceVersion": resource_version}
        doing = f"scale {key.instance_id} to {replicas}"
        scale = self._call(doing, patch, key.name, key.namespace, body)
        return scale.spec.replicas or 0

    def _found(self, doing: str, call: Callable[..., Any], *args: Any) -> dict[str, Any] | None:
        try:
            resource = self._call(doing, call, *args)
        except CloudActionError as exc:
            if exc.kind is CloudErrorKind.NOT_FOUND:
                return None
            raise
        return self._client.sanitize_for_serialization(resource)

    def _call(self, doing: str, call: Callable[..., T], *args: Any) -> T:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return call(*args, _request_timeout=self._timeout)
        except ApiException as exc:
            raise api_error(exc.status, exc.body, doing) from exc
        except (HTTPError, OSError) as exc:
            raise unreachable(self.host, doing, exc) from exc
