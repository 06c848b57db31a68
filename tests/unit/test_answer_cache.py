"""Finished answers are reused until the data version moves."""

from __future__ import annotations

import gc
import threading
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.domain.periods import MAX_DAYS, Period
from bot.domain.reports import CostReport, CurrencyCost, DailyCost
from bot.services.cache import AnswerCache, estimate_bytes


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, value: str = "answer") -> str:
        self.calls += 1
        return f"{value}-{self.calls}"


def test_the_same_question_is_computed_once_per_version():
    version = [1]
    cache = AnswerCache(lambda: version[0])
    compute = Counter()

    assert cache.get("q", compute) == "answer-1"
    assert cache.get("q", compute) == "answer-1"
    version[0] = 2
    assert cache.get("q", compute) == "answer-2"
    assert compute.calls == 2


def test_the_least_recently_used_answer_is_dropped_first():
    cache = AnswerCache(lambda: 1, size=2)
    compute = Counter()
    cache.get("a", compute)
    cache.get("b", compute)
    cache.get("a", compute)  # a is now the most recent
    cache.get("c", compute)  # drops b

    calls = compute.calls
    cache.get("a", compute)
    assert compute.calls == calls
    cache.get("b", compute)
    assert compute.calls == calls + 1


def test_a_failure_is_not_cached():
    cache = AnswerCache(lambda: 1)
    attempts = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise LookupError("no such project")
        return "found"

    with pytest.raises(LookupError):
        cache.get("q", flaky)
    assert cache.get("q", flaky) == "found"


def test_an_answer_computed_across_a_version_change_is_not_kept():
    version = [1]
    cache = AnswerCache(lambda: version[0])
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "old data"

    worker = threading.Thread(target=lambda: cache.get("q", slow))
    worker.start()
    started.wait(5)
    version[0] = 2
    assert cache.get("other", lambda: "new data") == "new data"  # sees version 2
    release.set()
    worker.join(5)

    assert cache.get("q", lambda: "fresh") == "fresh"


# --- bounded by bytes -------------------------------------------------------------------------

START = date(2016, 12, 2)


def _big_report(seed: int, days: int = MAX_DAYS) -> CostReport:
    """A cost report like the longest question's: one DailyCost per day, distinct amounts."""
    period = Period(START, START + timedelta(days=days - 1), f"r{seed}")
    daily = tuple(
        DailyCost(START + timedelta(days=i), Decimal(seed * 100_000 + i) / 100) for i in range(days)
    )
    part = CurrencyCost("USD", Decimal(seed), Decimal(0), (), (), daily)
    return CostReport(
        "project", f"p{seed}", period, period.previous(), "effective", ("project",), (part,), None
    )


def test_the_estimate_is_close_to_the_memory_an_answer_really_holds():
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        report = _big_report(1)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    estimate = estimate_bytes(report)
    assert 0.7 * held <= estimate <= 1.5 * held, (estimate, held)


def test_many_big_answers_stay_within_the_byte_budget():
    one = estimate_bytes(_big_report(0))
    budget = 10 * one
    cache = AnswerCache(lambda: 1, max_bytes=budget)
    for seed in range(40):
        cache.get(("cost", seed), lambda seed=seed: _big_report(seed))
        assert cache.bytes <= budget
    assert 5 <= len(cache) <= 10  # full, by bytes long before the count of 512
    assert cache.bytes == sum(estimate_bytes(_big_report(s)) for s in range(40 - len(cache), 40))


def test_an_answer_over_a_quarter_of_the_budget_is_not_kept():
    report = _big_report(1)
    cache = AnswerCache(lambda: 1, max_bytes=3 * estimate_bytes(report))
    compute = Counter()

    assert cache.get("big", lambda: (compute(), report)[1]) is report
    cache.get("big", lambda: (compute(), report)[1])
    assert compute.calls == 2 and cache.bytes == 0
    cache.get("small", lambda: "a short answer")
    assert len(cache) == 1 and cache.bytes > 0


def test_a_new_data_version_frees_the_bytes():
    version = [1]
    cache = AnswerCache(lambda: version[0])
    cache.get("q", lambda: _big_report(3, days=100))
    assert cache.bytes > 0
    version[0] = 2
    cache.get("other", lambda: "x")
    assert cache.bytes == estimate_bytes("x")
