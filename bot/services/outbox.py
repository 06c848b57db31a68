"""Post what the outbox holds: each message by one process, retried, never lost silently."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.services.snapshot_state import Outbox, OutboxFile, PendingMessage

logger = logging.getLogger("costbot.outbox")
# A post may wait out a short Retry-After inside the client (one retry, at most 20 s: see
# bot.slack_notifier) and time out thrice at 30 s; the lease outlasts that by far, so no other
# process takes a message that is still being posted.
LEASE_SECONDS = 300.0
# Blocks a message may carry: delivery adds one (the fallback note, or the image).
MAX_BLOCKS = 50
RETRY_SECONDS = 30
LOOP_SECONDS = 15.0  # after a failed post; doubling, at most an hour


# Slack allows about one message per second per channel; bursts past it are answered 429.
CHANNEL_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class PostedMessage:
    channel: str  # the channel's id, as Slack answered
    ts: str


class ChannelUnavailable(Exception):
    """The bot cannot post in the channel (not a member, no such channel, archived)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentPostError(Exception):
    """Slack refused the message itself (invalid blocks, a revoked token): posting it again
    cannot succeed, so it is marked failed and logged, not retried."""


class RateLimited(Exception):
    """Slack still answered 429 after the client's own retries: wait `retry_after` seconds.

    `channel` is the channel that was limited, when the delivery knows it (a fallback post)."""

    def __init__(self, retry_after: float, channel: str | None = None) -> None:
        super().__init__(f"rate limited: retry after {retry_after:.0f} s")
        self.retry_after = retry_after
        self.channel = channel


def fallback_note(channel: str, reason: str) -> str:
    """What a message posted in its fallback channel says first."""
    return f"costbot could not post in <#{channel}> ({reason}): invite @costbot there."


class Notifier(Protocol):
    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        file: OutboxFile | None = None,
    ) -> PostedMessage | None:
        """Post a message (with its image, if any); raise ChannelUnavailable, RateLimited or
        any other error on failure (after the client's own retries)."""
        ...


class OutboxDelivery:
    def __init__(
        self,
        outbox: Outbox,
        notifier: Notifier | None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        ticks: Callable[[], float] = time.monotonic,
        channel_interval: float = CHANNEL_INTERVAL_SECONDS,
    ) -> None:
        self._outbox = outbox
        self._notifier = notifier
        self._clock = clock
        self._sleep = sleep
        self._ticks = ticks  # seconds, for pacing: the delivering thread sleeps between posts
        self._interval = channel_interval
        self._last_post: dict[str, float] = {}  # channel -> monotonic time of its last post

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
        """Post up to `limit` pending messages; return how many were posted.

        Paced to about one post per second per channel. A channel still rate limited after the
        client's retries gets nothing more this round; its messages wait out Retry-After.
        """
        if self._notifier is None:
            return 0  # no Slack token in this process: a process that has one posts them
        posted = 0
        limited: dict[str, datetime] = {}  # channel -> when Slack lets it post again
        for _ in range(limit):
            message = self._outbox.claim_next(self._clock(), LEASE_SECONDS)
            if message is None:
                break
            if message.channel in limited:
                self._outbox.mark_failed(
                    message.id,
                    "rate limited",
                    give_up=False,
                    retry_at=limited[message.channel],
                    counted=False,
                )
                continue
            try:
                where = self._post(message)
            except RateLimited as exc:
                channel = exc.channel or message.channel
                logger.warning("Slack rate limits %s: retrying in %.0f s", channel, exc.retry_after)
                retry_at = self._clock() + timedelta(seconds=exc.retry_after)
                limited[channel] = limited[message.channel] = retry_at
                self._outbox.mark_failed(
                    message.id, str(exc), give_up=False, retry_at=retry_at, counted=False
                )
                continue
            except Exception as exc:  # any failure of the post: kept and retried, never lost
                self._failed(message, exc)
                continue
            self._outbox.mark_sent(
                message.id,
                self._clock(),
                where.channel if where else None,
                where.ts if where else None,
            )
            posted += 1
        return posted

    def _post(self, message: PendingMessage) -> PostedMessage | None:
        assert self._notifier is not None
        try:
            return self._paced(message.channel, message.text, message.blocks, message.file)
        except ChannelUnavailable as exc:
            fallback = message.fallback_channel
            if not fallback or fallback == message.channel:
                raise
            logger.warning(
                "cannot post in %s (%s): posting in %s instead",
                message.channel,
                exc.reason,
                fallback,
            )
            note = fallback_note(message.channel, exc.reason)
            blocks = [
                {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
                *message.blocks[: MAX_BLOCKS - 1],
            ]
            return self._paced(fallback, f"{note}\n{message.text}", blocks, message.file)

    def _paced(
        self, channel: str, text: str, blocks: list[dict[str, Any]], file: OutboxFile | None
    ) -> PostedMessage | None:
        assert self._notifier is not None
        last = self._last_post.get(channel)
        if last is not None:
            wait = self._interval - (self._ticks() - last)
            if wait > 0:
                self._sleep(wait)
        try:
            return self._notifier.post(channel, text, blocks, file)
        except RateLimited as exc:
            raise RateLimited(exc.retry_after, channel) from exc
        finally:
            self._last_post[channel] = self._ticks()

    def _failed(self, message: PendingMessage, exc: Exception) -> None:
        """Kept and retried later, waiting longer each time (at most an hour), however long
        Slack is away: only a message Slack refuses as such is given up."""
        give_up = isinstance(exc, PermanentPostError)
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
