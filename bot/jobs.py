"""The job table: what runs on a schedule, one JobSpec per job, with explicit ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from bot.scheduler import JobSpec
from bot.sources.registry import SourceConfig

# run_source(name, slot): take one snapshot of the named source for that slot (ISO 8601 UTC).
RunSource = Callable[[str, str], object]


def snapshot_job_id(source_name: str) -> str:
    return f"snapshot:{source_name}"


def snapshot_jobs(sources: Sequence[SourceConfig], run_source: RunSource) -> list[JobSpec]:
    """A `snapshot:<name>` job for each configured source, on the source's schedule."""
    return [
        JobSpec(
            snapshot_job_id(source.name),
            source.schedule.schedule(),
            partial(run_source, source.name),
        )
        for source in sources
    ]


ALERTS_JOB = "alerts:evaluate"


def alert_jobs(every: str, evaluate: Callable[[str], object]) -> list[JobSpec]:
    """The `alerts:evaluate` job on `alerts.every` (besides the evaluation after a snapshot)."""
    from bot.domain.schedules import Schedule, parse_every

    return [JobSpec(ALERTS_JOB, Schedule(every=parse_every(every)), evaluate)]
