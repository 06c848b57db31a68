"""What proves a machine idle: every datapoint of the window under the limits, and no gaps.

Utilisation arrives as datapoints (one per metric period, e.g. 5 minutes for CloudWatch's basic
monitoring). A machine is idle only when:

- its CPU (and, when it has GPUs, its GPU) stayed under the policy's limit at *every* datapoint
  of the last `minutes`, and
- those datapoints *cover* the window: the first lies within two periods of its start, the last
  within two periods of its end, and no two lie further apart than two periods.

Anything less (no metric, a sparse metric, a GPU machine without GPU metrics) is "not idle":
a stop must be proven safe, never presumed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise


@dataclass(frozen=True)
class Datapoint:
    at: datetime  # UTC, the start of the datapoint's period
    value: Decimal  # percent for CPU and GPU; bytes for network


@dataclass(frozen=True)
class Utilisation:
    """What a controller measured of one machine over a window."""

    period_seconds: int  # how far apart datapoints are meant to be
    cpu: Sequence[Datapoint] = ()
    gpu: Sequence[Datapoint] = ()  # the highest of the machine's GPUs at each datapoint
    network: Sequence[Datapoint] = ()  # bytes in + out per period: a secondary signal only


@dataclass(frozen=True)
class IdlePolicy:
    cpu_below_percent: Decimal = Decimal(5)
    gpu_below_percent: Decimal = Decimal(5)
    minutes: int = 30


@dataclass(frozen=True)
class IdleVerdict:
    idle: bool
    reason: str  # why (not) idle, in words a person reads
    idle_minutes: int = 0  # how long the window proved it idle
    cpu_max: Decimal | None = None
    gpu_max: Decimal | None = None
    network_max: Decimal | None = None
    since: datetime | None = None  # the start of the proven window


def judge_idle(
    utilisation: Utilisation,
    policy: IdlePolicy,
    now: datetime,
    *,
    has_gpus: bool,
) -> IdleVerdict:
    """Is the machine idle over the policy's window ending `now`? (See the module.)"""
    start = now - timedelta(minutes=policy.minutes)
    cpu = _within(utilisation.cpu, start, now)
    gpu = _within(utilisation.gpu, start, now)
    network = _within(utilisation.network, start, now)
    cpu_max = max((p.value for p in cpu), default=None)
    gpu_max = max((p.value for p in gpu), default=None)
    network_max = max((p.value for p in network), default=None)
    measured = {"cpu_max": cpu_max, "gpu_max": gpu_max, "network_max": network_max}
    gap = timedelta(seconds=2 * utilisation.period_seconds)

    if problem := _coverage_problem("CPU", cpu, start, now, gap):
        return IdleVerdict(False, problem, **measured)
    if has_gpus and (problem := _coverage_problem("GPU", gpu, start, now, gap)):
        return IdleVerdict(False, problem, **measured)
    if cpu_max is not None and cpu_max >= policy.cpu_below_percent:
        return IdleVerdict(
            False,
            f"CPU reached {cpu_max:.1f}% (the limit is {policy.cpu_below_percent}%)",
            **measured,
        )
    if has_gpus and gpu_max is not None and gpu_max >= policy.gpu_below_percent:
        return IdleVerdict(
            False,
            f"GPU reached {gpu_max:.1f}% (the limit is {policy.gpu_below_percent}%)",
            **measured,
        )
    parts = [f"CPU at most {cpu_max:.1f}%"]
    if has_gpus:
        parts.append(f"GPU at most {gpu_max:.1f}%")
    reason = f"{' and '.join(parts)} at every datapoint of the last {policy.minutes} minutes"
    return IdleVerdict(True, reason, policy.minutes, since=start, **measured)


def _within(points: Sequence[Datapoint], start: datetime, end: datetime) -> list[Datapoint]:
    return sorted((p for p in points if start <= p.at <= end), key=lambda p: p.at)


def _coverage_problem(
    name: str, points: list[Datapoint], start: datetime, end: datetime, gap: timedelta
) -> str | None:
    """Why the datapoints do not cover [start, end] (None when they do)."""
    if not points:
        return f"no {name} datapoints in the window, so it is not known to be idle"
    edges = [start, *(p.at for p in points), end]
    widest = max(b - a for a, b in pairwise(edges))
    if widest > gap:
        minutes = int(widest.total_seconds() // 60)
        return f"{name} datapoints have a {minutes}-minute gap, so it is not known to be idle"
    return None


def matching_exclusion(tags: Mapping[str, str], exclude: Sequence[str]) -> str | None:
    """The first exclusion the tags match: `key=value` needs that value (case-insensitive),
    a bare `key` needs the tag present. None when none matches."""
    folded = {key.lower(): str(value).lower() for key, value in tags.items()}
    for rule in exclude:
        key, sep, value = rule.partition("=")
        key = key.strip().lower()
        if key not in folded:
            continue
        if not sep or folded[key] == value.strip().lower():
            return rule
    return None
