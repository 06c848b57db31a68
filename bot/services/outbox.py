"""Post what the outbox holds: each message by one process, retried, never lost silently."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.services.snapshot_state import Outbox

logger = logging.getLogger("costbot.outbox")
GIVE_UP_AFTER = 8
LEASE_SECONDS = 60.0
RETRY_SECONDS = 30
LOOP_SECONDS = 15.0  # after a failed post; doubling, at most an hour


class Notifier(Protocol):
    def post(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Post a message; raise on failure (after the client's own rate-limit retries)."""
        ...


class OutboxDelivery:
    def __init__(
        self,
        outbox: Outbox,
        notifier: Notifier | None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = outbox
        self._notifier = notifier
        self._clock = clock

    def start_loop(self, every_seconds: float = LOOP_SECONDS) -> threading.Event:
        """Deliver in a background thread every `every_seconds` until the event is set.

        Every process with a Slack token runs one (the bot, a worker, the demo): whichever
        claims a message posts it, so a worker without a token never leaves messages behind.
        """
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_seconds):
                try:
                    self.deliver_pending()
                except Exception:  # the store may be down for a while: try again next time
                    logger.exception("outbox delivery failed; retrying in %.0f s", every_seconds)

        if self._notifier is not None:
            threading.Thread(target=loop, name="costbot-outbox", daemon=True).start()
        return stop

    def deliver_pending(self, limit: int = 50) -> int:
        """Post up to `limit` pending messages; return how many were posted."""
        if self._notifier is None:
            return 0  # no Slack token in this process: a process that has one posts them
        posted = 0
        for _ in range(limit):
            message = self._outbox.claim_next(self._clock(), LEASE_SECONDS)
            if message is None:
                break
            try:
                self._notifier.post(message.channel, message.text, message.blocks)
            except Exception as exc:  # any failure of the post: kept and retried, never lost
                give_up = message.attempts >= GIVE_UP_AFTER
                logger.warning(
                    "could not post to %s (attempt %d%s): %s",
                    message.channel,
                    message.attempts,
                    ", giving up" if give_up else "",
                    exc,
                )
                wait = timedelta(seconds=min(RETRY_SECONDS * 2 ** (message.attempts - 1), 3600))
                self._outbox.mark_failed(
                    message.id, str(exc), give_up=give_up, retry_at=self._clock() + wait
                )
                continue
            self._outbox.mark_sent(message.id, self._clock())
            posted += 1
        return posted
