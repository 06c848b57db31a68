"""`/cost status` blocks: each source's state, lag, next run and error, within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.domain.source_status import SourcesReport, SourceStatus
from handlers.blocks import to_payload
from handlers.blocks.source_status import build_source_status_blocks, source_status_text

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
THROUGH = date(2026, 11, 30)


def _report(statuses) -> SourcesReport:
    return SourcesReport(tuple(statuses), THROUGH, NOW)


def _status(name: str, **changes) -> SourceStatus:
    values = dict(
        name=name,
        type="aws_cost_explorer",
        last_success=NOW,
        last_attempt=NOW,
        last_error=None,
        consecutive_failures=0,
        data_through=date(2026, 11, 30),
        lag_days=2,
        rows_rejected=0,
        next_run=datetime(2026, 12, 2, 12, tzinfo=UTC),
        api_calls=3,
        schedule="every 6h",
    )
    values.update(changes)
    return SourceStatus(**values)


def _text(blocks) -> str:
    return json.dumps(to_payload(blocks))


def test_each_source_says_its_state_lag_next_run_and_paid_calls():
    statuses = [
        _status("aws-ce"),
        _status("k8s", type="opencost", consecutive_failures=3, last_error="connection refused"),
        _status("new", last_attempt=None, last_success=None, data_through=None, lag_days=None),
        _status("by-hand", type="ingest", next_run=None, schedule=None, api_calls=0),
    ]
    text = _text(build_source_status_blocks(_report(statuses)))
    assert "*aws-ce* (aws_cost_explorer): ok" in text
    assert "data through 2026-11-30, 2 days behind" in text
    assert "next run 2026-12-02 12:00 (every 6h)" in text and "3 paid API calls" in text
    assert "*k8s* (opencost): *failing*: 3 run(s) in a row" in text
    assert "last error: connection refused" in text
    assert "*new* (aws_cost_explorer): not run yet" in text and "no usage data stored" in text
    assert "*by-hand* (loaded with `costbot ingest`)" in text
    fallback = source_status_text(_report(statuses))
    assert fallback == "Billing data status: 4 source(s), data through 2026-11-30; failing: k8s"


def test_no_sources_says_how_to_add_one_and_many_sources_fit_one_message():
    assert "Add `sources:`" in _text(build_source_status_blocks(_report([])))
    many = [_status(f"s{i}", last_error="x" * 5000) for i in range(120)]
    blocks = to_payload(build_source_status_blocks(_report(many)))  # validates Slack's limits
    assert len(blocks) <= 50
