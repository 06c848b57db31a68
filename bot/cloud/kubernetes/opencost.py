"""The two reads of OpenCost's allocation API the controller makes, by pod."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cloud.kubernetes.allocations import PodUsage, pod_usage
from bot.cloud.kubernetes.config import KubernetesControllerConfig
from bot.services.idle_ports import CloudActionError, CloudErrorKind
from bot.services.snapshot_ports import CallCounter, SourceError
from bot.sources.opencost.client import allocation_url, fetch_json
from bot.sources.opencost.response import read_steps


class OpenCostPods:
    def __init__(self, config: KubernetesControllerConfig) -> None:
        self._config = config
        self.calls = CallCounter()

    def accumulated(self, start: datetime, end: datetime) -> list[PodUsage]:
        """Each pod of [start, end] once, its usage and cost over the whole window."""
        steps = self._read({"window": _window(start, end), "accumulate": "true"})
        return [pod for step in steps for pod in step]

    def stepped(self, start: datetime, end: datetime) -> list[list[PodUsage]]:
        """The pods of each `period_seconds` step of [start, end]."""
        return self._read(
            {
                "window": _window(start, end),
                "step": f"{self._config.period_seconds // 60}m",
                "accumulate": "false",
            }
        )

    def _read(self, params: dict[str, str]) -> list[list[PodUsage]]:
        url = allocation_url(
            self._config.opencost_url, {**params, "aggregate": "pod", "includeIdle": "false"}
        )
        try:
            payload = fetch_json(url, timeout=self._config.timeout_seconds, calls=self.calls)
            steps = read_steps(payload, url)
        except SourceError as exc:
            raise CloudActionError(
                CloudErrorKind.OTHER,
                f"controller {self._config.controller_name!r}: {exc} "
                "(`opencost_url` of the kubernetes controller)",
            ) from exc
        return [[usage for a in allocations if (usage := pod_usage(a))] for allocations in steps]


def _window(start: datetime, end: datetime) -> str:
    return f"{_rfc3339(start)},{_rfc3339(end)}"


def _rfc3339(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"
