"""The `kubernetes` controller's config: each bad key refused with a message saying what to
give; the kubernetes client imported only when a controller is built, and asked for by name
when it is missing; the RBAC document granting exactly the permissions the type declares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.cloud.kubernetes import CONTROLLER_TYPE, RBAC_PERMISSIONS, KubernetesSetupError
from bot.cloud.kubernetes.config import KubernetesControllerConfig
from bot.cloud.registry import ControllerContext, build_controllers, parse_controller_config
from bot.settings_idle import IdleConfig

ROOT = Path(__file__).resolve().parents[2]
OPENCOST = "http://127.0.0.1:9003"


def refusal(**keys: object) -> str:
    with pytest.raises(ValidationError) as caught:
        IdleConfig.model_validate({"controllers": [{"type": "kubernetes", **keys}]})
    return str(caught.value)


def test_the_smallest_config_takes_the_defaults() -> None:
    config = parse_controller_config({"type": "kubernetes", "opencost_url": OPENCOST + "/"})
    assert isinstance(config, KubernetesControllerConfig)
    assert config.opencost_url == OPENCOST  # the trailing / dropped
    assert (config.api_server, config.namespaces, config.currency) == (None, [], "USD")
    assert (config.period_seconds, config.inventory_minutes) == (300, 60)
    assert config.controller_name == "kubernetes"


def test_opencost_url_is_required() -> None:
    assert "opencost_url" in refusal() and "Field required" in refusal()


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        ({"opencost_url": "opencost:9003"}, "is not an http(s) URL; give one such as http://"),
        ({"opencost_url": OPENCOST + "/?window=1d"}, "give the base URL only"),
        ({"api_server": "10.0.0.1:443"}, "api_server '10.0.0.1:443' is not an http(s) URL"),
        ({"namespaces": ["ML"]}, "'ML' is not a Kubernetes namespace name"),
        ({"period_seconds": 90}, "use whole minutes (60, 300, 600 ...)"),
        ({"period_seconds": 30}, "greater than or equal to 60"),
        ({"currency": "dollars"}, "currency 'dollars' is no ISO 4217 code such as USD"),
        ({"token_file": "/nonexistent/token"}, "is not a readable file; give the path"),
        ({"kubeconfig": "/nonexistent/config"}, "is not a readable file"),
        ({"regions": ["us-east-1"]}, "Extra inputs are not permitted"),
        ({"name": "gpu cluster"}, "use letters, digits, - and _ only"),
    ],
)
def test_bad_keys_are_refused_saying_what_to_give(keys: dict[str, object], says: str) -> None:
    assert says in refusal(**{"opencost_url": OPENCOST, **keys})


def test_a_single_namespace_may_be_given_as_text() -> None:
    config = parse_controller_config(
        {"type": "kubernetes", "opencost_url": OPENCOST, "namespaces": "ml"}
    )
    assert isinstance(config, KubernetesControllerConfig) and config.namespaces == ["ml"]


def test_costbot_runs_without_the_extra_until_a_controller_is_built() -> None:
    code = (
        "import sys; import bot.cloud.kubernetes; from bot.cloud.registry import controller_types;"
        "controller_types(); assert 'kubernetes' not in sys.modules, 'imported too early'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_a_missing_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in [name for name in sys.modules if name.split(".")[0] == "kubernetes"]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "kubernetes", None)  # import kubernetes: ImportError
    config = parse_controller_config(
        {"type": "kubernetes", "opencost_url": OPENCOST, "api_server": "http://127.0.0.1:6443"}
    )
    with pytest.raises(KubernetesSetupError, match=r"pip install 'costbot\[kubernetes\]'"):
        build_controllers([config], ControllerContext())


def test_no_cluster_found_says_what_to_configure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n")
    config = parse_controller_config(
        {"type": "kubernetes", "opencost_url": OPENCOST, "kubeconfig": str(kubeconfig)}
    )
    with pytest.raises(KubernetesSetupError) as caught:
        build_controllers([config], ControllerContext())
    assert "no Kubernetes API server found" in str(caught.value)
    assert "set `api_server` and `token_file`" in str(caught.value)


def test_the_rbac_document_grants_exactly_the_declared_permissions() -> None:
    documents = list(yaml.safe_load_all((ROOT / "docs" / "kubernetes-idle-rbac.yaml").read_text()))
    (role,) = [doc for doc in documents if doc["kind"] == "ClusterRole"]
    granted = {
        f"{verb} {group}/{resource}"
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    assert granted == set(RBAC_PERMISSIONS)
    assert set(RBAC_PERMISSIONS) <= set(CONTROLLER_TYPE.permissions)
    # Read and scale only: nothing that creates, deletes or edits a workload's spec.
    assert {verb for rule in role["rules"] for verb in rule["verbs"]} == {"get", "patch"}
    assert all(
        resource.endswith("/scale")
        for rule in role["rules"]
        if "patch" in rule["verbs"]
        for resource in rule["resources"]
    )
    (binding,) = [doc for doc in documents if doc["kind"] == "ClusterRoleBinding"]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
