"""Wait a bounded time for a store call that must not hold up an ack or a health probe.

A database behind a network partition can leave a socket open that answers nothing: the
server's statement_timeout never fires, and the driver waits as long as the kernel does.
Calls on Slack's ack path and `/healthz` run on a few threads of their own and are given up
on after `seconds`; a stuck call keeps its thread until the socket fails, and while every
thread is stuck the next calls give up at once instead of queueing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")


class StoreTooSlowError(TimeoutError):
    """The store did not answer within the time an ack or a probe can wait."""


class BoundedWait:
    def __init__(self, seconds: float, *, threads: int = 4, name: str = "costbot-store") -> None:
        self._seconds = seconds
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(threads)

    def call(self, work: Callable[[], T]) -> T:
        """`work()`'s result, or StoreTooSlowError after `seconds` (or at once if all are stuck)."""
        if not self._slots.acquire(blocking=False):
            raise StoreTooSlowError("every store thread is waiting on an earlier call")
        future = self._pool.submit(self._run, work)
        try:
            return future.result(timeout=self._seconds)
        except FutureTimeout:
            raise StoreTooSlowError(
                f"the store did not answer within {self._seconds:g} s"
            ) from None

    def _run(self, work: Callable[[], T]) -> T:
        try:
            return work()
        finally:
            self._slots.release()
