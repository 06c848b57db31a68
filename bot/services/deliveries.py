"""Each Slack delivery is handled once, however often Slack sends it.

Slack redelivers an event (same `event_id`, with `X-Slack-Retry-Num`) when an answer is slow
or lost, and every replica behind a load balancer may receive a copy. The first to claim the
delivery's key in the shared store handles it; the others only acknowledge it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.services.bounded_wait import BoundedWait
from bot.services.ports import DeliveryLedger

# Slack retries three times within about five minutes; a day is a wide margin.
KEEP_CLAIMS = timedelta(days=1)
PRUNE_EVERY = timedelta(minutes=10)
MAX_KEY_LENGTH = 200
# A claim is on Slack's ack path (3 s in all): past this the delivery is handled unclaimed.
CLAIM_WAIT_SECONDS = 1.0

logger = logging.getLogger("costbot.deliveries")


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
        wait_seconds: float = CLAIM_WAIT_SECONDS,
    ) -> None:
        self._ledger, self._keep, self._now = ledger, keep, now
        self._wait = BoundedWait(wait_seconds, name="costbot-claim")
        self._lock = threading.Lock()
        self._next_prune = datetime.min.replace(tzinfo=UTC)

    def first_delivery(self, key: str) -> bool:
        """True when this process is the first anywhere to see the delivery `key`.

        Raises StoreTooSlowError when the store does not answer in time: the caller decides
        (the Slack edge handles the delivery anyway, as an answer twice beats none).
        """
        return self._wait.call(lambda: self._claim(key))

    def _claim(self, key: str) -> bool:
        now = self._now()
        try:
            self._prune_now_and_then(now)
        except Exception:  # pruning is housekeeping: a busy store must not cost the claim
            logger.warning("could not forget old deliveries now; trying again later")
        return self._ledger.claim(key, now)

    def _prune_now_and_then(self, now: datetime) -> None:
        with self._lock:
            if now < self._next_prune:
                return
            self._next_prune = now + PRUNE_EVERY
        self._ledger.forget_before(now - self._keep)
