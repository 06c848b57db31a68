"""A time budget for the answer being computed on this thread, read where the work happens.

The Slack edge opens a budget around each answer; the store reads the time left to bound its
statements (PostgreSQL `statement_timeout`, an SQLite progress handler) and the services check
it between steps, so a question too big to answer in time stops instead of holding a worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.services.errors import AnswerTooBigError

_deadline: ContextVar[float | None] = ContextVar("costbot_answer_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Run the block with `seconds` to spend (None or 0: no budget)."""
    deadline = time.monotonic() + seconds if seconds else None
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def seconds_left() -> float | None:
    """Seconds left in this thread's budget (may be negative), or None without a budget."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def over_budget() -> bool:
    """Whether a budget is open and spent: cheap enough to call from a progress handler."""
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() > deadline


def check_time_left() -> None:
    """Raise AnswerTooBigError when the budget is spent."""
    if over_budget():
        raise AnswerTooBigError()
