"""AWS for tests: a moto server on 127.0.0.1 (port 0), reached by boto3 through AWS_ENDPOINT_URL.

The fixtures are offered to integration tests by tests/integration/conftest.py.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator

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
def moto(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto server's URL, emptied, with the environment costbot's AWS sources read."""
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=10
    ).close()
    # A profile, a session token or a service's own endpoint would take boto3 elsewhere.
    stray = [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")]
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", *stray):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return moto_endpoint
