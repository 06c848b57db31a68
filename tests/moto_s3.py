"""S3 for tests, on the moto server of tests/moto_server.py: a client, and counts of its calls.

The `s3` fixture is offered to integration tests by tests/integration/conftest.py.
"""

from __future__ import annotations

import threading
from collections import Counter

import boto3
import pytest


@pytest.fixture
def s3(moto: str):
    """A boto3 S3 client on an empty moto, with the environment costbot's sources read."""
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
