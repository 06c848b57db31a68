"""S3 for tests: a moto server on 127.0.0.1 (port 0), reached by boto3 through AWS_ENDPOINT_URL.

The fixtures are offered to integration tests by tests/integration/conftest.py.
"""

from __future__ import annotations

import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    """A boto3 S3 client on an empty moto, with the environment costbot's sources read."""
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=10
    ).close()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return boto3.session.Session().client("s3")


class S3Calls:
    """Counts the S3 operations a client makes, by operation and key (a botocore event hook)."""

    def __init__(self, client) -> None:
        self._lock = threading.Lock()
        self.operations: Counter[str] = Counter()
        self.keys: list[tuple[str, str]] = []
        client.meta.events.register("before-parameter-build.s3.*", self._count)

    def _count(self, model, params, **_kwargs) -> None:
        with self._lock:
            self.operations[model.name] += 1
            key = params.get("Key")
            if key:
                self.keys.append((model.name, key))

    def keys_of(self, operation: str) -> list[str]:
        with self._lock:
            return [key for name, key in self.keys if name == operation]
