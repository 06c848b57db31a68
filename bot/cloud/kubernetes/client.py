"""The kubernetes client, configured from the controller's config. The `kubernetes` package
is the optional extra costbot[kubernetes]: imported here, when a controller is built."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bot.cloud.kubernetes.config import KubernetesControllerConfig

if TYPE_CHECKING:
    from kubernetes.client import ApiClient, Configuration

INSTALL_HINT = (
    "The kubernetes controller needs the kubernetes client: install costbot with its extra, "
    "pip install 'costbot[kubernetes]'"
)


class KubernetesSetupError(RuntimeError):
    """The controller cannot be built: the extra is missing or no cluster is configured."""


def api_client(config: KubernetesControllerConfig) -> ApiClient:
    try:
        from kubernetes.client import ApiClient
    except ImportError as exc:
        raise KubernetesSetupError(INSTALL_HINT) from exc
    return ApiClient(configuration=client_configuration(config))


def client_configuration(config: KubernetesControllerConfig) -> Configuration:
    from kubernetes.client import Configuration

    configuration = Configuration()
    if config.api_server is None:
        _load(config, configuration)
    else:
        configuration.host = config.api_server
    if config.token_file is not None:
        token_file = config.token_file
        configuration.api_key = {"authorization": _bearer(token_file)}

        def refresh(conf: Configuration) -> None:
            # Projected service-account tokens rotate: read the file again before each call.
            conf.api_key = {"authorization": _bearer(token_file)}

        configuration.refresh_api_key_hook = refresh
    if config.ca_file is not None:
        configuration.ssl_ca_cert = str(config.ca_file)
    configuration.verify_ssl = config.verify_ssl and configuration.verify_ssl
    return configuration


def _load(config: KubernetesControllerConfig, configuration: Configuration) -> None:
    """In the cluster, the pod's service account; elsewhere, the kubeconfig."""
    from kubernetes.config import ConfigException, load_incluster_config, load_kube_config

    try:
        if config.kubeconfig is None and os.environ.get("KUBERNETES_SERVICE_HOST"):
            load_incluster_config(client_configuration=configuration)
        else:
            load_kube_config(
                config_file=str(config.kubeconfig) if config.kubeconfig else None,
                context=config.context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (ConfigException, OSError) as exc:
        raise KubernetesSetupError(
            f"controller {config.controller_name!r}: no Kubernetes API server found ({exc}). "
            "Run costbot in the cluster with a service account, give `kubeconfig` (and "
            "`context`), or set `api_server` and `token_file`."
        ) from exc


def _bearer(token_file: os.PathLike[str]) -> str:
    try:
        with open(token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError as exc:
        raise KubernetesSetupError(f"cannot read token_file {token_file}: {exc}") from exc
    if not token:
        raise KubernetesSetupError(f"token_file {token_file} is empty; it holds a bearer token")
    return f"Bearer {token}"
