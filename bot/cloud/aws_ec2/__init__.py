"""The `aws_ec2` controller type: EC2 instances in the configured regions, CloudWatch
utilisation, StopInstances and StartInstances."""

from __future__ import annotations

from bot.cloud.aws_ec2.config import AwsEc2ControllerConfig, GpuMetric
from bot.cloud.aws_ec2.controller import AwsEc2Controller
from bot.cloud.aws_ec2.prices import Ec2PriceTable
from bot.cloud.registry import ControllerConfig, ControllerContext, ControllerType

# The README's policy (docs/iam-idle-policy.json) grants the same; stop and start only on
# instances tagged costbot:managed=true.
PERMISSIONS = (
    "ec2:DescribeInstances",
    "cloudwatch:GetMetricData",
    "ec2:StopInstances (aws:ResourceTag/costbot:managed = true)",
    "ec2:StartInstances (aws:ResourceTag/costbot:managed = true)",
)


def build_aws_ec2_controller(
    config: ControllerConfig, context: ControllerContext
) -> AwsEc2Controller:
    if not isinstance(config, AwsEc2ControllerConfig):
        raise TypeError(f"aws_ec2 needs an AwsEc2ControllerConfig, not {type(config).__name__}")
    return AwsEc2Controller(config, Ec2PriceTable(context.price_file).gpus)


CONTROLLER_TYPE = ControllerType(
    name="aws_ec2",
    config=AwsEc2ControllerConfig,
    build=build_aws_ec2_controller,
    description=(
        "EC2 instances of the configured regions (DescribeInstances), CPU, GPU and network "
        "utilisation from CloudWatch GetMetricData; stop with StopInstances, undo with "
        "StartInstances"
    ),
    permissions=PERMISSIONS,
)

__all__ = ["CONTROLLER_TYPE", "AwsEc2Controller", "AwsEc2ControllerConfig", "GpuMetric"]
