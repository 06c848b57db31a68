"""What the aws_ec2 controller makes of AWS's refusals, read from real HTTP answers (status and
EC2's XML error document) of a local server: moto never throttles or denies."""

from __future__ import annotations

import pytest

from bot.cloud.aws_ec2 import AwsEc2Controller
from bot.cloud.aws_ec2.config import AwsEc2ControllerConfig
from bot.services.idle_ports import CloudActionError, CloudErrorKind, CloudInstance

CONFIG = AwsEc2ControllerConfig(type="aws_ec2", regions=["us-east-1"])
INSTANCE = CloudInstance(
    "i-0abc1234def567890", "trainer", "g5.xlarge", "running", region="us-east-1"
)


def _controller(attempts: int = 1) -> AwsEc2Controller:
    return AwsEc2Controller(CONFIG, lambda _: 0, attempts=attempts)


@pytest.mark.parametrize(
    ("status", "code", "kind", "advice"),
    [
        (503, "RequestLimitExceeded", CloudErrorKind.THROTTLED, "try again in a minute"),
        (400, "Throttling", CloudErrorKind.THROTTLED, "try again in a minute"),
        (403, "UnauthorizedOperation", CloudErrorKind.ACCESS_DENIED, "grant ec2:StopInstances"),
        (403, "AccessDenied", CloudErrorKind.ACCESS_DENIED, "costbot:managed=true"),
        (400, "InvalidInstanceID.NotFound", CloudErrorKind.NOT_FOUND, "no longer exists"),
        (400, "IncorrectInstanceState", CloudErrorKind.INVALID_STATE, "not in a state"),
        (500, "InternalError", CloudErrorKind.OTHER, "EC2 console"),
    ],
)
def test_a_refused_stop_is_told_by_kind_with_what_to_do(aws_errors, status, code, kind, advice):
    aws_errors.answer(status, code, f"said by AWS about {code}")

    with pytest.raises(CloudActionError) as raised:
        _controller().stop(INSTANCE)

    assert raised.value.kind is kind
    assert code in raised.value.message and f"said by AWS about {code}" in raised.value.message
    assert "ec2:StopInstances in us-east-1" in raised.value.message
    assert advice in raised.value.message
    assert aws_errors.actions == ["StopInstances"]


def test_start_and_inventory_are_told_the_same_way(aws_errors):
    aws_errors.answer(403, "UnauthorizedOperation", "You are not authorized.")

    with pytest.raises(CloudActionError) as started:
        _controller().start(INSTANCE, {})
    with pytest.raises(CloudActionError) as listed:
        _controller().inventory()

    assert started.value.kind is listed.value.kind is CloudErrorKind.ACCESS_DENIED
    assert "ec2:StartInstances" in started.value.message
    assert "ec2:DescribeInstances" in listed.value.message
    assert aws_errors.actions == ["StartInstances", "DescribeInstances"]


def test_throttling_is_retried_before_it_is_told(aws_errors):
    aws_errors.answer(503, "RequestLimitExceeded", "Request limit exceeded.")

    with pytest.raises(CloudActionError) as raised:
        _controller(attempts=2).stop(INSTANCE)

    assert raised.value.kind is CloudErrorKind.THROTTLED
    assert aws_errors.actions == ["StopInstances", "StopInstances"]


def test_a_check_before_stopping_that_is_throttled_is_an_error_not_gone(aws_errors):
    """Only "not found" means gone: a throttled describe must not read as a vanished machine."""
    aws_errors.answer(503, "RequestLimitExceeded", "Request limit exceeded.")

    with pytest.raises(CloudActionError) as raised:
        _controller().describe(INSTANCE.instance_id)
    assert raised.value.kind is CloudErrorKind.THROTTLED

    aws_errors.answer(400, "InvalidInstanceID.NotFound", "The instance ID does not exist")
    assert _controller().describe(INSTANCE.instance_id) is None
