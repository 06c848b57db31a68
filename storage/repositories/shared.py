"""Shared cost: the SharedCostStore port on SQLite or PostgreSQL (the re-split side).

Every selection is pushed down to SQL: a rule's match becomes a WHERE over the facts joined
to their keys, grouped per day, currency, origin and service, so a re-split reads thousands
of pieces, never the millions of facts behind them. The split itself is written in one
transaction with the bulk path the ingest uses (COPY on PostgreSQL).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pyarrow as pa
from sqlalchemy import ColumnElement, and_, cast, exists, false, func, not_, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.shared.rules import SharedMatch
from bot.domain.shared.split import SharedEntry, SharedPiece
from bot.services.shared_ports import AllocationState, DimensionDayCost, SharedPart, UsageDay
from bot.sources.opencost.rows import IDLE
from bot.sources.opencost.rows import PROVIDER as OPENCOST_PROVIDER
from storage.bulk import copy_rows, read_rows
from storage.models import (
    DIMENSION_COLUMNS,
    ROLLUP_DIMENSIONS,
    AllocationStateRow,
    CostDaily,
    CostKey,
    CostRollup,
    SharedCostRow,
)
from storage.repositories.shared_parts import SqlSharedParts
from storage.types import MONEY_SCALE
from storage.uow import SqlUnitOfWork

# Held while a split is replaced: two re-splits never interleave their deletes and inserts.
SPLIT_LOCK = "costbot-shared-split"
_STATE_ID = 1
logger = logging.getLogger("costbot.shared")
_MONEY = pa.decimal128(38, MONEY_SCALE)


class SqlSharedCostStore:
    """Reads what a re-split needs and stores the split; `shared_parts` is the answers' side."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def _dialect(self) -> str:
        return self._sessions.kw["bind"].dialect.name

    def stored_days(self) -> tuple[date, date] | None:
        # One rollup dimension holds every fact's day: (dimension, day) is indexed.
        query = select(func.min(CostRollup.day), func.max(CostRollup.day)).where(
            CostRollup.dimension == ROLLUP_DIMENSIONS[0]
        )
        with self._sessions() as session:
            first, last = session.execute(query).one()
        return None if first is None else (first, last)

    def dimension_cost(self, dimension: str, start: date, end: date) -> list[DimensionDayCost]:
        group = (CostRollup.day, CostRollup.currency, CostRollup.value)
        query = (
            select(*group, func.sum(CostRollup.billed_cost), func.sum(CostRollup.effective_cost))
            .where(CostRollup.dimension == _rollup(dimension), CostRollup.day.between(start, end))
            .group_by(*group)
        )
        return [DimensionDayCost(*row) for row in self._read(query)]

    def matched_cost(
        self,
        match: SharedMatch,
        dimension: str,
        start: date,
        end: date,
        *,
        exclude: Sequence[SharedMatch] = (),
    ) -> list[SharedPiece]:
        if all(_in_rollup(m, dimension) for m in (match, *exclude)):
            return self._matched_rollups(match, dimension, start, end, exclude)
        return self._matched_facts(match, dimension, start, end, exclude)

    def _matched_rollups(
        self,
        match: SharedMatch,
        dimension: str,
        start: date,
        end: date,
        exclude: Sequence[SharedMatch],
    ) -> list[SharedPiece]:
        """A match on the receiving dimension's values and services only, read from the
        rollup, which sums the same facts per value and service."""
        group = (CostRollup.day, CostRollup.currency, CostRollup.value, CostRollup.service_name)
        selected = _rollup_matches(match, dimension)
        for earlier in exclude:
            selected = and_(selected, not_(_rollup_matches(earlier, dimension)))
        query = (
            select(*group, func.sum(CostRollup.billed_cost), func.sum(CostRollup.effective_cost))
            .where(CostRollup.dimension == dimension, CostRollup.day.between(start, end), selected)
            .group_by(*group)
        )
        return [SharedPiece(*row) for row in self._read(query)]

    def _matched_facts(
        self,
        match: SharedMatch,
        dimension: str,
        start: date,
        end: date,
        exclude: Sequence[SharedMatch],
    ) -> list[SharedPiece]:
        origin = getattr(CostKey, DIMENSION_COLUMNS[_rollup(dimension)])
        group = (CostDaily.day, CostKey.currency, origin, CostKey.service_name)
        selected = matches(match, self._dialect)
        for earlier in exclude:
            selected = and_(selected, not_(matches(earlier, self._dialect)))
        query = (
            select(*group, func.sum(CostDaily.billed_cost), func.sum(CostDaily.effective_cost))
            .join(CostKey, CostKey.id == CostDaily.key_id)
            .where(_facts_of(selected), CostDaily.day.between(start, end))
            .group_by(*group)
        )
        return [SharedPiece(*row) for row in self._read(query)]

    def usage(self, dimension: str, unit: str, start: date, end: date) -> list[UsageDay]:
        value = getattr(CostKey, DIMENSION_COLUMNS[_rollup(dimension)])
        query = (
            select(CostDaily.day, value, func.sum(CostDaily.usage_quantity))
            .join(CostKey, CostKey.id == CostDaily.key_id)
            .where(
                _facts_of(
                    and_(
                        CostKey.usage_unit == unit,
                        value.is_not(None),
                        # Idle capacity is nobody's usage, though OpenCost gives it GPU hours.
                        not_(_opencost_name(IDLE)),
                    )
                ),
                CostDaily.day.between(start, end),
            )
            .group_by(CostDaily.day, value)
        )
        return [
            UsageDay(day, receiver, quantity)
            for day, receiver, quantity in self._read(query)
            if quantity is not None
        ]

    def replace_allocations(
        self, start: date, end: date, entries: Sequence[SharedEntry], fingerprint: str
    ) -> AllocationState:
        rows = entries_table(entries)
        with SqlUnitOfWork(self._sessions) as uow:
            # PostgreSQL: a second re-split waits here until the first has committed, then
            # replaces its split whole. SQLite: the unit already holds the one write lock.
            uow.lock(SPLIT_LOCK)
            session = uow.session
            _delete_days(session, start, end)
            if rows.num_rows:
                copy_rows(session.connection(), SharedCostRow.__table__, rows)
            state = _next_state(session, fingerprint)
            uow.commit()
        return state

    def refresh_statistics(self) -> None:
        _refresh_statistics(self._sessions)

    def allocation_state(self) -> AllocationState:
        with self._sessions() as session:
            row = session.get(AllocationStateRow, _STATE_ID)
        return (
            AllocationState(None, 0)
            if row is None
            else AllocationState(row.fingerprint, row.version)
        )

    def shared_parts(
        self,
        start: date,
        end: date,
        basis: str,
        dimension: str,
        value: str | None = ...,  # type: ignore[assignment]
    ) -> list[SharedPart]:
        """See SqlSharedParts.shared_parts (the answers' side of the store reads them)."""
        return SqlSharedParts(self._sessions).shared_parts(start, end, basis, dimension, value)

    def _read(self, query) -> list[tuple]:
        return read_rows(self._sessions, query)


def _refresh_statistics(sessions: sessionmaker[Session]) -> None:
    """Tell the planner about the new split, and mark its pages all-visible, at once.

    A re-split replaces most of `cost_shared_daily`. Until autovacuum comes by, PostgreSQL
    has neither statistics for the new rows nor a visibility map, so every answer's read of
    `ix_cost_shared_value_day` fetches each row from the heap as well (a fifth of a `/cost`
    answer's time, measured). VACUUM cannot run in a transaction: it runs on its own
    autocommit connection after the split is committed and every lock around it is let go
    (a transaction still open keeps VACUUM from marking the new rows visible to all).
    SQLite analyses the table within `analysis_limit`'s sample (milliseconds).
    The split is already stored: a refresh that fails (a role without the right to VACUUM)
    is logged, and autovacuum does it later."""
    engine = sessions.kw["bind"]
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(f"VACUUM (ANALYZE) {SharedCostRow.__tablename__}")
            return
        # A connection here begins a transaction: ANALYZE's statistics need its commit.
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            connection.exec_driver_sql(f"ANALYZE {SharedCostRow.__tablename__}")
    except Exception as error:  # a lost connection is a StoreError, not SQLAlchemy's
        logger.warning("could not refresh the statistics of the shared-cost split: %s", error)


def matches(match: SharedMatch, dialect: str) -> ColumnElement[bool]:
    """The keys `match` selects, as a condition on cost_keys that is never NULL (so NOT of it
    is the keys it does not select): every criterion given must hold."""
    conditions: list[ColumnElement[bool]] = []
    for dimension, value in match.dimensions.items():
        column = getattr(CostKey, DIMENSION_COLUMNS[dimension])
        conditions.append(column.is_(None) if value is None else _equals(column, value, fold=False))
    if match.service:
        conditions.append(_equals(CostKey.service_name, match.service))
    if match.account:
        conditions.append(
            or_(
                _equals(CostKey.sub_account_name, match.account),
                _equals(CostKey.sub_account_id, match.account),
            )
        )
    if match.resource:
        conditions.append(_equals(CostKey.resource_id, match.resource, fold=False))
    conditions += [_tag(key, value, dialect) for key, value in match.tags.items()]
    if match.opencost:
        conditions.append(_opencost_name(match.opencost))
    return and_(*conditions) if conditions else false()


def _in_rollup(match: SharedMatch, dimension: str) -> bool:
    """The match needs nothing the rollup of `dimension` lacks: only that dimension's values
    and the service."""
    return (
        dimension in ROLLUP_DIMENSIONS
        and set(match.dimensions) <= {dimension}
        and not (match.account or match.resource or match.tags or match.opencost)
    )


def _rollup_matches(match: SharedMatch, dimension: str) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if dimension in match.dimensions:
        value = match.dimensions[dimension]
        column = CostRollup.value
        conditions.append(column.is_(None) if value is None else _equals(column, value, fold=False))
    if match.service:
        conditions.append(_equals(CostRollup.service_name, match.service))
    return and_(*conditions) if conditions else false()


def _delete_days(session: Session, start: date, end: date) -> None:
    """Drop the stored split of days start..end. When that is all of it (a whole re-split),
    SQLite empties the table without visiting each row."""
    table = SharedCostRow.__table__
    in_days = table.c.day.between(start, end)
    if session.get_bind().dialect.name == "sqlite":
        outside = session.execute(select(table.c.id).where(not_(in_days)).limit(1)).first()
        if outside is None:
            session.connection().execute(table.delete())
            return
    session.connection().execute(table.delete().where(in_days))


def _facts_of(keys: ColumnElement[bool]) -> ColumnElement[bool]:
    """Facts of the keys selected: the keys are found first (cost_keys is small), then their
    facts through cost_daily's primary key, which leads with the key; joining the other way
    round would read every fact of the days."""
    return CostDaily.key_id.in_(select(CostKey.id).where(keys).scalar_subquery())


def _equals(column, value: str, *, fold: bool = True) -> ColumnElement[bool]:
    # `IS NOT NULL AND ...`: false, not NULL, for a key without the field.
    if fold:
        return and_(column.is_not(None), func.lower(column) == value.strip().lower())
    return and_(column.is_not(None), column == value)


def _tag(key: str, value: str, dialect: str) -> ColumnElement[bool]:
    """The key's tags (canonical JSON, keys folded) hold `key` with `value`, any case. Keys
    stored before tags were kept have none, and match no tag criterion."""
    wanted = value.strip().lower()
    if dialect == "postgresql":
        found = cast(CostKey.tags, JSONB)[key].astext
        return and_(CostKey.tags.is_not(None), found.is_not(None), func.lower(found) == wanted)
    # SQLite: json_each reads any key (a path would need quoting), and nothing for NULL.
    pairs = func.json_each(CostKey.tags).table_valued("key", "value")
    return exists(
        select(1).select_from(pairs).where(pairs.c.key == key, func.lower(pairs.c.value) == wanted)
    )


def _opencost_name(name: str) -> ColumnElement[bool]:
    """An OpenCost allocation: its name, or a longer name under it (`ml` finds `ml/risk`);
    OpenCost's own names (`__idle__`) also under a cluster (`cluster-one/__idle__`)."""
    folded = name.strip().lower()
    resource = func.lower(CostKey.resource_name)
    names = [resource == folded, resource.startswith(folded + "/", autoescape=True)]
    if folded.startswith("__") and folded.endswith("__"):
        names.append(resource.endswith("/" + folded, autoescape=True))
    return and_(
        CostKey.provider.is_not(None),
        CostKey.provider == OPENCOST_PROVIDER,
        CostKey.resource_name.is_not(None),
        or_(*names),
    )


def entries_table(entries: Sequence[SharedEntry]) -> pa.Table:
    """The entries as the columns of cost_shared_daily, for the bulk insert."""
    return pa.table(
        {
            "day": pa.array([e.day for e in entries], pa.date32()),
            "dimension": pa.array([e.dimension for e in entries], pa.string()),
            "value": pa.array([e.value for e in entries], pa.string()),
            "origin": pa.array([e.origin for e in entries], pa.string()),
            "service_name": pa.array([e.service for e in entries], pa.string()),
            "currency": pa.array([e.currency for e in entries], pa.string()),
            "billed_cost": pa.array([e.billed for e in entries], _MONEY),
            "effective_cost": pa.array([e.effective for e in entries], _MONEY),
            "rule": pa.array([e.rule for e in entries], pa.string()),
            "method": pa.array([_fitted(e.method) for e in entries], pa.string()),
            "role": pa.array([e.role.value for e in entries], pa.string()),
        }
    )


@functools.cache
def _fitted(method: str) -> str:
    """A method as wide as its column holds: fixed weights among many receivers can say more
    than it takes (the rule itself names them all)."""
    width = SharedCostRow.__table__.c.method.type.length
    return method if len(method) <= width else method[: width - 1] + "…"


def _next_state(session: Session, fingerprint: str) -> AllocationState:
    row = session.get(AllocationStateRow, _STATE_ID)
    now = datetime.now(UTC)
    if row is None:
        row = AllocationStateRow(id=_STATE_ID, fingerprint=fingerprint, version=1, updated_at=now)
        session.add(row)
    else:
        row.fingerprint, row.version, row.updated_at = fingerprint, row.version + 1, now
    session.flush()
    return AllocationState(row.fingerprint, row.version)


def _rollup(dimension: str) -> str:
    if dimension not in DIMENSION_COLUMNS:
        raise ValueError(f"Unknown dimension {dimension!r}")
    return dimension
