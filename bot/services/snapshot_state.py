"""The ports the snapshot service keeps its state through: fingerprints, health, the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.domain.source_health import SourceHealth


@dataclass(frozen=True)
class OutboxFile:
    """An image posted with a message (a digest's chart): uploaded, then shown in the message."""

    name: str  # file name, e.g. digest.png
    title: str
    content: bytes


@dataclass(frozen=True)
class OutboxItem:
    """A Slack message to post once; `key` makes writing it twice a no-op.

    `fallback_channel`: where the message goes instead when the bot cannot post in `channel`
    (not a member, archived, no such channel); the message then says so.
    """

    key: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    fallback_channel: str | None = None
    file: OutboxFile | None = None


@dataclass(frozen=True)
class PendingMessage:
    id: int
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    attempts: int
    key: str = ""
    fallback_channel: str | None = None
    file: OutboxFile | None = None


HealthChange = Callable[[SourceHealth], tuple[SourceHealth, list[OutboxItem]]]


class SnapshotStateStore(Protocol):
    def fingerprints(self, source: str) -> dict[str, str | None]:
        """The fingerprint stored for each unit of `source` (written with its ingest)."""
        ...

    def health(self) -> dict[str, SourceHealth]:
        """Every source's recorded health, by name."""
        ...

    def change_health(self, source: str, type_name: str, change: HealthChange) -> SourceHealth:
        """Apply `change` to the source's health under a row lock, and write its outbox items
        in the same transaction."""
        ...


class Outbox(Protocol):
    def claim_next(self, now: datetime, lease_seconds: float) -> PendingMessage | None:
        """Take the oldest pending message (or one whose sender's lease ran out); None if none.
        Only one process gets each message."""
        ...

    def mark_sent(
        self, message_id: int, at: datetime, channel: str | None = None, ts: str | None = None
    ) -> None:
        """Record the post, and where it went in the end (channel id and message ts)."""
        ...

    def mark_failed(
        self,
        message_id: int,
        error: str,
        *,
        give_up: bool,
        retry_at: datetime | None = None,
        counted: bool = True,
    ) -> None:
        """Record a failed post; unless `give_up`, it is taken again from `retry_at`.

        `counted=False` (a rate limit: Slack said when to come back) takes back the attempt
        the claim counted, so waiting out rate limits never makes the message give up."""
        ...
