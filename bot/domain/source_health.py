"""How a source's runs add up to its health, and when the ops channel hears of it.

One message when a source has failed `alert_after` runs in a row, one when it recovers:
never one per failure (the noise users of other tools complain of most).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class SourceHealth:
    source: str
    type: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    rows_rejected: int = 0
    api_calls: int = 0  # paid calls in `calls_month`
    calls_month: str | None = None
    # The first failure of the streak the ops channel was told of; None when not told.
    alerted_since: datetime | None = None
    failing_since: datetime | None = None


@dataclass(frozen=True)
class RunOutcome:
    """What one run of a source did."""

    at: datetime
    ok: bool
    error: str | None = None
    rows_rejected: int | None = None  # None: nothing read (unchanged), the last count stands
    calls: int = 0


@dataclass(frozen=True)
class HealthEvent:
    """Something the ops channel should hear once: a source failing, or back."""

    kind: str  # "failing" or "recovered"
    source: str
    type: str
    since: datetime  # the streak's first failure
    at: datetime
    failures: int
    error: str | None

    @property
    def key(self) -> str:
        """The same event gets the same key, so it is written (and posted) once."""
        return f"source-{self.kind}:{self.source}:{self.since.isoformat()}"


def after_run(
    previous: SourceHealth, outcome: RunOutcome, *, alert_after: int
) -> tuple[SourceHealth, HealthEvent | None]:
    """The health after a run, and the one event to tell of, if any."""
    month = outcome.at.strftime("%Y-%m")
    calls = outcome.calls + (previous.api_calls if previous.calls_month == month else 0)
    health = replace(previous, last_attempt=outcome.at, api_calls=calls, calls_month=month)
    if outcome.ok:
        event = None
        if previous.alerted_since is not None:
            event = _event("recovered", previous, previous.alerted_since, outcome, None)
        health = replace(
            health,
            last_success=outcome.at,
            last_error=None,
            consecutive_failures=0,
            rows_rejected=(
                previous.rows_rejected if outcome.rows_rejected is None else outcome.rows_rejected
            ),
            alerted_since=None,
            failing_since=None,
        )
        return health, event
    failures = previous.consecutive_failures + 1
    since = previous.failing_since or outcome.at
    health = replace(
        health,
        last_error=outcome.error,
        consecutive_failures=failures,
        failing_since=since,
    )
    if failures >= alert_after and previous.alerted_since is None:
        health = replace(health, alerted_since=since)
        return health, _event("failing", health, since, outcome, outcome.error)
    return health, None


def _event(
    kind: str, health: SourceHealth, since: datetime, outcome: RunOutcome, error: str | None
) -> HealthEvent:
    failures = health.consecutive_failures
    return HealthEvent(kind, health.source, health.type, since, outcome.at, failures, error)
