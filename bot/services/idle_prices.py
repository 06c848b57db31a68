"""What a machine costs per hour, and where that number comes from.

In order: what this organisation paid for it lately (its own billing rows in the store), the
controller's own price (the simulated fleet has one), then the price table of the controller's
kind (EC2's on-demand list prices, with the operator's `idle.price_file` rows over them). The
message names the source, so a list price is never mistaken for what was really paid.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from bot.services.idle_ports import CloudInstance, Price

PAID_DAYS = 7
# Said in the message after the price, where Slack blocks keep 40 characters of it.
PAID_SOURCE = f"paid lately: last {PAID_DAYS} days of billing"
OWN_SOURCE = "the fleet's own price"


class PaidPrices(Protocol):
    def paid_hourly(
        self, resource_id: str, since: date, until: date | None = None
    ) -> tuple[Decimal, str] | None:
        """What the resource cost per hour on the billing days from `since` up to `until`
        (exclusive; no end when None), in one currency; None when nothing is billed."""
        ...


class PriceTable(Protocol):
    def hourly(self, instance_type: str) -> tuple[Decimal, str] | None:
        """The listed hourly price and currency of an instance type; None when unlisted."""
        ...

    def source(self, instance_type: str) -> str:
        """Where the type's listed price comes from, as a message says it."""
        ...


def _utc_today() -> date:
    return datetime.now(UTC).date()


class ChainedPriceBook:
    """A PriceBook: paid lately, else the controller's own price, else its kind's table.

    `tables` is keyed by controller kind (aws_ec2); `kinds` maps a controller's name to its
    kind where they differ (a controller named gpu-fleet of kind aws_ec2)."""

    def __init__(
        self,
        paid: PaidPrices | None,
        tables: Mapping[str, PriceTable],
        *,
        kinds: Mapping[str, str] | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        self._paid = paid
        self._tables = dict(tables)
        self._kinds = dict(kinds or {})
        self._today = today or _utc_today
        # A day's billing answer holds for the day: scans every 15 minutes ask again and again.
        self._lock = threading.Lock()
        self._paid_on: date | None = None
        self._paid_cache: dict[str, tuple[Decimal, str] | None] = {}

    def price(self, controller: str, instance: CloudInstance) -> Price | None:
        if (paid := self._paid_lately(instance.instance_id)) is not None:
            return Price(paid[0], paid[1], PAID_SOURCE)
        if instance.hourly_cost is not None:
            return Price(instance.hourly_cost, instance.currency or "USD", OWN_SOURCE)
        table = self._tables.get(self._kinds.get(controller, controller))
        if table is None or not instance.type:
            return None
        listed = table.hourly(instance.type)
        if listed is None:
            return None
        return Price(listed[0], listed[1], table.source(instance.type))

    def _paid_lately(self, resource_id: str) -> tuple[Decimal, str] | None:
        if self._paid is None:
            return None
        today = self._today()
        with self._lock:
            if self._paid_on != today:
                self._paid_on, self._paid_cache = today, {}
            if resource_id in self._paid_cache:
                return self._paid_cache[resource_id]
        # The last complete days: today's rows are still coming in.
        paid = self._paid.paid_hourly(resource_id, today - timedelta(days=PAID_DAYS), today)
        with self._lock:
            if self._paid_on == today:
                self._paid_cache[resource_id] = paid
        return paid
