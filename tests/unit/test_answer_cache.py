"""Finished answers are reused until the data version moves."""

from __future__ import annotations

import threading

import pytest

from bot.services.cache import AnswerCache


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
