"""Answers kept until the data changes: the same question after the same ingest is free."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class AnswerCache:
    """A small thread-safe LRU of finished reports, emptied whenever the data version moves.

    The version is read from the store on every question (one indexed lookup), so replicas
    sharing a PostgreSQL store never serve an answer older than the newest ingest.
    """

    def __init__(self, version: Callable[[], Hashable], size: int = 512) -> None:
        self._version = version
        self._size = size
        self._lock = threading.Lock()
        self._seen_version: Hashable = object()
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        version = self._version()
        with self._lock:
            if version != self._seen_version:
                self._answers.clear()
                self._seen_version = version
            elif key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = compute()  # outside the lock: other questions go on meanwhile
        with self._lock:
            if version == self._seen_version:
                self._answers[key] = answer
                while len(self._answers) > self._size:
                    self._answers.popitem(last=False)
        return answer
