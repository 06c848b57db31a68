"""The answer pool: a few workers, a short waiting line, and "turned away" past it."""

from __future__ import annotations

import threading
import time

import pytest

from bot.services.answer_pool import AnswerPool, turned_away
from bot.services.budget import check_time_left, seconds_left, time_budget
from bot.services.errors import AnswerTooBigError


def test_past_the_workers_and_the_waiting_line_a_task_is_turned_away_at_once():
    pool = AnswerPool(workers=1, waiting=1, seconds=None)
    release = threading.Event()
    started = threading.Event()

    def hold() -> bool:
        started.set()
        release.wait(5)
        return turned_away()

    try:
        running = pool.submit(hold)
        assert started.wait(5)
        waiting = pool.submit(hold)
        refused_at = time.monotonic()
        refused = pool.submit(turned_away)
        assert refused.result(timeout=2) is True  # answered while both places are taken
        assert time.monotonic() - refused_at < 1
        release.set()
        assert (running.result(timeout=5), waiting.result(timeout=5)) == (False, False)
        assert pool.submit(turned_away).result(timeout=5) is False  # places free again
    finally:
        release.set()
        pool.shutdown()


def test_each_admitted_task_runs_under_its_own_budget():
    pool = AnswerPool(workers=2, waiting=0, seconds=0.5)
    try:
        left = pool.submit(seconds_left).result(timeout=5)
        assert left is not None and 0 < left <= 0.5
        assert seconds_left() is None  # the submitting thread has no budget

        def spend() -> None:
            time.sleep(0.6)
            check_time_left()

        with pytest.raises(AnswerTooBigError, match="shorter period"):
            pool.submit(spend).result(timeout=5)
    finally:
        pool.shutdown()


def test_a_budget_ends_with_its_block():
    with time_budget(0.01):
        assert seconds_left() is not None
        time.sleep(0.02)
        with pytest.raises(AnswerTooBigError):
            check_time_left()
    assert seconds_left() is None
    check_time_left()  # no budget: never too big
