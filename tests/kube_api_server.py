"""A local stand-in for the Kubernetes API server's HTTP endpoints the idle controller uses:
Deployments, StatefulSets and their /scale subresource (GET and PATCH), ReplicaSets and pods
(GET). Real HTTP on 127.0.0.1, port 0; objects, Scale and Status bodies shaped as the API
server writes them (`kind`, `apiVersion`, `metadata`, `spec`, `status`); PATCH bodies are
recorded with their content type; faults (403, 404, 429 ...) can be switched on per path.

What it does not do: scaling changes `status.replicas` at once (no pods terminate), and it
speaks JSON only (no protobuf, no watch, no list)."""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = "2026-11-20T09:00:00Z"
_PATH = re.compile(
    r"^/(?:apis/apps/v1|api/v1)/namespaces/(?P<ns>[^/]+)/(?P<plural>[a-z]+)/(?P<name>[^/]+)"
    r"(?P<scale>/scale)?$"
)
_KINDS = {
    "deployments": ("Deployment", "apps"),
    "statefulsets": ("StatefulSet", "apps"),
    "replicasets": ("ReplicaSet", "apps"),
    "pods": ("Pod", ""),
}
_SCALABLE = ("deployments", "statefulsets")
_MERGE_PATCHES = ("application/merge-patch+json", "application/strategic-merge-patch+json")


@dataclass(frozen=True)
class RecordedPatch:
    path: str
    content_type: str
    body: Any
    authorization: str | None


@dataclass
class Fault:
    status: int
    reason: str
    message: str
    retry_after: int | None = None


@dataclass
class KubeApiServer:
    url: str = ""
    token: str | None = None  # when set, every request needs "Authorization: Bearer <token>"
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    patches: list[RecordedPatch] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    faults: dict[tuple[str, str], Fault] = field(default_factory=dict)
    _versions: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- objects ---------------------------------------------------------------------------

    def add_deployment(
        self,
        namespace: str,
        name: str,
        *,
        replicas: int = 1,
        gpus: int = 1,
        labels: dict[str, str] | None = None,
        pod_labels: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        spec = {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": _pod_template(name, gpus, pod_labels),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        }
        return self._add("deployments", namespace, name, labels, spec, _ready(replicas))

    def add_stateful_set(
        self,
        namespace: str,
        name: str,
        *,
        replicas: int = 1,
        gpus: int = 1,
        labels: dict[str, str] | None = None,
        pod_labels: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        spec = {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": _pod_template(name, gpus, pod_labels),
            "serviceName": name,
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        }
        status = {**_ready(replicas), "currentReplicas": replicas}
        return self._add("statefulsets", namespace, name, labels, spec, status)

    def add_replica_set(self, namespace: str, name: str, deployment: str) -> dict[str, Any]:
        owner = self.objects[("deployments", namespace, deployment)]
        replicas = owner["spec"]["replicas"]
        spec = {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": deployment}},
            "template": copy.deepcopy(owner["spec"]["template"]),
        }
        resource = self._add("replicasets", namespace, name, None, spec, _ready(replicas))
        resource["metadata"]["ownerReferences"] = [_owner_reference(owner)]
        return resource

    def add_pod(self, namespace: str, name: str, owner_plural: str, owner: str) -> dict[str, Any]:
        parent = self.objects[(owner_plural, namespace, owner)]
        template = parent["spec"]["template"]
        spec = {**copy.deepcopy(template["spec"]), "nodeName": "gpu-node-1"}
        status = {"phase": "Running", "podIP": "10.1.2.3", "startTime": CREATED}
        resource = self._add("pods", namespace, name, template["metadata"]["labels"], spec, status)
        resource["metadata"]["ownerReferences"] = [_owner_reference(parent)]
        return resource

    def remove(self, plural: str, namespace: str, name: str) -> None:
        del self.objects[(plural, namespace, name)]

    def replicas(self, plural: str, namespace: str, name: str) -> int:
        return self.objects[(plural, namespace, name)]["spec"]["replicas"]

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        reason: str,
        message: str,
        *,
        retry_after: int | None = None,
    ) -> None:
        """Answer `method path` with a Status of `status` until `heal` is called."""
        self.faults[(method, path)] = Fault(status, reason, message, retry_after)

    def heal(self) -> None:
        self.faults.clear()

    def _add(
        self,
        plural: str,
        namespace: str,
        name: str,
        labels: dict[str, str] | None,
        spec: dict[str, Any],
        status: dict[str, Any],
    ) -> dict[str, Any]:
        kind, group = _KINDS[plural]
        resource = {
            "kind": kind,
            "apiVersion": f"{group}/v1" if group else "v1",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{plural}/{namespace}/{name}")),
                "resourceVersion": str(next(self._versions)),
                "generation": 1,
                "creationTimestamp": CREATED,
                "labels": dict(labels or {}),
            },
            "spec": spec,
            "status": status,
        }
        self.objects[(plural, namespace, name)] = resource
        return resource

    # -- HTTP ------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[tuple[int, dict[str, Any]], dict[str, str]]:
        with self._lock:
            self.requests.append((method, path))
            if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
                return _status(401, "Unauthorized", "Unauthorized"), {}
            if fault := self.faults.get((method, path)):
                extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return _status(fault.status, fault.reason, fault.message), extra
            match = _PATH.match(path)
            if not match or match["plural"] not in _KINDS:
                return _status(
                    404, "NotFound", "the server could not find the requested resource"
                ), {}
            plural, namespace, name = match["plural"], match["ns"], match["name"]
            key = (plural, namespace, name)
            scale = bool(match["scale"])
            if key not in self.objects:
                return _not_found(plural, name), {}
            if scale and plural not in _SCALABLE:
                return _status(
                    404, "NotFound", "the server could not find the requested resource"
                ), {}
            if method == "GET":
                resource = self.objects[key]
                return (200, _scale_of(plural, resource) if scale else resource), {}
            if method == "PATCH" and plural in _SCALABLE:
                content_type = headers.get("content-type", "")
                return self._patch(path, key, scale, content_type, body, headers), {}
            return _status(405, "MethodNotAllowed", f"{method} is not supported here"), {}

    def _patch(
        self,
        path: str,
        key: tuple[str, str, str],
        scale: bool,
        content_type: str,
        raw: bytes,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(raw or b"null")
        except json.JSONDecodeError as exc:
            return _status(400, "BadRequest", f"error decoding patch: {exc}")
        self.patches.append(RecordedPatch(path, content_type, body, headers.get("authorization")))
        plural, _, name = key
        resource = self.objects[key]
        target = _scale_of(plural, resource) if scale else copy.deepcopy(resource)
        if content_type in _MERGE_PATCHES and isinstance(body, dict):
            wanted = body.get("metadata", {}).get("resourceVersion")
            if wanted is not None and wanted != resource["metadata"]["resourceVersion"]:
                return _conflict(plural, name)
            _merge(target, body)
        elif content_type == "application/json-patch+json" and isinstance(body, list):
            for operation in body:
                if operation.get("op") not in ("replace", "add"):
                    return _status(422, "Invalid", f"unsupported op {operation.get('op')!r}")
                _set_pointer(target, operation["path"], operation["value"])
        else:
            return _status(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an "
                f"unknown format - accepted media types include: "
                f"{', '.join(_MERGE_PATCHES)}, application/json-patch+json",
            )
        replicas = target["spec"].get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            return _status(422, "Invalid", f"spec.replicas: Invalid value: {replicas!r}")
        resource["spec"]["replicas"] = replicas
        resource["status"].update(_ready(replicas))
        resource["metadata"]["resourceVersion"] = str(next(self._versions))
        resource["metadata"]["generation"] += 1
        return 200, (_scale_of(plural, resource) if scale else resource)


def _pod_template(app: str, gpus: int, labels: dict[str, str] | None) -> dict[str, Any]:
    resources: dict[str, Any] = {"requests": {"cpu": "4", "memory": "16Gi"}}
    if gpus:
        resources["requests"]["nvidia.com/gpu"] = str(gpus)
        resources["limits"] = {"nvidia.com/gpu": str(gpus)}
    return {
        "metadata": {"labels": {"app": app, **(labels or {})}},
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "nvcr.io/nvidia/pytorch:24.05-py3",
                    "resources": resources,
                    "terminationMessagePath": "/dev/termination-log",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
        },
    }


def _ready(replicas: int) -> dict[str, Any]:
    counts = {"replicas": replicas, "readyReplicas": replicas, "updatedReplicas": replicas}
    return {**counts, "availableReplicas": replicas, "observedGeneration": 1}


def _owner_reference(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _scale_of(plural: str, resource: dict[str, Any]) -> dict[str, Any]:
    metadata = resource["metadata"]
    labels = resource["spec"]["selector"]["matchLabels"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        },
        "spec": {"replicas": resource["spec"]["replicas"]},
        "status": {
            "replicas": resource["status"]["replicas"],
            "selector": ",".join(f"{k}={v}" for k, v in labels.items()),
        },
    }


def _status(code: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return code, body


def _not_found(plural: str, name: str) -> tuple[int, dict[str, Any]]:
    group = _KINDS[plural][1]
    resource = f"{plural}.{group}" if group else plural
    code, body = _status(404, "NotFound", f'{resource} "{name}" not found')
    body["details"] = {"name": name, "group": group, "kind": plural}
    return code, body


def _conflict(plural: str, name: str) -> tuple[int, dict[str, Any]]:
    return _status(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {plural}.apps "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
    )


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _set_pointer(target: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = pointer.lstrip("/").split("/")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


@contextmanager
def kube_api_server(token: str | None = None) -> Iterator[KubeApiServer]:
    state = KubeApiServer(token=token)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            (status, payload), extra = state.handle(
                self.command, self.path.split("?")[0], headers, body
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PATCH = do_PUT = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
