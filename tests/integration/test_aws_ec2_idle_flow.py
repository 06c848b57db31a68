"""The idle flow on the aws_ec2 controller against moto: an idle GPU instance found by its
CloudWatch datapoints, proposed once with its list price, stopped once on approval (as
describe_instances sees it), and started again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest
import yaml

from bot.app import build_services
from bot.services.errors import AlreadyDecidedError
from bot.settings import Settings

ADA = "U0APPROVE1"
AMI = "ami-12c6146b"


def _state(instance_id: str) -> str:
    ec2 = boto3.session.Session().client("ec2", region_name="us-east-1")
    answer = ec2.describe_instances(InstanceIds=[instance_id])
    return answer["Reservations"][0]["Instances"][0]["State"]["Name"]


def _idle_gpu_instance() -> str:
    ec2 = boto3.session.Session().client("ec2", region_name="us-east-1")
    tags = {"Name": "stalled-trainer", "project": "fraud-detection", "costbot:managed": "true"}
    (instance,) = ec2.run_instances(
        ImageId=AMI,
        MinCount=1,
        MaxCount=1,
        InstanceType="g5.xlarge",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ],
    )["Instances"]
    instance_id = instance["InstanceId"]
    cloudwatch = boto3.session.Session().client("cloudwatch", region_name="us-east-1")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for namespace, metric in (
        ("AWS/EC2", "CPUUtilization"),
        ("CWAgent", "nvidia_smi_utilization_gpu"),
    ):
        cloudwatch.put_metric_data(
            Namespace=namespace,
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                    "Timestamp": now - timedelta(minutes=5 * n),
                    "Value": 0.5 + n % 2,
                }
                for n in range(9)  # the last 40 minutes, every 5
            ],
        )
    return instance_id


@pytest.fixture
def services(moto, tmp_path):
    config = tmp_path / "costbot.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "currency": "USD",
                "channels": {"default": "#cloud-costs"},
                "idle": {
                    "dry_run": False,
                    "approvers": {"default": [ADA]},
                    "controllers": [{"type": "aws_ec2", "regions": ["us-east-1"]}],
                },
            }
        )
    )
    built = build_services(Settings(database_url=f"sqlite:///{tmp_path / 'costbot.db'}"), config)
    yield built
    built.engine.dispose()


def test_an_idle_instance_is_proposed_stopped_once_and_started_again(services):
    instance_id = _idle_gpu_instance()

    report = services.idle.scan()

    assert not report.errors
    (row,) = [r for r in report.rows if r.instance_id == instance_id]
    assert (row.name, row.type, row.project) == ("stalled-trainer", "g5.xlarge", "fraud-detection")
    assert (
        row.idle_minutes >= 30 and row.cpu_max == Decimal("1.5") and row.gpu_max == Decimal("1.5")
    )
    assert (row.hourly_cost, row.currency) == (Decimal("1.006"), "USD")
    proposal = services.idle.proposal(row.proposal_id)
    assert proposal.price_source == "price table (on-demand list price)"
    assert services.idle.scan().proposed == []  # one proposal per idle spell

    stopped = services.idle.approve(proposal.id, ADA)

    assert stopped.state == "stopped", stopped.result
    assert _state(instance_id) == "stopped"
    with pytest.raises(AlreadyDecidedError):
        services.idle.approve(proposal.id, ADA)
    stops = [e for e in services.audit.audit_log(prefix="idle.") if e.action == "idle.stop"]
    assert len(stops) == 1

    started = services.idle.start_again(proposal.id, ADA)

    assert started.state == "started", started.result
    assert _state(instance_id) == "running"
