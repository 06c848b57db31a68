"""A store call on the ack path or behind /healthz gives up in time when the store hangs."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from bot.services.bounded_wait import BoundedWait, StoreTooSlowError
from bot.services.deliveries import DeliveryService


class HangingLedger:
    """A ledger whose store answers nothing until released (a network partition)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def claim(self, key: str, now: datetime) -> bool:
        self.release.wait(10)
        return True

    def forget_before(self, cutoff: datetime) -> int:
        return 0


class LockedPruneLedger:
    """Pruning fails (a SQLite write lock held by an ingest); claiming still works."""

    def __init__(self) -> None:
        self.claimed: list[str] = []

    def claim(self, key: str, now: datetime) -> bool:
        self.claimed.append(key)
        return True

    def forget_before(self, cutoff: datetime) -> int:
        raise RuntimeError("database is locked")


def test_a_hanging_call_is_given_up_after_its_time():
    wait = BoundedWait(0.2, threads=1)
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(StoreTooSlowError):
        wait.call(lambda: release.wait(5))
    assert time.monotonic() - started < 1
    # Its one thread is still stuck: the next call gives up at once rather than queueing.
    started = time.monotonic()
    with pytest.raises(StoreTooSlowError, match="every store thread"):
        wait.call(lambda: 1)
    assert time.monotonic() - started < 0.1
    release.set()
    time.sleep(0.1)
    assert wait.call(lambda: 7) == 7


def test_a_claim_against_a_hanging_store_gives_up_within_a_second():
    ledger = HangingLedger()
    deliveries = DeliveryService(ledger, wait_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(StoreTooSlowError):
        deliveries.first_delivery("event:Ev1")
    assert time.monotonic() - started < 1
    ledger.release.set()


def test_a_failed_prune_does_not_cost_the_claim():
    ledger = LockedPruneLedger()
    deliveries = DeliveryService(ledger, now=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    assert deliveries.first_delivery("event:Ev2") is True
    assert ledger.claimed == ["event:Ev2"]
