"""The whole idle flow on EC2: IdleService as `bot.app.build_services` wires it, on a real store
(SQLite and PostgreSQL), with moto's EC2 and CloudWatch over HTTP: one proposal per idle
instance, one stop call on approval however often it is approved, and "Start again"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import botocore.handlers
import pytest
import yaml

from bot.domain.idle.proposals import ProposalState
from bot.services.errors import AlreadyDecidedError

AMI = "ami-12c6146b"  # one of moto's default images
APPROVER = "U0SANDBOX1"
CONFIG = {
    "channels": {"default": "#cloud-costs"},
    "idle": {
        "dry_run": False,
        "controllers": [{"type": "aws_ec2", "regions": ["us-east-1"]}],
        "approvers": {"default": [APPROVER]},
    },
}


@pytest.fixture
def stop_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The instance ids of every StopInstances call any boto3 client makes from now on.

    Each boto3 Session registers botocore's built-in handlers when it is made, so a handler
    added to that list reaches the clients the controller makes for itself."""
    calls: list[list[str]] = []

    def count(params, **_):
        calls.append([v for k, v in params["body"].items() if k.startswith("InstanceId")])

    handlers = [*botocore.handlers.BUILTIN_HANDLERS, ("before-call.ec2.StopInstances", count)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    return calls


def _ec2():
    return boto3.session.Session().client("ec2", region_name="us-east-1")


def _run(instance_type: str, **tags: str) -> str:
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    answer = _ec2().run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType=instance_type, TagSpecifications=spec
    )
    return answer["Instances"][0]["InstanceId"]


def _cpu(instance_id: str, percent: float) -> None:
    """CPU datapoints every 5 minutes over the last 40 minutes, the newest a minute ago."""
    newest = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    data = [
        {
            "MetricName": "CPUUtilization",
            "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
            "Timestamp": newest - timedelta(minutes=5 * n),
            "Value": percent,
        }
        for n in range(9)
    ]
    cloudwatch = boto3.session.Session().client("cloudwatch", region_name="us-east-1")
    cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=data)


def _state(instance_id: str) -> str:
    answer = _ec2().describe_instances(InstanceIds=[instance_id])
    return answer["Reservations"][0]["Instances"][0]["State"]["Name"]


def test_an_idle_instance_is_proposed_once_stopped_once_and_started_again(
    moto, store, tmp_path, stop_calls
):
    idle = _run("m5.large", Name="notebook", project="fraud", team="ml-platform")
    busy = _run("m5.large", Name="trainer", project="fraud")
    _cpu(idle, 0.5)
    _cpu(busy, 93.0)
    path = tmp_path / "costbot.yml"
    path.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    service = store.build(path).idle

    first = service.scan()
    second = service.scan()

    assert first.errors == [] and second.errors == []
    assert len(first.proposed) == 1 and second.proposed == []
    (row,) = [r for r in first.rows if r.instance_id == idle]
    assert busy not in {r.instance_id for r in first.rows}
    assert (row.name, row.type, row.project, row.team) == (
        "notebook",
        "m5.large",
        "fraud",
        "ml-platform",
    )
    assert row.cpu_max == Decimal("0.5") and row.idle_minutes == 30
    (proposal_id,) = first.proposed
    proposal = service.proposal(proposal_id)
    assert (proposal.instance_id, proposal.state) == (idle, ProposalState.PROPOSED)
    # No billing rows in the store: the shipped list price, and the message says so.
    assert (proposal.hourly_cost, proposal.currency) == (Decimal("0.096"), "USD")
    assert proposal.price_source == "on-demand list price (price table)"
    assert stop_calls == []

    stopped = service.approve(proposal_id, APPROVER)

    assert stopped.state == ProposalState.STOPPED, stopped.result
    assert stopped.decided_by == APPROVER
    assert _state(idle) == "stopped"
    assert _state(busy) == "running"
    assert stop_calls == [[idle]]

    # moto would stop it "again" without complaint: once must come from the store.
    with pytest.raises(AlreadyDecidedError):
        service.approve(proposal_id, APPROVER)
    assert stop_calls == [[idle]]
    assert service.scan().proposed == []  # a stopped machine is not proposed

    started = service.start_again(proposal_id, APPROVER)

    assert started.state == ProposalState.STARTED, started.result
    assert started.started_by == APPROVER
    assert _state(idle) == "running"
    assert stop_calls == [[idle]]


def test_a_bad_price_file_stops_the_start_naming_its_line(store, tmp_path):
    prices = tmp_path / "our-prices.csv"
    prices.write_text("instance_type,hourly,currency,gpus\ng5.xlarge,1.0,USD,1\nm5.large,,USD,0\n")
    config = {**CONFIG, "idle": {**CONFIG["idle"], "price_file": str(prices)}}
    path = tmp_path / "costbot.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")

    with pytest.raises(ValueError, match=rf"{prices}: line 3: hourly '' is not a number"):
        store.build(path)
