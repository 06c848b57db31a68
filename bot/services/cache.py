"""Answers kept until the data changes: the same question after the same ingest is free."""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_MAX_BYTES = 64 * 2**20
# One answer may take at most this share of the budget: a few huge answers must not push out
# every ordinary one (and a question that big is rarely asked twice).
LARGEST_SHARE = 4


class AnswerCache:
    """A small thread-safe LRU of finished reports, emptied whenever the data version moves.

    Bounded twice: by count and by the estimated bytes the answers hold. The version is read
    from the store on every question (one indexed lookup), so replicas sharing a PostgreSQL
    store never serve an answer older than the newest ingest.
    """

    def __init__(
        self,
        version: Callable[[], Hashable],
        size: int = 512,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        measure: Callable[[Any], int] | None = None,
    ) -> None:
        self._version = version
        self._size = size
        self._max_bytes = max_bytes
        self._measure = measure or estimate_bytes
        self._lock = threading.Lock()
        self._seen_version: Hashable = object()
        self._answers: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        """The estimated memory of the answers kept now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        version = self._version()
        with self._lock:
            if version != self._seen_version:
                self._answers.clear()
                self._bytes = 0
                self._seen_version = version
            elif key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key][0]
        answer = compute()  # outside the lock: other questions go on meanwhile
        cost = self._measure(answer)
        if cost * LARGEST_SHARE > self._max_bytes:
            return answer  # too big to keep: asked again, it is computed again
        with self._lock:
            if version == self._seen_version:
                self._keep(key, answer, cost)
        return answer

    def _keep(self, key: Hashable, answer: Any, cost: int) -> None:
        if key in self._answers:  # computed twice at once: keep one copy
            self._bytes -= self._answers.pop(key)[1]
        self._answers[key] = (answer, cost)
        self._bytes += cost
        while len(self._answers) > self._size or self._bytes > self._max_bytes:
            _, (_, dropped) = self._answers.popitem(last=False)
            self._bytes -= dropped


def estimate_bytes(answer: Any) -> int:
    """Bytes `answer` holds: sys.getsizeof over its dataclasses, containers and values.

    An estimate (interned small values are counted where they appear once), close enough to
    keep a budget: a ten-year daily series is thousands of objects, walked in milliseconds.
    """
    seen: set[int] = set()
    total = 0
    pending = [answer]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            pending.extend(getattr(item, field.name) for field in dataclasses.fields(item))
            if hasattr(item, "__dict__"):
                total += sys.getsizeof(item.__dict__)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            pending.extend(item)
    return total
