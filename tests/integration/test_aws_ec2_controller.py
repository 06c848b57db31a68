"""The aws_ec2 controller against moto's EC2 and CloudWatch over HTTP: instances with their
tags, CPU/GPU/network datapoints put with put_metric_data and read back, stop and start
checked with describe_instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from bot.cloud.aws_ec2 import CONTROLLER_TYPE, AwsEc2Controller
from bot.cloud.aws_ec2.config import AwsEc2ControllerConfig
from bot.cloud.aws_ec2.metrics import MAX_QUERIES
from bot.cloud.registry import ControllerContext, parse_controller_config
from bot.domain.idle.policy import IdlePolicy, judge_idle
from bot.services.idle_ports import CloudActionError, CloudErrorKind, CloudInstance

AMI = "ami-12c6146b"  # one of moto's default images
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
END = NOW + timedelta(minutes=1)


def _controller(regions=("us-east-1",), **keys) -> AwsEc2Controller:
    config = parse_controller_config({"type": "aws_ec2", "regions": list(regions), **keys})
    controller = CONTROLLER_TYPE.build(config, ControllerContext())
    assert isinstance(controller, AwsEc2Controller)
    return controller


def _ec2(region="us-east-1"):
    return boto3.session.Session().client("ec2", region_name=region)


def _cloudwatch(region="us-east-1"):
    return boto3.session.Session().client("cloudwatch", region_name=region)


def _run(instance_type="g5.xlarge", region="us-east-1", count=1, **tags) -> list[str]:
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    answer = _ec2(region).run_instances(
        ImageId=AMI,
        MinCount=count,
        MaxCount=count,
        InstanceType=instance_type,
        **({"TagSpecifications": spec} if tags else {}),
    )
    return [instance["InstanceId"] for instance in answer["Instances"]]


def _put(instance_id, values, *, namespace="AWS/EC2", metric="CPUUtilization", region="us-east-1"):
    """One datapoint every 5 minutes, the last at NOW."""
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
            "Timestamp": NOW - timedelta(minutes=5 * (len(values) - 1 - n)),
            "Value": value,
        }
        for n, value in enumerate(values)
    ]
    _cloudwatch(region).put_metric_data(Namespace=namespace, MetricData=data)


def _state(instance_id, region="us-east-1") -> str:
    answer = _ec2(region).describe_instances(InstanceIds=[instance_id])
    return answer["Reservations"][0]["Instances"][0]["State"]["Name"]


def test_inventory_lists_every_region_with_tags_type_gpus_and_launch_time(moto):
    (trainer,) = _run("g5.12xlarge", Name="trainer", project="fraud", owner="ada@example.com")
    (web,) = _run("m5.large", region="eu-west-1")
    (gone,) = _run("t3.medium", Name="gone")
    _ec2().terminate_instances(InstanceIds=[gone])

    found = {i.instance_id: i for i in _controller(["us-east-1", "eu-west-1"]).inventory()}

    assert set(found) == {trainer, web}
    assert found[trainer].name == "trainer"
    assert found[trainer].type == "g5.12xlarge"
    assert found[trainer].state == "running"
    assert found[trainer].tags == {
        "Name": "trainer",
        "project": "fraud",
        "owner": "ada@example.com",
    }
    assert found[trainer].gpus == 4
    assert found[trainer].region == "us-east-1"
    assert found[trainer].launched_at.tzinfo is not None
    assert abs(found[trainer].launched_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert (found[web].name, found[web].gpus, found[web].region) == (web, 0, "eu-west-1")


def test_utilisation_reads_cpu_gpu_and_network_back_as_decimals(moto):
    (trainer,) = _run("g5.xlarge", Name="trainer")
    (busy,) = _run("m5.large", Name="busy")
    _put(trainer, [1.5, 0.25, 2.0, 1.0, 0.5, 0.75, 1.25])
    _put(
        trainer,
        [0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0],
        namespace="CWAgent",
        metric="nvidia_smi_utilization_gpu",
    )
    _put(trainer, [100.0] * 7, metric="NetworkIn")
    _put(trainer, [20.5] * 7, metric="NetworkOut")
    _put(busy, [80.0, 95.5, 70.0, 60.0, 90.0, 85.0, 99.0])
    controller = _controller()
    instances = controller.inventory()

    # CloudWatch's EndTime is exclusive: a minute on, the datapoint at NOW is in.
    measured = controller.utilisation(instances, NOW - timedelta(minutes=35), END)

    cpu = measured[trainer].cpu
    assert [p.value for p in cpu] == [
        Decimal(v) for v in ("1.5", "0.25", "2.0", "1.0", "0.5", "0.75", "1.25")
    ]
    assert [p.at for p in cpu] == [NOW - timedelta(minutes=5 * n) for n in range(6, -1, -1)]
    assert all(p.at.utcoffset() == timedelta(0) for p in cpu)
    assert max(p.value for p in measured[trainer].gpu) == Decimal("2.0")
    assert {p.value for p in measured[trainer].network} == {Decimal("120.5")}
    assert measured[trainer].period_seconds == 300
    assert measured[busy].gpu == ()  # no GPUs: not asked for
    # What the service then decides from them.
    policy = IdlePolicy(Decimal(5), Decimal(5), 30)
    assert judge_idle(measured[trainer], policy, NOW, has_gpus=True).idle
    assert not judge_idle(measured[busy], policy, NOW, has_gpus=False).idle


def test_an_instance_without_metrics_has_empty_utilisation_and_is_not_idle(moto):
    (quiet,) = _run("g5.xlarge")
    controller = _controller(network=False)

    measured = controller.utilisation(controller.inventory(), NOW - timedelta(minutes=35), NOW)

    assert measured[quiet].cpu == () and measured[quiet].gpu == () and measured[quiet].network == ()
    assert not judge_idle(measured[quiet], IdlePolicy(), NOW, has_gpus=True).idle


def test_more_than_500_queries_are_sent_in_several_calls(moto):
    ids = _run("m5.large", count=170)  # CPU + NetworkIn + NetworkOut: 510 queries
    _put(ids[0], [1.0, 2.0])
    _put(ids[-1], [3.0])
    sizes: list[int] = []

    def count(service, client):
        if service == "cloudwatch":
            client.meta.events.register(
                "before-parameter-build.cloudwatch.GetMetricData",
                lambda params, **_: sizes.append(len(params["MetricDataQueries"])),
            )

    config = AwsEc2ControllerConfig(type="aws_ec2", regions=["us-east-1"])
    controller = AwsEc2Controller(config, lambda _: 0, on_client=count)
    measured = controller.utilisation(controller.inventory(), NOW - timedelta(minutes=35), END)

    assert sizes == [MAX_QUERIES, 510 - MAX_QUERIES]
    assert len(measured) == 170
    assert [p.value for p in measured[ids[0]].cpu] == [Decimal("1.0"), Decimal("2.0")]
    assert [p.value for p in measured[ids[-1]].cpu] == [Decimal("3.0")]


def test_describe_finds_the_instance_in_any_region_and_not_a_gone_one(moto):
    (web,) = _run("m5.large", region="eu-west-1", Name="web")
    (gone,) = _run("m5.large")
    _ec2().terminate_instances(InstanceIds=[gone])
    # A fresh controller (a restart) has seen no inventory: it asks each region.
    controller = _controller(["us-east-1", "eu-west-1"])

    found = controller.describe(web)

    assert (found.instance_id, found.name, found.region, found.state) == (
        web,
        "web",
        "eu-west-1",
        "running",
    )
    assert controller.describe(gone) is None
    assert controller.describe("i-0123456789abcdef0") is None


def test_stop_then_start_again_as_describe_instances_sees_it(moto):
    (trainer,) = _run("g5.xlarge", Name="trainer")
    controller = _controller()
    (instance,) = controller.inventory()

    stopped = controller.stop(instance)

    assert stopped.state in {"stopping", "stopped"}
    assert _state(trainer) == "stopped"
    assert controller.describe(trainer).state == "stopped"

    started = controller.start(controller.describe(trainer), stopped.undo)

    assert started.state in {"pending", "running"}
    assert _state(trainer) == "running"


def test_stopping_an_instance_that_is_gone_is_not_found(moto):
    controller = _controller()
    ghost = CloudInstance(
        "i-0123456789abcdef0", "ghost", "g5.xlarge", "running", region="us-east-1"
    )

    with pytest.raises(CloudActionError) as raised:
        controller.stop(ghost)

    assert raised.value.kind is CloudErrorKind.NOT_FOUND
    assert "no longer exists" in raised.value.message
    # Without a region it is looked for in each, and is not found either.
    with pytest.raises(CloudActionError) as raised:
        controller.stop(CloudInstance("i-0123456789abcdef0", "ghost", "g5.xlarge", "running"))
    assert raised.value.kind is CloudErrorKind.NOT_FOUND


def test_the_metric_requests_name_the_namespace_metric_dimension_stat_and_period(moto):
    """moto's get_metric_data ignores the namespace when dimensions are given, so what is asked
    for is checked on the request the client builds (it still goes to moto)."""
    (gpu,) = _run("p4d.24xlarge")
    (cpu,) = _run("c5.large")
    asked: list[dict] = []

    def capture(service, client):
        if service == "cloudwatch":
            client.meta.events.register(
                "before-parameter-build.cloudwatch.GetMetricData",
                lambda params, **_: asked.append(params),
            )

    config = parse_controller_config(
        {
            "type": "aws_ec2",
            "regions": ["us-east-1"],
            "period_seconds": 60,
            "gpu_metric": {"namespace": "Custom/GPU", "name": "gpu_util", "dimension": "Host"},
        }
    )
    controller = AwsEc2Controller(config, _shipped_gpus, on_client=capture)
    controller.utilisation(controller.inventory(), NOW - timedelta(minutes=30), NOW)

    (request,) = asked
    assert request["ScanBy"] == "TimestampAscending"
    assert request["StartTime"] == NOW - timedelta(minutes=30) and request["EndTime"] == NOW
    stats = sorted(
        (
            q["MetricStat"]["Metric"]["Dimensions"][0]["Value"],
            q["MetricStat"]["Metric"]["Namespace"],
            q["MetricStat"]["Metric"]["MetricName"],
            q["MetricStat"]["Metric"]["Dimensions"][0]["Name"],
            q["MetricStat"]["Stat"],
            q["MetricStat"]["Period"],
        )
        for q in request["MetricDataQueries"]
    )
    assert stats == sorted(
        [
            (gpu, "AWS/EC2", "CPUUtilization", "InstanceId", "Maximum", 60),
            (gpu, "Custom/GPU", "gpu_util", "Host", "Maximum", 60),
            (gpu, "AWS/EC2", "NetworkIn", "InstanceId", "Sum", 60),
            (gpu, "AWS/EC2", "NetworkOut", "InstanceId", "Sum", 60),
            (cpu, "AWS/EC2", "CPUUtilization", "InstanceId", "Maximum", 60),
            (cpu, "AWS/EC2", "NetworkIn", "InstanceId", "Sum", 60),
            (cpu, "AWS/EC2", "NetworkOut", "InstanceId", "Sum", 60),
        ]
    )
    assert all(
        len(q["MetricStat"]["Metric"]["Dimensions"]) == 1 for q in request["MetricDataQueries"]
    )
    assert len({q["Id"] for q in request["MetricDataQueries"]}) == 7


def _shipped_gpus(instance_type: str) -> int:
    from bot.cloud.aws_ec2.prices import Ec2PriceTable

    return Ec2PriceTable().gpus(instance_type)
