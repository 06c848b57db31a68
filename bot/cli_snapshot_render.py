"""Plain-text output of `costbot snapshot` and `costbot status`."""

from __future__ import annotations

from datetime import datetime

from bot.cli_render import money
from bot.domain.source_status import SourceStatus
from bot.services.snapshots import SourceRunResult


def render_snapshot_results(results: list[SourceRunResult]) -> str:
    if not results:
        return "no sources are configured: add sources: to the config file (costbot.example.yml)"
    return "\n".join(_snapshot_line(result) for result in results)


def _snapshot_line(result: SourceRunResult) -> str:
    head = f"{result.name} ({result.type}): {result.status}"
    if result.status == "failed":
        return f"{head} after {result.seconds:.1f} s\n  error: {result.error}"
    inputs = f"{result.api_calls} calls" if result.api_calls else f"{result.files} files"
    parts = [
        inputs,
        f"{result.rows_read:,} rows",
        f"{result.days_replaced} days replaced",
    ]
    if result.units_unchanged:
        parts.append(f"{result.units_unchanged} unchanged")
    if result.rows_rejected:
        parts.append(f"{result.rows_rejected:,} rows rejected")
    totals = ", ".join(money(amount, currency) for currency, amount in result.totals.items())
    if totals:
        parts.append(f"total {totals}")
    parts.append(f"{result.seconds:.1f} s")
    return f"{head}: {', '.join(parts)}"


def render_source_statuses(statuses: list[SourceStatus]) -> str:
    if not statuses:
        return "no sources: add sources: to the config file, or load files with costbot ingest"
    return "\n".join(_status_lines(status) for status in statuses)


def _status_lines(status: SourceStatus) -> str:
    state = f"FAILING ({status.consecutive_failures} in a row)" if status.failing else "ok"
    if status.last_attempt is None:
        state = "not run yet"
    through = status.data_through.isoformat() if status.data_through else "no usage data"
    days = "day" if status.lag_days == 1 else "days"
    lag = f", {status.lag_days} {days} behind" if status.lag_days else ""
    lines = [f"{status.name} ({status.type}): {state}; data through {through}{lag}"]
    lines.append(
        f"  last success {_when(status.last_success)}, last attempt {_when(status.last_attempt)}"
    )
    if status.schedule:
        lines.append(f"  schedule {status.schedule}, next run {_when(status.next_run)}")
    if status.api_calls:
        lines.append(f"  {status.api_calls} paid API calls this month")
    if status.rows_rejected:
        lines.append(f"  {status.rows_rejected:,} rows rejected by the last read")
    if status.last_error:
        lines.append(f"  last error: {status.last_error}")
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"
