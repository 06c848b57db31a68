"""What the untagged report and the tag policy need from the store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from bot.domain.untagged import BilledLine


class TagStore(Protocol):
    def billed_lines(
        self, start: date, end: date, basis: str, *, untagged_only: bool
    ) -> list[BilledLine]:
        """Cost over days start..end per resource id, name, account, service, charge category,
        tags and currency, with the last day billed; `untagged_only`: only cost with neither a
        project nor a team. Lines with no resource id are summed per the other fields."""
        ...

    def allocated_by_account(
        self, start: date, end: date, basis: str
    ) -> list[tuple[str, str | None, str | None, str, Decimal]]:
        """(dimension, account, value, currency, cost) of cost with a project or a team, for
        the dimensions project and team: whose an account's cost usually is."""
        ...
