"""Resource lines and their stored tags for the untagged report and the tag policy."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.cost_rows import COST_BASES
from bot.domain.untagged import BilledLine
from storage.models import CostDaily, CostKey

# What a line is summed by: a resource and what describes it, or, with no resource id, the
# account, service and charge category the charge belongs to.
_LINE_FIELDS = (
    CostKey.resource_id,
    CostKey.resource_name,
    CostKey.sub_account_name,
    CostKey.service_name,
    CostKey.service_category,
    CostKey.charge_category,
    CostKey.tags,
    CostKey.currency,
)
_OWNER_DIMENSIONS = ("project", "team")


class SqlTagStore:
    """Implements the TagStore port on SQLite or PostgreSQL."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def billed_lines(
        self, start: date, end: date, basis: str, *, untagged_only: bool
    ) -> list[BilledLine]:
        sums = _per_key(start, end, basis, untagged_only).subquery()
        cost = func.sum(sums.c.cost, type_=_amount(basis).type).label("cost")
        query = (
            select(*_LINE_FIELDS, cost, func.max(sums.c.last_day).label("last_day"))
            .join(sums, sums.c.key_id == CostKey.id)
            .group_by(*_LINE_FIELDS)
        )
        with self._sessions() as session:
            return [_line(row) for row in session.execute(query)]

    def allocated_by_account(
        self, start: date, end: date, basis: str
    ) -> list[tuple[str, str | None, str | None, str, Decimal]]:
        sums = _per_key(start, end, basis, untagged_only=False).subquery()
        cost = func.sum(sums.c.cost, type_=_amount(basis).type).label("cost")
        fields = (CostKey.sub_account_name, CostKey.project, CostKey.team, CostKey.currency)
        query = (
            select(*fields, cost)
            .join(sums, sums.c.key_id == CostKey.id)
            .where(or_(CostKey.project.is_not(None), CostKey.team.is_not(None)))
            .group_by(*fields)
        )
        rows: list[tuple[str, str | None, str | None, str, Decimal]] = []
        with self._sessions() as session:
            for account, project, team, currency, amount in session.execute(query):
                for dimension, value in zip(_OWNER_DIMENSIONS, (project, team), strict=True):
                    if value is not None:
                        rows.append((dimension, account, value, currency, amount))
        return rows


def _amount(basis: str) -> Any:
    return getattr(CostDaily, COST_BASES[basis])


def _per_key(start: date, end: date, basis: str, untagged_only: bool) -> Select[Any]:
    """Each key's cost and last day over the days, summed on the facts first (they are stored
    in key order), as the cost queries do."""
    query = select(
        CostDaily.key_id,
        func.sum(_amount(basis)).label("cost"),
        func.max(CostDaily.day).label("last_day"),
    ).where(CostDaily.day.between(start, end))
    if untagged_only:
        untagged = select(CostKey.id).where(and_(CostKey.project.is_(None), CostKey.team.is_(None)))
        query = query.where(CostDaily.key_id.in_(untagged))
    return query.group_by(CostDaily.key_id)


def _line(row: Any) -> BilledLine:
    return BilledLine(
        resource_id=row.resource_id,
        resource_name=row.resource_name,
        account=row.sub_account_name,
        service=row.service_name,
        service_category=row.service_category,
        charge_category=row.charge_category,
        tags=stored_tags(row.tags),
        currency=row.currency,
        cost=row.cost,
        last_day=row.last_day,
    )


def stored_tags(text: str | None) -> dict[str, str]:
    """A key's stored tags (canonical JSON, or NULL for none) as a mapping."""
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
