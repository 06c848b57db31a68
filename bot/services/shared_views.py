"""The store's shared parts as answers, alerts and digests tell them: summed per rule, origin
and method, in one currency and role, largest first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from bot.domain.reports import SharedShare
from bot.domain.shared.split import Role
from bot.services.shared_ports import SharedPart


def shares_of(parts: Iterable[SharedPart], currency: str, role: Role) -> tuple[SharedShare, ...]:
    """The parts of one role and currency summed per rule, origin and method, largest first.

    Cost is positive whatever the role: OUT parts are stored negative (what left where it was
    billed), and are told as the cost given away."""
    sign = -1 if role is Role.OUT else 1
    summed: dict[tuple[str, str | None, str], Decimal] = defaultdict(Decimal)
    for part in parts:
        if part.role is role and part.currency == currency:
            summed[(part.rule, part.origin, part.method)] += sign * part.cost
    shares = [
        SharedShare(rule, origin, method, cost) for (rule, origin, method), cost in summed.items()
    ]
    return tuple(sorted((s for s in shares if s.cost), key=lambda s: (-s.cost, s.rule)))
