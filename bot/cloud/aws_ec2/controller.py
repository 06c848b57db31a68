"""The `aws_ec2` controller: instances from DescribeInstances, utilisation from CloudWatch,
stop and start with StopInstances and StartInstances, in each configured region.

Clients are made the standard way (boto3's default credential chain; AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_EC2 / _CLOUDWATCH point them elsewhere), once per region and service.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bot.cloud.aws_ec2.config import AwsEc2ControllerConfig
from bot.cloud.aws_ec2.errors import cloud_error
from bot.cloud.aws_ec2.metrics import MAX_PAGES, Readings, batches, metric_queries
from bot.domain.idle.policy import Utilisation
from bot.services.idle_ports import ActionResult, CloudActionError, CloudErrorKind, CloudInstance

_CONNECT_SECONDS = 10
_READ_SECONDS = 60
# Whatever the instance is in, except gone: a terminated instance lingers in answers for an hour.
_LISTED_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")


class AwsEc2Controller:
    kind = "aws_ec2"

    def __init__(
        self,
        config: AwsEc2ControllerConfig,
        gpus_of: Callable[[str], int],
        *,
        attempts: int = 3,
        on_client: Callable[[str, Any], None] | None = None,
    ) -> None:
        self.name = config.controller_name
        self._config = config
        self._gpus_of = gpus_of
        # Told of each boto3 client made (service, client): to count billed calls, or in tests.
        self._on_client = on_client
        # boto3's standard retry mode waits out throttling and 5xx answers with backoff; a
        # stop or start is safe to repeat (EC2 answers with the state it is in).
        self._client_config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=_CONNECT_SECONDS,
            read_timeout=_READ_SECONDS,
        )
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        # Where each instance was last seen, so describe, stop and start ask one region.
        self._regions: dict[str, str] = {}

    def inventory(self) -> list[CloudInstance]:
        instances = [
            instance for region in self._config.regions for instance in self._listed(region)
        ]
        with self._lock:
            self._regions.update({i.instance_id: i.region for i in instances if i.region})
        return instances

    def utilisation(
        self, instances: Sequence[CloudInstance], start: datetime, end: datetime
    ) -> dict[str, Utilisation]:
        by_region: dict[str, list[CloudInstance]] = defaultdict(list)
        for instance in instances:
            by_region[self._region_of(instance.instance_id, instance.region)].append(instance)
        period = self._config.period_seconds
        found: dict[str, Utilisation] = {}
        for region, members in by_region.items():
            queries = metric_queries(members, self._config.gpu_metric, network=self._config.network)
            readings = Readings(queries)
            for batch in batches(queries):
                for page in self._metric_pages(region, batch, start, end):
                    readings.add_page(page)
            found.update(readings.utilisation([i.instance_id for i in members], period))
        return found

    def describe(self, instance_id: str) -> CloudInstance | None:
        remembered = self._remembered(instance_id)
        regions = [remembered] if remembered else self._config.regions
        for region in regions:
            found = self._described(region, instance_id)
            if found is not None:
                with self._lock:
                    self._regions[instance_id] = region
                return None if found.state == "terminated" else found
        return None

    def stop(self, instance: CloudInstance) -> ActionResult:
        ids = [instance.instance_id]
        answer = self._call(
            self._located(instance),
            "ec2",
            "StopInstances",
            lambda c: c.stop_instances(InstanceIds=ids),
        )
        return ActionResult(_changed_state(answer.get("StoppingInstances"), "stopping"))

    def start(self, instance: CloudInstance, undo: Mapping[str, Any]) -> ActionResult:
        ids = [instance.instance_id]
        answer = self._call(
            self._located(instance),
            "ec2",
            "StartInstances",
            lambda c: c.start_instances(InstanceIds=ids),
        )
        return ActionResult(_changed_state(answer.get("StartingInstances"), "pending"))

    def _listed(self, region: str) -> Iterator[CloudInstance]:
        def pages(client: Any) -> list[dict[str, Any]]:
            paginator = client.get_paginator("describe_instances")
            filters = [{"Name": "instance-state-name", "Values": list(_LISTED_STATES)}]
            return list(paginator.paginate(Filters=filters))

        for page in self._call(region, "ec2", "DescribeInstances", pages):
            for instance in _instances(page):
                if _state(instance) != "terminated":
                    yield self._instance(instance, region)

    def _described(self, region: str, instance_id: str) -> CloudInstance | None:
        try:
            page = self._call(
                region,
                "ec2",
                "DescribeInstances",
                lambda c: c.describe_instances(InstanceIds=[instance_id]),
            )
        except CloudActionError as exc:
            if exc.kind is CloudErrorKind.NOT_FOUND:
                return None
            raise
        for instance in _instances(page):
            if instance.get("InstanceId") == instance_id:
                return self._instance(instance, region)
        return None

    def _metric_pages(
        self, region: str, batch: Sequence[Any], start: datetime, end: datetime
    ) -> Iterator[dict[str, Any]]:
        period = self._config.period_seconds
        # CloudWatch's EndTime is exclusive; its newest datapoints are minutes old anyway.
        request: dict[str, Any] = {
            "MetricDataQueries": [query.request(period) for query in batch],
            "StartTime": start.astimezone(UTC),
            "EndTime": end.astimezone(UTC),
            "ScanBy": "TimestampAscending",
        }
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self._call(
                region, "cloudwatch", "GetMetricData", lambda c: c.get_metric_data(**request)
            )
            yield page
            token = page.get("NextToken")
            if not token:
                return
            if token in seen:
                raise CloudActionError(
                    CloudErrorKind.OTHER,
                    f"cloudwatch:GetMetricData in {region} returned the same NextToken twice; "
                    "stopped reading. Try the scan again.",
                )
            seen.add(token)
            request["NextToken"] = token
        raise CloudActionError(
            CloudErrorKind.OTHER,
            f"cloudwatch:GetMetricData in {region} needed more than {MAX_PAGES} pages; stopped "
            "so as not to bill without end. Shorten idle.policy.minutes or use fewer instances.",
        )

    def _instance(self, raw: Mapping[str, Any], region: str) -> CloudInstance:
        tags = {str(t.get("Key")): str(t.get("Value", "")) for t in raw.get("Tags") or []}
        instance_id = str(raw["InstanceId"])
        instance_type = str(raw.get("InstanceType") or "")
        launched = raw.get("LaunchTime")
        return CloudInstance(
            instance_id=instance_id,
            name=tags.get("Name") or instance_id,
            type=instance_type,
            state=_state(raw),
            tags=tags,
            gpus=self._gpus_of(instance_type),
            region=region,
            launched_at=launched.astimezone(UTC) if isinstance(launched, datetime) else None,
        )

    def _call(self, region: str, service: str, operation: str, call: Callable[[Any], Any]) -> Any:
        try:
            return call(self._client(region, service))
        except (ClientError, BotoCoreError) as exc:
            raise cloud_error(exc, f"{service}:{operation}", region) from exc

    def _client(self, region: str, service: str) -> Any:
        with self._lock:
            client = self._clients.get((region, service))
            if client is None:
                client = boto3.session.Session().client(
                    service, region_name=region, config=self._client_config
                )
                self._clients[(region, service)] = client
                if self._on_client is not None:
                    self._on_client(service, client)
            return client

    def _remembered(self, instance_id: str) -> str | None:
        with self._lock:
            return self._regions.get(instance_id)

    def _region_of(self, instance_id: str, region: str | None) -> str:
        return region or self._remembered(instance_id) or self._config.regions[0]

    def _located(self, instance: CloudInstance) -> str:
        """The instance's region: as given, as last seen, or found by asking each region."""
        region = instance.region or self._remembered(instance.instance_id)
        if region is None:
            found = self.describe(instance.instance_id)
            if found is None or found.region is None:
                regions = ", ".join(self._config.regions)
                raise CloudActionError(
                    CloudErrorKind.NOT_FOUND,
                    f"{instance.instance_id} is in none of the regions {regions}: it no longer "
                    "exists; there is nothing to do.",
                )
            region = found.region
        return region


def _instances(page: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for reservation in page.get("Reservations") or []:
        yield from reservation.get("Instances") or []


def _state(raw: Mapping[str, Any]) -> str:
    return str((raw.get("State") or {}).get("Name") or "unknown").lower()


def _changed_state(changes: Any, expected: str) -> str:
    """The instance's state after a stop or start, as EC2 said it."""
    for change in changes or []:
        name = (change.get("CurrentState") or {}).get("Name")
        if name:
            return str(name).lower()
    return expected
