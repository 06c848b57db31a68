"""Column types that keep money exact on every database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from bot.domain.cost_rows import STORED_PLACES

# Nine decimal places: a nano-dollar. Daily aggregates need no more, and SQLite's 64-bit integers
# then hold sums up to about 9.2 billion in one currency before SUM() raises an overflow error.
MONEY_SCALE = STORED_PLACES
_FACTOR = Decimal(10) ** MONEY_SCALE
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


class ExactDecimal(TypeDecorator[Decimal]):
    """A fixed-point decimal: NUMERIC(38, 9) on PostgreSQL, scaled BIGINT on SQLite.

    SQLite has no decimal type and would store NUMERIC as a float; storing integers of
    10^-9 units keeps every sum exact there too. `func.sum()` over the column keeps this type,
    so sums come back as Decimal on both databases.
    """

    impl = Numeric(38, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[object]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(38, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> object:
        if value is None:
            return None
        value = Decimal(value).quantize(_QUANTUM)
        if dialect.name == "sqlite":
            return int(value * _FACTOR)
        return value

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / _FACTOR).quantize(_QUANTUM)
        return Decimal(value).quantize(_QUANTUM)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: costbot stores UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
