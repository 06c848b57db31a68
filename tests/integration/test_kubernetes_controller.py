"""The kubernetes controller through the real kubernetes client against a local stand-in of
the API server, and OpenCost's stand-in replaying recorded-shape pod allocations: which
workloads it finds, their utilisation, scaling to zero and back, and how failures read."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cloud.kubernetes.controller import KubernetesController
from bot.cloud.registry import ControllerContext, build_controllers, parse_controller_config
from bot.domain.idle.policy import IdlePolicy, judge_idle
from bot.services.idle_ports import CloudActionError, CloudErrorKind, CloudInstance
from tests.kube_api_server import KubeApiServer, kube_api_server
from tests.opencost_server import OPENCOST_FIXTURES, ReplayServer, Reply, opencost_server

NOW = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
INVENTORY = "allocation-1h-pod-gpu-workloads.derived.json"
USAGE = "allocation-30m-step5m-pod-gpu-usage.derived.json"
TRAINER = "ml/Deployment/trainer"
NOTEBOOK = "ml/StatefulSet/notebook"
INFER = "ml/Deployment/infer"
SWEEP = "research/StatefulSet/sweep"
TRAINER_SCALE = "/apis/apps/v1/namespaces/ml/deployments/trainer/scale"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours proxy variables; the stand-ins are on 127.0.0.1 and reached directly."""
    for scheme in ("http", "https", "all"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)


@dataclass
class Cluster:
    kube: KubeApiServer
    opencost: ReplayServer
    controller: KubernetesController


def seed(kube: KubeApiServer) -> None:
    """The workloads behind the recorded pods (the `retired` Deployment is gone)."""
    owner = {"team": "vision", "owner": "U0ALICE01"}
    kube.add_deployment("ml", "trainer", replicas=2, gpus=1, pod_labels=owner)
    kube.add_replica_set("ml", "trainer-6f9c7d5b8", "trainer")
    kube.add_stateful_set("ml", "notebook", replicas=1, pod_labels={"team": "research"})
    kube.add_deployment("ml", "infer", replicas=1, labels={"costbot.io/keep": "false"})
    kube.add_replica_set("ml", "infer-5c8d7f9b8", "infer")
    kube.add_deployment("web", "api", replicas=3, gpus=0)
    kube.add_stateful_set("research", "sweep", replicas=0, gpus=2)


def build(config: dict[str, object]) -> KubernetesController:
    (controller,) = build_controllers(
        [parse_controller_config({"type": "kubernetes", **config})],
        ControllerContext(now=lambda: NOW),
    )
    assert isinstance(controller, KubernetesController)
    return controller


@contextmanager
def cluster(*replies: Reply, token: str | None = None, **config: object) -> Iterator[Cluster]:
    with kube_api_server(token=token) as kube, opencost_server(*replies) as opencost:
        seed(kube)
        keys = {"opencost_url": opencost.url, "api_server": kube.url, **config}
        yield Cluster(kube, opencost, build(keys))


def recorded_pods(name: str, step: int = 0) -> dict[str, dict]:
    text = (OPENCOST_FIXTURES / name).read_text()
    return json.loads(text, parse_float=Decimal)["data"][step]


def by_id(instances: list[CloudInstance]) -> dict[str, CloudInstance]:
    return {instance.instance_id: instance for instance in instances}


def test_inventory_lists_gpu_deployments_and_stateful_sets_only() -> None:
    with cluster(Reply.fixture(INVENTORY)) as c:
        instances = by_id(c.controller.inventory())
        ((path, query),) = c.opencost.requests
        kube_requests = list(c.kube.requests)

    # Not the CPU-only api, the Job, the deleted `retired` nor __idle__.
    assert sorted(instances) == [INFER, TRAINER, NOTEBOOK, SWEEP]
    assert path == "/allocation/compute"
    assert query["window"] == ["2026-12-01T11:30:00Z,2026-12-01T12:30:00Z"]
    assert query["aggregate"] == ["pod"] and query["accumulate"] == ["true"]

    trainer = instances[TRAINER]
    assert (trainer.name, trainer.type, trainer.state, trainer.gpus) == (
        "ml/trainer",
        "Deployment",
        "running",
        2,
    )
    assert trainer.tags == {"app": "trainer", "team": "vision", "owner": "U0ALICE01"}
    assert trainer.launched_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    pods = recorded_pods(INVENTORY)
    both = (
        pods["trainer-6f9c7d5b8-2xk4p"]["totalCost"] + pods["trainer-6f9c7d5b8-9wq7m"]["totalCost"]
    )
    assert (trainer.hourly_cost, trainer.currency) == (both, "USD")  # two pods, one hour

    notebook = instances[NOTEBOOK]
    assert (notebook.type, notebook.state, notebook.gpus) == ("StatefulSet", "running", 1)
    # It ran 40 of the 60 minutes: its cost per hour is over the time it ran.
    assert notebook.hourly_cost == pods["notebook-0"]["totalCost"] / 40 * 60

    # OpenCost named only the ReplicaSet: its owner reference led to the Deployment.
    assert ("GET", "/apis/apps/v1/namespaces/ml/replicasets/infer-5c8d7f9b8") in kube_requests
    assert instances[INFER].tags["costbot.io/keep"] == "false"
    assert (instances[SWEEP].state, instances[SWEEP].gpus) == ("stopped", 2)


def test_namespaces_limit_the_inventory() -> None:
    with cluster(Reply.fixture(INVENTORY), namespaces=["ml"]) as c:
        assert sorted(by_id(c.controller.inventory())) == [INFER, TRAINER, NOTEBOOK]


def test_an_idle_gpu_workload_has_full_low_series_and_is_judged_idle() -> None:
    with cluster(Reply.fixture(INVENTORY), Reply.fixture(USAGE)) as c:
        instances = c.controller.inventory()
        start = NOW - timedelta(minutes=30)
        usage = c.controller.utilisation(instances, start, NOW)
        _, query = c.opencost.requests[1]

    assert query["window"] == ["2026-12-01T12:00:00Z,2026-12-01T12:30:00Z"]
    assert (query["step"], query["aggregate"], query["accumulate"]) == (["5m"], ["pod"], ["false"])
    trainer = usage[TRAINER]
    steps = [start + timedelta(minutes=5 * i) for i in range(6)]
    assert trainer.period_seconds == 300
    assert [p.at for p in trainer.cpu] == steps == [p.at for p in trainer.gpu]
    # Each datapoint is the busiest pod's: usage over request, in percent.
    for index, point in enumerate(trainer.gpu):
        pods = recorded_pods(USAGE, index)
        used = max(
            pods[name]["gpuAllocation"]["gpuUsageAverage"]
            for name in ("trainer-6f9c7d5b8-2xk4p", "trainer-6f9c7d5b8-9wq7m")
        )
        assert point.value == used * 100
    assert max(p.value for p in trainer.gpu) == Decimal("3.100")
    assert max(p.value for p in trainer.cpu) == Decimal("1.25")
    verdict = judge_idle(trainer, IdlePolicy(), NOW, has_gpus=True)
    assert verdict.idle, verdict.reason

    busy = judge_idle(usage[NOTEBOOK], IdlePolicy(), NOW, has_gpus=True)
    # Older OpenCost's top-level GPU fields read too: 55-65% busy.
    assert not busy.idle and busy.gpu_max == Decimal(65)
    # The stopped sweep has no pods in the window: nothing measured, never idle.
    assert usage[SWEEP].cpu == () and usage[SWEEP].gpu == ()


def test_missing_gpu_usage_gives_an_empty_gpu_series_so_never_idle() -> None:
    with cluster(Reply.fixture(INVENTORY), Reply.fixture(USAGE)) as c:
        infer = by_id(c.controller.inventory())[INFER]
        usage = c.controller.utilisation([infer], NOW - timedelta(minutes=30), NOW)

    assert infer.gpus == 1
    assert len(usage[INFER].cpu) == 6 and max(p.value for p in usage[INFER].cpu) == 2
    assert usage[INFER].gpu == ()  # gpuAllocation.gpuUsageAverage is null: DCGM said nothing
    verdict = judge_idle(usage[INFER], IdlePolicy(), NOW, has_gpus=True)
    assert not verdict.idle and "no GPU datapoints" in verdict.reason


def test_stop_scales_to_zero_with_a_scale_patch_and_records_the_replicas() -> None:
    with cluster(Reply.fixture(INVENTORY)) as c:
        trainer = by_id(c.controller.inventory())[TRAINER]
        version = c.kube.objects[("deployments", "ml", "trainer")]["metadata"]["resourceVersion"]
        result = c.controller.stop(trainer)
        replicas = c.kube.replicas("deployments", "ml", "trainer")
        patches = list(c.kube.patches)
        after = c.controller.describe(TRAINER)

    assert (result.state, dict(result.undo)) == ("stopped", {"replicas": 2})
    assert replicas == 0
    (patch,) = patches
    assert patch.path == TRAINER_SCALE
    assert patch.content_type == "application/strategic-merge-patch+json"
    # Only the replica count, and only if nobody changed the scale since it was read.
    assert patch.body == {"spec": {"replicas": 0}, "metadata": {"resourceVersion": version}}
    assert after is not None and (after.state, after.gpus) == ("stopped", 1)


def test_start_scales_back_to_the_recorded_replicas() -> None:
    with cluster(Reply.fixture(INVENTORY)) as c:
        instances = by_id(c.controller.inventory())
        stopped = c.controller.stop(instances[NOTEBOOK])
        started = c.controller.start(instances[NOTEBOOK], stopped.undo)
        replicas = c.kube.replicas("statefulsets", "ml", "notebook")
        paths = [(p.path, p.body["spec"]["replicas"]) for p in c.kube.patches]
        again = c.controller.describe(NOTEBOOK)

    scale = "/apis/apps/v1/namespaces/ml/statefulsets/notebook/scale"
    assert paths == [(scale, 0), (scale, 1)]
    assert (started.state, replicas) == ("running", 1)
    assert again is not None and again.state == "running"


def test_start_leaves_a_workload_someone_scaled_up_alone() -> None:
    with cluster(Reply.fixture(INVENTORY)) as c:
        trainer = by_id(c.controller.inventory())[TRAINER]
        undo = c.controller.stop(trainer).undo
        c.kube.objects[("deployments", "ml", "trainer")]["spec"]["replicas"] = 5
        result = c.controller.start(trainer, undo)
        assert c.kube.replicas("deployments", "ml", "trainer") == 5
        assert len(c.kube.patches) == 1
    assert (result.state, dict(result.undo)) == ("running", {"replicas": 5})


def test_stopping_what_is_already_at_zero_is_refused_without_a_patch() -> None:
    with cluster(Reply.fixture(INVENTORY)) as c:
        sweep = by_id(c.controller.inventory())[SWEEP]
        with pytest.raises(CloudActionError) as caught:
            c.controller.stop(sweep)
        assert c.kube.patches == []
    assert caught.value.kind is CloudErrorKind.INVALID_STATE
    assert "already scaled to zero" in caught.value.message


def test_a_scale_changed_since_it_was_read_is_a_conflict() -> None:
    from bot.cloud.kubernetes.workloads import WorkloadKey

    with cluster(Reply.fixture(INVENTORY)) as c:
        key = WorkloadKey.parse(TRAINER)
        api = c.controller._api
        stale = api.scale(key)
        api.set_scale(key, 3, stale.resource_version)  # someone else scaled it meanwhile
        with pytest.raises(CloudActionError) as caught:
            api.set_scale(key, 0, stale.resource_version)
        assert c.kube.replicas("deployments", "ml", "trainer") == 3
    assert caught.value.kind is CloudErrorKind.INVALID_STATE
    assert "HTTP 409" in caught.value.message and "nothing was done" in caught.value.message


@pytest.mark.parametrize(
    ("status", "reason", "kind", "advice"),
    [
        (403, "Forbidden", CloudErrorKind.ACCESS_DENIED, "docs/kubernetes-idle-rbac.yaml"),
        (404, "NotFound", CloudErrorKind.NOT_FOUND, "is gone"),
        (429, "TooManyRequests", CloudErrorKind.THROTTLED, "Try again shortly"),
        (500, "InternalError", CloudErrorKind.OTHER, "API server is healthy"),
    ],
)
def test_api_errors_are_classified_with_what_to_do(
    status: int, reason: str, kind: CloudErrorKind, advice: str
) -> None:
    message = f'deployments.apps/scale "trainer" says {reason}'
    with cluster(Reply.fixture(INVENTORY)) as c:
        trainer = by_id(c.controller.inventory())[TRAINER]
        c.kube.fail("PATCH", TRAINER_SCALE, status, reason, message, retry_after=2)
        with pytest.raises(CloudActionError) as caught:
            c.controller.stop(trainer)
        assert c.kube.replicas("deployments", "ml", "trainer") == 2

    assert caught.value.kind is kind
    assert f"HTTP {status}" in caught.value.message and message in caught.value.message
    assert advice in caught.value.message
    assert "scale ml/Deployment/trainer to 0" in caught.value.message


def test_a_deleted_workload_is_gone_for_describe_and_not_found_for_stop() -> None:
    with cluster(Reply.fixture(INVENTORY)) as c:
        trainer = by_id(c.controller.inventory())[TRAINER]
        c.kube.remove("deployments", "ml", "trainer")
        assert c.controller.describe(TRAINER) is None
        with pytest.raises(CloudActionError) as caught:
            c.controller.stop(trainer)
    assert caught.value.kind is CloudErrorKind.NOT_FOUND
    assert 'deployments.apps "trainer" not found' in caught.value.message


def test_gpus_only_opencost_saw_are_kept_for_describe() -> None:
    """A pod template without a GPU resource costbot recognises: describe still reports the
    GPUs OpenCost measured, so the check before a stop judges the GPU too."""
    with cluster(Reply.fixture(INVENTORY)) as c:
        c.kube.add_deployment("ml", "infer", replicas=1, gpus=0)
        assert by_id(c.controller.inventory())[INFER].gpus == 1
        described = c.controller.describe(INFER)
        fresh = build({"opencost_url": c.opencost.url, "api_server": c.kube.url})
        described_fresh = fresh.describe(INFER)
        asked = len(c.opencost.requests)
    assert described is not None and described.gpus == 1
    assert described_fresh is not None and described_fresh.gpus == 1
    assert asked == 2  # the fresh controller asked OpenCost; the first one remembered


def test_token_file_is_sent_as_a_bearer_token(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    with cluster(Reply.fixture(INVENTORY), token="s3cret-token", token_file=str(token)) as c:
        trainer = by_id(c.controller.inventory())[TRAINER]
        token.write_text("rotated")  # read again at the next call: now refused
        with pytest.raises(CloudActionError) as caught:
            c.controller.stop(trainer)
    assert trainer.state == "running"
    assert caught.value.kind is CloudErrorKind.ACCESS_DENIED
    assert "HTTP 401" in caught.value.message and "token_file" in caught.value.message


def test_a_kubeconfig_finds_the_api_server(tmp_path: Path) -> None:
    with (
        kube_api_server(token="from-kubeconfig") as kube,
        opencost_server(Reply.fixture(INVENTORY)) as opencost,
    ):
        seed(kube)
        kubeconfig = tmp_path / "config"
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "local", "cluster": {"server": kube.url}}],
                    "users": [{"name": "costbot", "user": {"token": "from-kubeconfig"}}],
                    "contexts": [
                        {"name": "idle", "context": {"cluster": "local", "user": "costbot"}}
                    ],
                    "current-context": "idle",
                }
            )
        )
        controller = build(
            {"opencost_url": opencost.url, "kubeconfig": str(kubeconfig), "context": "idle"}
        )
        assert TRAINER in by_id(controller.inventory())


def test_an_unreachable_api_server_says_so() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with opencost_server(Reply.fixture(INVENTORY)) as opencost:
        controller = build({"opencost_url": opencost.url, "api_server": closed})
        with pytest.raises(CloudActionError) as caught:
            controller.inventory()
    assert caught.value.kind is CloudErrorKind.OTHER
    assert f"the API server at {closed} did not answer" in caught.value.message


def test_an_opencost_failure_names_the_key_to_check() -> None:
    failing = Reply(b'{"code": 500, "message": "prometheus timed out"}', status=500)
    with cluster(failing) as c, pytest.raises(CloudActionError) as caught:
        c.controller.inventory()
    assert caught.value.kind is CloudErrorKind.OTHER
    assert "HTTP 500" in caught.value.message and "opencost_url" in caught.value.message
