"""Each Slack delivery is handled once, however often Slack sends it.

Slack redelivers an event (same `event_id`, with `X-Slack-Retry-Num`) when an answer is slow
or lost, and every replica behind a load balancer may receive a copy. The first to claim the
delivery's key in the shared store handles it; the others only acknowledge it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.services.ports import DeliveryLedger

# Slack retries three times within about five minutes; a day is a wide margin.
KEEP_CLAIMS = timedelta(days=1)
PRUNE_EVERY = timedelta(minutes=10)
MAX_KEY_LENGTH = 200


def delivery_key(body: dict[str, Any]) -> str | None:
    """What stays the same when Slack sends one delivery again, or None when nothing does."""
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id:
        return _bounded(f"event:{event_id}")
    trigger_id = body.get("trigger_id")
    if isinstance(trigger_id, str) and trigger_id:
        kind = "command" if "command" in body else str(body.get("type") or "interaction")
        return _bounded(f"{kind}:{trigger_id}")
    return None


def _bounded(key: str) -> str | None:
    return key if len(key) <= MAX_KEY_LENGTH else None


class DeliveryService:
    def __init__(
        self,
        ledger: DeliveryLedger,
        *,
        keep: timedelta = KEEP_CLAIMS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ledger, self._keep, self._now = ledger, keep, now
        self._lock = threading.Lock()
        self._next_prune = datetime.min.replace(tzinfo=UTC)

    def first_delivery(self, key: str) -> bool:
        """True when this process is the first anywhere to see the delivery `key`."""
        now = self._now()
        self._prune_now_and_then(now)
        return self._ledger.claim(key, now)

    def _prune_now_and_then(self, now: datetime) -> None:
        with self._lock:
            if now < self._next_prune:
                return
            self._next_prune = now + PRUNE_EVERY
        self._ledger.forget_before(now - self._keep)
