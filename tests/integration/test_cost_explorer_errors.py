"""What the aws_cost_explorer source says when Cost Explorer fails, through boto3 for real.

moto never throttles or refuses, so a small local server on port 0 replays Cost Explorer's
error responses (its JSON protocol: a status, `x-amzn-ErrorType`, a `__type` and `Message`
body). AWS_ENDPOINT_URL_COST_EXPLORER, boto3's endpoint variable for this one service, points
boto3 at it while AWS_ENDPOINT_URL points at nothing.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bot.domain.allocation import AllocationRules
from bot.services.snapshot_ports import CallCounter, SourceContext, SourceError
from bot.sources.aws_cost_explorer import CostExplorerConfig, CostExplorerSource
from tests.helpers import snapshot

TODAY = date(2026, 12, 1)


class _Replay(BaseHTTPRequestHandler):
    """Answers each POST with the next queued (status, body) and records the request."""

    answers: ClassVar[list[tuple[int, dict]]] = []
    requests: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        type(self).requests.append(json.loads(self.rfile.read(length) or b"{}"))
        status, body = type(self).answers.pop(0)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "5d4f2c6e-0000-4000-8000-000000000000")
        if "__type" in body:
            self.send_header("x-amzn-ErrorType", f"{body['__type']}:")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def replay_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def replay(replay_server: str, monkeypatch: pytest.MonkeyPatch) -> type[_Replay]:
    _Replay.answers, _Replay.requests = [], []
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_ENDPOINT_URL_COST_EXPLORER", replay_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return _Replay


def _source(calls: CallCounter, *, attempts: int = 1) -> CostExplorerSource:
    config = CostExplorerConfig(name="aws-ce", type="aws_cost_explorer", lookback_days=2)
    now = datetime(2026, 12, 1, 15, tzinfo=UTC)
    context = SourceContext(rules=AllocationRules(), calls=calls, now=lambda: now)
    return CostExplorerSource(config, context, attempts=attempts)


def _read(source: CostExplorerSource) -> list:
    [unit] = source.units()
    [billing_input] = unit.open()
    return list(billing_input.batches())


def _error(code: str, message: str) -> dict:
    return {"__type": code, "Message": message}


def _page(amount: str = "12.5") -> dict:
    metric = {"Amount": amount, "Unit": "USD"}
    return {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-11-30", "End": "2026-12-01"},
                "Groups": [
                    {
                        "Keys": ["project$fraud-detection", "Amazon SageMaker"],
                        "Metrics": {"AmortizedCost": metric, "UnblendedCost": metric},
                    }
                ],
                "Estimated": True,
            }
        ]
    }


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, _error("LimitExceededException", "You have exceeded the rate limit.")),
        (400, _error("ThrottlingException", "Rate exceeded")),
        (500, _error("InternalServerError", "An internal error occurred.")),
        (503, {"message": "Service Unavailable"}),
        (400, _error("RequestChangedException", "Your request parameters changed.")),
    ],
)
def test_what_may_pass_by_itself_is_retryable(replay, status, body):
    replay.answers = [(status, body)]
    calls = CallCounter()
    with pytest.raises(SourceError) as raised:
        _read(_source(calls))
    assert raised.value.retryable is True
    assert calls.count == 1


@pytest.mark.parametrize(
    ("code", "message", "advice"),
    [
        (
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/costbot is not authorized to perform: "
            "ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:123456789012:/GetCostAndUsage",
            "Grant ce:GetCostAndUsage",
        ),
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            "AWS refused the credentials",
        ),
        (
            "DataUnavailableException",
            "Data is not available. Please try to adjust the time period.",
            "enable Cost Explorer",
        ),
        (
            "ValidationException",
            "Tag key is invalid.",
            "Billing and Cost Management > Cost allocation tags",
        ),
    ],
)
def test_what_will_not_pass_says_what_to_do(replay, code, message, advice):
    replay.answers = [(400, _error(code, message))]
    with pytest.raises(SourceError) as raised:
        _read(_source(CallCounter()))
    assert raised.value.retryable is False
    assert code in str(raised.value)
    assert advice in str(raised.value)


def test_an_unreachable_endpoint_is_retryable(replay, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_COST_EXPLORER", f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(SourceError) as raised:
        _read(_source(CallCounter()))
    assert raised.value.retryable is True
    assert "could not be reached" in str(raised.value)


def test_a_throttled_page_is_retried_and_each_request_counted(replay):
    replay.answers = [(400, _error("LimitExceededException", "Rate exceeded")), (200, _page())]
    calls = CallCounter()
    [batch] = _read(_source(calls, attempts=2))
    assert calls.count == 2  # both requests are billed
    assert len(replay.requests) == 2
    assert batch.provisional_days == frozenset({date(2026, 11, 30)})


def test_the_same_page_token_twice_stops_the_run(replay):
    looping = {**_page(), "NextPageToken": "AAMA-repeat"}
    replay.answers = [(200, looping), (200, looping)]
    calls = CallCounter()
    with pytest.raises(SourceError, match="same NextPageToken twice"):
        _read(_source(calls))
    assert calls.count == 2


def test_a_failure_half_way_stores_nothing(store, replay):
    replay.answers = [
        (200, {**_page(), "NextPageToken": "AAMA-page2"}),
        (400, _error("LimitExceededException", "Rate exceeded")),
    ]
    before = snapshot(store.url)
    [unit] = _source(CallCounter()).units()
    with pytest.raises(SourceError) as raised:
        store.services.ingest.ingest_files(unit.open(), source="aws-ce")
    assert raised.value.retryable is True
    assert snapshot(store.url) == before


def test_a_malformed_amount_names_its_day_and_group_and_stores_nothing(store, replay):
    replay.answers = [(200, _page(amount="12,50"))]
    before = snapshot(store.url)
    [unit] = _source(CallCounter()).units()
    with pytest.raises(SourceError) as raised:
        store.services.ingest.ingest_files(unit.open(), source="aws-ce")
    assert raised.value.retryable is False
    assert "'12,50'" in str(raised.value)
    assert "2026-11-30" in str(raised.value)
    assert "project$fraud-detection / Amazon SageMaker" in str(raised.value)
    assert snapshot(store.url) == before
