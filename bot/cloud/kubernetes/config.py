"""How a `kubernetes` controller is configured: where OpenCost and the API server are, which
namespaces it watches, and how finely it reads utilisation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from bot.cloud.registry import ControllerConfig

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# A DNS-1123 label: what Kubernetes accepts as a namespace name.
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class KubernetesControllerConfig(ControllerConfig):
    """GPU workloads found in OpenCost's allocations, scaled to zero and back on the API server.

    Without `api_server`, the API server is found the kubernetes client's way: the pod's
    service account when costbot runs in the cluster, else `kubeconfig` (default
    ~/.kube/config) and its `context`."""

    type: Literal["kubernetes"]
    opencost_url: str  # the OpenCost API base, e.g. http://opencost.opencost:9003
    api_server: str | None = None  # e.g. https://10.0.0.1:443
    token_file: Path | None = None  # a bearer token, read again at every call (tokens rotate)
    ca_file: Path | None = None  # the API server's CA bundle, when it is not publicly trusted
    verify_ssl: bool = True
    kubeconfig: Path | None = None
    context: str | None = None
    namespaces: list[str] = Field(default_factory=list)  # empty: every namespace
    # OpenCost's `step` for utilisation: one datapoint per workload per period.
    period_seconds: int = Field(default=300, ge=60, le=3600)
    # How far back the inventory looks for GPU workloads (and their cost per hour).
    inventory_minutes: int = Field(default=60, ge=10, le=24 * 60)
    currency: str = "USD"
    timeout_seconds: float = Field(default=30, gt=0, le=600)

    @field_validator("opencost_url")
    @classmethod
    def _opencost_url(cls, url: str) -> str:
        return _http_url("opencost_url", url, "http://opencost.opencost:9003")

    @field_validator("api_server")
    @classmethod
    def _api_server(cls, url: str | None) -> str | None:
        return None if url is None else _http_url("api_server", url, "https://10.0.0.1:443")

    @field_validator("namespaces", mode="before")
    @classmethod
    def _namespaces(cls, value: object) -> object:
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list):
            return value
        for namespace in value:
            if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
                raise ValueError(
                    f"namespaces: {namespace!r} is not a Kubernetes namespace name "
                    "(lower-case letters, digits and -, at most 63)"
                )
        return value

    @field_validator("period_seconds")
    @classmethod
    def _whole_minutes(cls, seconds: int) -> int:
        if seconds % 60:
            raise ValueError(
                f"period_seconds {seconds}: use whole minutes (60, 300, 600 ...); "
                "OpenCost's step is given in minutes"
            )
        return seconds

    @field_validator("currency")
    @classmethod
    def _currency(cls, currency: str) -> str:
        code = currency.strip().upper()
        if not _CURRENCY.match(code):
            raise ValueError(f"currency {currency!r} is no ISO 4217 code such as USD or EUR")
        return code

    @field_validator("token_file", "ca_file", "kubeconfig")
    @classmethod
    def _readable_file(cls, path: Path | None) -> Path | None:
        if path is not None and not path.expanduser().is_file():
            raise ValueError(f"{path} is not a readable file; give the path of an existing file")
        return None if path is None else path.expanduser()


def _http_url(key: str, url: str, example: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{key} {url!r} is not an http(s) URL; give one such as {example}")
    if parts.query or parts.fragment:
        raise ValueError(f"{key} {url!r}: give the base URL only, without ?query or #fragment")
    return url.strip().rstrip("/")
