"""The port a snapshot source implements: what it offers now, in units that are ingested whole.

A unit is what one `costbot ingest` call would take: all the files of one billing period of an
export, or one window of days from an API. A file source fingerprints a unit by its files'
names, sizes and ETags, so an unchanged period is never read again; an API source cannot know
what changed without asking, so its unit has no fingerprint and is read every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain.allocation import AllocationRules
from bot.services.ports import BillingFile


class SourceError(Exception):
    """A source could not be read; nothing was written. The message says what to do.

    `retryable` is True for what may pass by itself (a network error, throttling, a 5xx), and
    False for what will not (credentials refused, a bucket that does not exist, bad data).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class SnapshotUnit:
    """One ingest unit a source offers now."""

    key: str  # stable within the source: "2026-11" for a billing period, "window" for an API
    label: str  # for people: "BILLING_PERIOD=2026-11 (3 files)"
    # Identifies the unit's content without reading it (file names, sizes, ETags or checksums).
    # None: unknown until read, so the unit is read every run.
    fingerprint: str | None
    # Opens the unit's inputs; reading (and any API call) happens as their batches stream.
    open: Callable[[], Sequence[BillingFile]]
    inputs: int = 0  # files in the unit, when known before reading


class CallCounter:
    """Counts the calls a source makes to a paid or rate-limited API (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def add(self, calls: int = 1) -> None:
        with self._lock:
            self._count += calls

    @property
    def count(self) -> int:
        with self._lock:
            return self._count


@dataclass(frozen=True)
class SourceContext:
    """What every source is built with."""

    rules: AllocationRules
    calls: CallCounter
    now: Callable[[], datetime]

    def today(self) -> date:
        return self.now().date()


class SnapshotSource(Protocol):
    """A configured source: a folder, a bucket prefix, an API."""

    name: str

    def units(self) -> Sequence[SnapshotUnit]:
        """What the source holds now, found cheaply (a listing, manifests): no cost rows read.

        Raise SourceError saying what is wrong.
        """
        ...
