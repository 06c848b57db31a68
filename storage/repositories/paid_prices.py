"""What this organisation paid per hour for one resource lately, from its own billing rows.

A machine's rows are those whose resource id is its id, or ends with it after a `/` or `:`
(FOCUS exports name an EC2 instance by its ARN, arn:aws:ec2:...:instance/i-0abc). Their
effective cost over the days asked for, divided by the hours those days cover: the usage hours
billed when the rows are metered in hours (an instance that ran 6 hours of a day costs its
6 hours' worth), else 24 per day billed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import CostDaily, CostKey

_HOUR_UNITS = ("hrs", "hr", "hours", "hour", "h")
_DAY_HOURS = Decimal(24)
_PLACES = Decimal("0.000001")


@dataclass
class _Billed:
    """One source's days of one currency: cost and metered hours per day."""

    cost: dict[date, Decimal] = field(default_factory=dict)
    hours: dict[date, Decimal] = field(default_factory=dict)

    def hourly(self) -> Decimal | None:
        total = sum(self.cost.values(), Decimal(0))
        # A day metered in hours counts those (at most a day's); any other day counts whole.
        hours = sum(
            (min(self.hours.get(day) or _DAY_HOURS, _DAY_HOURS) for day in self.cost),
            Decimal(0),
        )
        if total <= 0 or hours <= 0:  # credits or nothing: not a price anyone paid
            return None
        return (total / hours).quantize(_PLACES)


class SqlPaidPrices:
    """The PaidPrices port over the cost rows."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def paid_hourly(
        self, resource_id: str, since: date, until: date | None = None
    ) -> tuple[Decimal, str] | None:
        if not resource_id:
            return None
        billed = self._billed(resource_id, since, until)
        if not billed:
            return None
        # Two sources (a FOCUS export and a CUR, say) bill the same hours: read one, the one
        # that covers the most days, rather than adding them up; one currency, never mixed:
        # of those, the largest.
        (_, currency), chosen = max(
            billed.items(),
            key=lambda item: (len(item[1].cost), sum(item[1].cost.values()), item[0]),
        )
        hourly = chosen.hourly()
        return None if hourly is None else (hourly, currency)

    def _billed(
        self, resource_id: str, since: date, until: date | None
    ) -> dict[tuple[str, str], _Billed]:
        metered = func.lower(func.coalesce(CostKey.usage_unit, "")).in_(_HOUR_UNITS)
        query = (
            select(
                CostDaily.source,
                CostKey.currency,
                CostDaily.day,
                func.sum(CostDaily.effective_cost),
                func.sum(
                    case((metered, CostDaily.usage_quantity), else_=0),
                    type_=CostDaily.usage_quantity.type,
                ),
            )
            .join(CostKey, CostKey.id == CostDaily.key_id)
            .where(
                or_(
                    CostKey.resource_id == resource_id,
                    CostKey.resource_id.endswith(f"/{resource_id}", autoescape=True),
                    CostKey.resource_id.endswith(f":{resource_id}", autoescape=True),
                ),
                CostDaily.day >= since,
            )
            .group_by(CostDaily.source, CostKey.currency, CostDaily.day)
        )
        if until is not None:
            query = query.where(CostDaily.day < until)
        billed: dict[tuple[str, str], _Billed] = defaultdict(_Billed)
        with self._sessions() as session:
            for source, currency, day, cost, hours in session.execute(query):
                group = billed[(source, currency)]
                group.cost[day] = Decimal(cost or 0)
                group.hours[day] = Decimal(hours or 0)
        return dict(billed)
