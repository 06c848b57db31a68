"""The keys of an `aws_ec2` controller. No credentials: boto3's default chain has them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.cloud.registry import ControllerConfig

# us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1, cn-north-1 ...
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
# CloudWatch's names: namespaces and metric names are at most 255 characters.
_NAME = 255


class GpuMetric(BaseModel):
    """Where the GPU utilisation (percent) of an instance is published. The CloudWatch agent's
    default is CWAgent nvidia_smi_utilization_gpu; aggregated by InstanceId alone (the agent's
    `aggregation_dimensions: [["InstanceId"]]`), its Maximum is the busiest GPU's."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(default="CWAgent", min_length=1, max_length=_NAME)
    name: str = Field(default="nvidia_smi_utilization_gpu", min_length=1, max_length=_NAME)
    dimension: str = Field(default="InstanceId", min_length=1, max_length=_NAME)


class AwsEc2ControllerConfig(ControllerConfig):
    type: Literal["aws_ec2"]
    regions: list[str] = Field(min_length=1)
    gpu_metric: GpuMetric = Field(default_factory=GpuMetric)
    # NetworkIn + NetworkOut per period, a secondary signal shown with the verdict.
    network: bool = True
    # 300 for CloudWatch's basic monitoring, 60 for instances with detailed monitoring.
    period_seconds: int = Field(default=300, ge=60, le=3600, multiple_of=60)

    @field_validator("regions")
    @classmethod
    def _regions(cls, regions: list[str]) -> list[str]:
        for region in regions:
            if not _REGION.match(region):
                raise ValueError(f"{region!r} is not an AWS region; write e.g. us-east-1")
        if len(set(regions)) != len(regions):
            raise ValueError("regions lists a region twice; list each once")
        return regions
