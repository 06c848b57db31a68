"""Idle machines end to end on a Kubernetes cluster, through `build_services` as costbot runs:
a scan proposes the idle GPU Deployment, an approver's approval scales it to zero once, and
Start again scales it back to the replicas it had. The API server and OpenCost are local
stand-ins over HTTP; the store is SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot.app import Services, build_services
from bot.domain.idle.proposals import ProposalState
from bot.services.errors import AlreadyDecidedError
from bot.settings import Settings
from tests.kube_api_server import KubeApiServer, kube_api_server
from tests.opencost_server import OPENCOST_FIXTURES, Reply, opencost_server

APPROVER = "U0SANDBOX1"
TRAINER = "ml/Deployment/trainer"
TRAINER_SCALE = "/apis/apps/v1/namespaces/ml/deployments/trainer/scale"
# The recorded allocations end here; the replies are moved to end now, as a live cluster's do.
RECORDED_END = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
_STAMP = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"')


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for scheme in ("http", "https", "all"):
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)


def recorded_until(name: str, end: datetime) -> Reply:
    """The fixture with every time moved by the same amount, so its window ends at `end`."""
    shift = end - RECORDED_END

    def moved(match: re.Match[bytes]) -> bytes:
        at = datetime.fromisoformat(match[1].decode().replace("Z", "+00:00")) + shift
        return f'"{at:%Y-%m-%dT%H:%M:%SZ}"'.encode()

    return Reply(_STAMP.sub(moved, (OPENCOST_FIXTURES / name).read_bytes()))


def seed(kube: KubeApiServer) -> None:
    kube.add_deployment("ml", "trainer", replicas=2, gpus=1, pod_labels={"team": "vision"})
    kube.add_replica_set("ml", "trainer-6f9c7d5b8", "trainer")
    kube.add_stateful_set("ml", "notebook", replicas=1)
    kube.add_deployment("ml", "infer", replicas=1)
    kube.add_replica_set("ml", "infer-5c8d7f9b8", "infer")
    kube.add_deployment("web", "api", replicas=3, gpus=0)
    kube.add_stateful_set("research", "sweep", replicas=0, gpus=2)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Services, KubeApiServer]]:
    end = datetime.now(UTC)
    inventory = recorded_until("allocation-1h-pod-gpu-workloads.derived.json", end)
    usage = recorded_until("allocation-30m-step5m-pod-gpu-usage.derived.json", end)
    # The inventory is read once; utilisation at the scan and again before the stop.
    with kube_api_server() as kube, opencost_server(inventory, usage) as opencost:
        seed(kube)
        config = {
            "channels": {"default": "#cloud-costs"},
            "idle": {
                "dry_run": False,
                "controllers": [
                    {"type": "kubernetes", "opencost_url": opencost.url, "api_server": kube.url}
                ],
                "approvers": {"default": [APPROVER]},
            },
        }
        path = tmp_path / "costbot.yml"
        path.write_text(yaml.safe_dump(config))
        services = build_services(
            Settings(database_url=f"sqlite:///{tmp_path / 'costbot.db'}"), path
        )
        try:
            yield services, kube
        finally:
            services.engine.dispose()


def test_an_idle_gpu_workload_is_proposed_scaled_to_zero_once_and_back(
    cluster: tuple[Services, KubeApiServer],
) -> None:
    services, kube = cluster
    report = services.idle.scan()

    assert report.errors == []
    (proposal_id,) = report.proposed
    proposal = services.idle.proposal(proposal_id)
    assert (proposal.controller, proposal.instance_id) == ("kubernetes", TRAINER)
    assert proposal.state == ProposalState.PROPOSED
    # Busy (notebook), unmeasured GPU (infer) and already at zero (sweep) are no candidates.
    (row,) = report.rows
    assert (row.instance_id, row.proposal_id) == (TRAINER, proposal_id)
    assert (row.gpu_max, row.hourly_cost, row.currency) == (
        Decimal("3.100"),
        Decimal("6.18848"),  # both pods' cost of the recorded hour
        "USD",
    )
    assert kube.patches == []

    stopped = services.idle.approve(proposal_id, APPROVER)
    assert stopped.state == ProposalState.STOPPED, stopped.result
    assert dict(stopped.undo) == {"replicas": 2}
    assert kube.replicas("deployments", "ml", "trainer") == 0

    with pytest.raises(AlreadyDecidedError):
        services.idle.approve(proposal_id, APPROVER)
    (patch,) = kube.patches  # the second approval called nothing
    assert patch.path == TRAINER_SCALE and patch.body["spec"] == {"replicas": 0}

    started = services.idle.start_again(proposal_id, APPROVER)
    assert started.state == ProposalState.STARTED, started.result
    assert kube.replicas("deployments", "ml", "trainer") == 2
    assert [p.body["spec"]["replicas"] for p in kube.patches] == [0, 2]
