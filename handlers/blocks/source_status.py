"""`/cost status`: each source's freshness and health, told plainly."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block

from bot.domain.source_status import MANUAL_TYPE, SourcesReport, SourceStatus
from handlers.blocks.elements import _cap_blocks, _context, _header, _section
from handlers.formatting import escape_mrkdwn, escape_truncate

SOURCES_SHOWN = 40
NAME_CHARS = 80
ERROR_CHARS = 300


def build_source_status_blocks(report: SourcesReport) -> list[Block]:
    """One section per source: state, data through and lag, last success, next run, error."""
    statuses = report.sources
    blocks: list[Block] = [_header("Billing data status")]
    if not statuses:
        blocks.append(
            _section(
                "No billing data has been loaded yet. Add `sources:` to the config file, "
                "or run `costbot ingest PATH` to load FOCUS files."
            )
        )
    blocks.extend(_section(_source_text(status)) for status in statuses[:SOURCES_SHOWN])
    if len(statuses) > SOURCES_SHOWN:
        blocks.append(_context([f"{len(statuses) - SOURCES_SHOWN} more: `costbot status`"]))
    through = report.data_through
    overall = f"data through {through}" if through else "no usage data yet"
    blocks.append(
        _context([f"{overall} · checked {report.checked_at:%Y-%m-%d %H:%M} UTC · all times UTC"])
    )
    return _cap_blocks(blocks)


def source_status_text(report: SourcesReport) -> str:
    failing = [s.name for s in report.sources if s.failing]
    through = f"data through {report.data_through}" if report.data_through else "no usage data"
    text = f"Billing data status: {len(report.sources)} source(s), {through}"
    if failing:
        text += f"; failing: {', '.join(failing[:10])}"
    return text


def _source_text(status: SourceStatus) -> str:
    name = escape_truncate(status.name, NAME_CHARS)
    kind = "loaded with `costbot ingest`" if status.type == MANUAL_TYPE else status.type
    if status.failing:
        icon = ":warning:"
        state = f"*failing*: {status.consecutive_failures} run(s) in a row"
    elif status.last_attempt is None:
        icon, state = ":hourglass_flowing_sand:", "not run yet"
    else:
        icon, state = ":white_check_mark:", "ok"
    lines = [f"{icon} *{name}* ({kind}): {state}", _freshness_line(status)]
    details = [f"last success {_when(status.last_success)}"]
    if status.next_run is not None:
        details.append(f"next run {_when(status.next_run)} ({status.schedule})")
    if status.api_calls:
        details.append(f"{status.api_calls} paid API calls this month")
    if status.rows_rejected:
        details.append(f"{status.rows_rejected:,} rows rejected")
    lines.append(" · ".join(details))
    if status.last_error:
        error = escape_mrkdwn(status.last_error[:ERROR_CHARS])
        lines.append(f"last error: {error}")
    return "\n".join(lines)


def _freshness_line(status: SourceStatus) -> str:
    if status.data_through is None:
        return "no usage data stored yet"
    if not status.lag_days:
        return f"data through {status.data_through} (today)"
    days = "day" if status.lag_days == 1 else "days"
    return f"data through {status.data_through}, {status.lag_days} {days} behind"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "never"
