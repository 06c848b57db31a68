"""A bounded pool for answers: a few workers, a short waiting line, and a polite "busy".

Bolt hands every lazy listener (the slow half of a command, after its ack) to this executor.
Each admitted answer runs under its time budget. When the workers and the waiting line are
full, the task runs on a small side pool with `turned_away()` true instead of queueing without
bound, so the listener can tell the asker to try again in a moment.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from bot.services.budget import time_budget

BUSY_WORKERS = 2
BUSY_BACKLOG = 64

logger = logging.getLogger("costbot.answers")

_turned_away: ContextVar[bool] = ContextVar("costbot_turned_away", default=False)


def turned_away() -> bool:
    """Whether the task running on this thread was refused for want of a free worker."""
    return _turned_away.get()


class AnswerPool(Executor):
    def __init__(self, workers: int, waiting: int, seconds: float | None) -> None:
        if workers < 1 or waiting < 0:
            raise ValueError("an answer pool needs at least one worker and no negative queue")
        self.capacity = workers + waiting
        self._seconds = seconds
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._answers = ThreadPoolExecutor(workers, thread_name_prefix="costbot-answer")
        self._busy_slots = threading.BoundedSemaphore(BUSY_BACKLOG)
        self._busy = ThreadPoolExecutor(BUSY_WORKERS, thread_name_prefix="costbot-busy")

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._slots.acquire(blocking=False):
            return self._answers.submit(self._answer, fn, args, kwargs)
        if self._busy_slots.acquire(blocking=False):
            return self._busy.submit(self._turn_away, fn, args, kwargs)
        # Only under a flood: the request was acked, and saying "busy" would queue too.
        logger.warning("answer pool full and %d busy replies pending: dropped one", BUSY_BACKLOG)
        dropped: Future[Any] = Future()
        dropped.set_result(None)
        return dropped

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._answers.shutdown(wait, cancel_futures=cancel_futures)
        self._busy.shutdown(wait, cancel_futures=cancel_futures)

    def _answer(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        try:
            with time_budget(self._seconds):
                return fn(*args, **kwargs)
        finally:
            self._slots.release()

    def _turn_away(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        token = _turned_away.set(True)
        try:
            return fn(*args, **kwargs)
        finally:
            _turned_away.reset(token)
            self._busy_slots.release()
