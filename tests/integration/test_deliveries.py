"""The delivery ledger on SQLite and PostgreSQL: of any number of claims of a key, one wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bot.services.deliveries import DeliveryService, delivery_key
from storage.db import make_session_factory
from storage.repositories.deliveries import SqlDeliveryLedger

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CLAIMERS = 8


def _ledger(store) -> SqlDeliveryLedger:
    return SqlDeliveryLedger(make_session_factory(store.services.engine))


def test_concurrent_claims_of_one_key_have_one_winner(store):
    # Each claimer has its own ledger and connection, as replicas on one database do.
    ledgers = [_ledger(store) for _ in range(CLAIMERS)]
    for round_ in range(10):
        key = f"event:Ev{round_:04d}"
        start = threading.Barrier(CLAIMERS)

        def claim(ledger: SqlDeliveryLedger, key: str = key, start=start) -> bool:
            start.wait(timeout=10)
            return ledger.claim(key, NOW)

        with ThreadPoolExecutor(CLAIMERS) as pool:
            won = list(pool.map(claim, ledgers))
        assert won.count(True) == 1, (store.kind, key, won)


def test_old_claims_are_forgotten_and_recent_ones_kept(store):
    ledger = _ledger(store)
    assert ledger.claim("command:old", NOW - timedelta(days=2))
    assert ledger.claim("command:new", NOW)
    assert ledger.forget_before(NOW - timedelta(days=1)) == 1
    assert ledger.claim("command:old", NOW)  # forgotten: it may be claimed again
    assert not ledger.claim("command:new", NOW)


def test_the_service_prunes_as_it_claims(store):
    ledger = _ledger(store)
    assert ledger.claim("event:stale", NOW - timedelta(days=3))
    service = DeliveryService(ledger, now=lambda: NOW)
    assert service.first_delivery("event:Ev1")
    assert not service.first_delivery("event:Ev1")
    assert ledger.claim("event:stale", NOW)  # the first claim pruned it


def test_delivery_keys():
    assert delivery_key({"event_id": "Ev1", "trigger_id": "t"}) == "event:Ev1"
    assert delivery_key({"command": "/cost", "trigger_id": "t1"}) == "command:t1"
    assert delivery_key({"type": "block_actions", "trigger_id": "t2"}) == "block_actions:t2"
    assert delivery_key({"type": "url_verification"}) is None
    assert delivery_key({"event_id": "E" * 500}) is None
