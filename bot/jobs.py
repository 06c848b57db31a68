"""The job table: what runs on a schedule, one JobSpec per job, with explicit ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from bot.domain.schedules import Schedule
from bot.scheduler import JobSpec
from bot.settings_alerts import DigestConfig
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


# run_digest(digest, slot): send the digest due at that slot (ISO 8601 UTC).
RunDigest = Callable[[DigestConfig, str], object]


def digest_job_id(digest: DigestConfig) -> str:
    return f"digest:{digest.channel}:{digest.every}"


def digest_schedule(digest: DigestConfig) -> Schedule:
    """Daily at its time (UTC), or weekly at its time on Mondays."""
    days = "mon" if digest.every == "weekly" else "*"
    return Schedule(cron=f"{digest.minute} {digest.hour} * * {days}")


def digest_jobs(digests: Sequence[DigestConfig], run_digest: RunDigest) -> list[JobSpec]:
    """A `digest:<channel>:<every>` job for each configured digest, at its time."""
    return [
        JobSpec(digest_job_id(digest), digest_schedule(digest), partial(run_digest, digest))
        for digest in digests
    ]


ALERTS_JOB = "alerts:evaluate"


def alert_jobs(every: str, evaluate: Callable[[str], object]) -> list[JobSpec]:
    """The `alerts:evaluate` job on `alerts.every` (besides the evaluation after a snapshot)."""
    from bot.domain.schedules import Schedule, parse_every

    return [JobSpec(ALERTS_JOB, Schedule(every=parse_every(every)), evaluate)]


IDLE_JOB = "idle:scan"


def idle_jobs(every: str, scan: Callable[[str], object]) -> list[JobSpec]:
    """The `idle:scan` job on `idle.every`: find idle machines, propose each new one."""
    from bot.domain.schedules import Schedule, parse_every

    return [JobSpec(IDLE_JOB, Schedule(every=parse_every(every)), scan)]
