"""Read-ahead keeps order, bounds memory, passes errors on and stops with its consumer."""

from __future__ import annotations

import threading
import time

import pytest

from bot.services.read_ahead import read_ahead


def test_items_come_in_order():
    assert list(read_ahead(range(100), depth=3)) == list(range(100))


def test_the_worker_runs_at_most_depth_items_ahead():
    produced = []

    def items():
        for i in range(50):
            produced.append(i)
            yield i

    consumer = read_ahead(items(), depth=2)
    assert next(consumer) == 0
    time.sleep(0.3)
    # one handed over, two queued, one waiting to be queued
    assert len(produced) <= 4
    consumer.close()


def test_an_error_in_the_worker_is_raised_to_the_consumer():
    def items():
        yield 1
        raise ValueError("line 7: BilledCost is not a number")

    consumer = read_ahead(items())
    assert next(consumer) == 1
    with pytest.raises(ValueError, match="line 7"):
        next(consumer)


def test_stopping_early_closes_the_source():
    closed = threading.Event()

    def items():
        try:
            yield from range(1000)
        finally:
            closed.set()

    consumer = read_ahead(items(), depth=1)
    next(consumer)
    consumer.close()
    assert closed.wait(2)
