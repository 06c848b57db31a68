"""The keys of an aws_ec2 controller, as `idle.controllers` entries."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.cloud.aws_ec2 import CONTROLLER_TYPE
from bot.cloud.aws_ec2.config import AwsEc2ControllerConfig
from bot.settings_idle import IdleConfig


def test_defaults_are_the_cloudwatch_agent_gpu_metric_network_and_basic_monitoring():
    (config,) = IdleConfig.model_validate(
        {"controllers": [{"type": "aws_ec2", "regions": ["us-east-1", "eu-west-1"]}]}
    ).controllers

    assert isinstance(config, AwsEc2ControllerConfig)
    assert config.regions == ["us-east-1", "eu-west-1"]
    assert (config.gpu_metric.namespace, config.gpu_metric.name, config.gpu_metric.dimension) == (
        "CWAgent",
        "nvidia_smi_utilization_gpu",
        "InstanceId",
    )
    assert config.network is True and config.period_seconds == 300
    assert config.controller_name == "aws_ec2"


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ({"regions": []}, "at least 1"),
        ({"regions": ["US East"]}, "is not an AWS region; write e.g. us-east-1"),
        ({"regions": ["us-east-1", "us-east-1"]}, "lists a region twice"),
        ({"regions": ["us-east-1"], "period_seconds": 90}, "multiple of 60"),
        ({"regions": ["us-east-1"], "region": "us-east-1"}, "Extra inputs"),
        ({"regions": ["us-east-1"], "gpu_metric": {"metric": "x"}}, "Extra inputs"),
        ({}, "regions"),
    ],
)
def test_bad_keys_are_refused_with_a_message(keys, said):
    with pytest.raises(ValidationError, match=said):
        AwsEc2ControllerConfig.model_validate({"type": "aws_ec2", **keys})


def test_two_ec2_controllers_need_names_and_regions_of_other_partitions_pass():
    with pytest.raises(ValidationError, match="appears twice"):
        IdleConfig.model_validate(
            {"controllers": [{"type": "aws_ec2", "regions": ["us-east-1"]}] * 2}
        )
    config = IdleConfig.model_validate(
        {
            "controllers": [
                {"type": "aws_ec2", "regions": ["us-gov-west-1"], "name": "gov"},
                {"type": "aws_ec2", "regions": ["cn-north-1", "eu-central-2"], "name": "other"},
            ]
        }
    )
    assert [c.controller_name for c in config.controllers] == ["gov", "other"]


def test_the_type_declares_the_iam_actions_of_the_policy_document():
    import json
    from pathlib import Path

    policy = json.loads((Path(__file__).parents[2] / "docs" / "iam-idle-policy.json").read_text())
    granted = {
        action for statement in policy["Statement"] for action in _listed(statement["Action"])
    }
    declared = {permission.split(" ")[0] for permission in CONTROLLER_TYPE.permissions}
    assert declared == granted
    conditioned = [s for s in policy["Statement"] if "ec2:StopInstances" in _listed(s["Action"])]
    assert conditioned[0]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/costbot:managed": "true"}
    }


def _listed(action: str | list[str]) -> list[str]:
    return [action] if isinstance(action, str) else action
