"""The store's tables as SQLAlchemy 2 typed models. Schema changes go through Alembic."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import ExactDecimal, UtcDateTime

# BIGINT ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


# The columns of one daily aggregate that identify it (besides the day and source).
COST_KEY_COLUMNS: tuple[str, ...] = (
    "billing_account_id",
    "billing_account_name",
    "sub_account_id",
    "sub_account_name",
    "provider",
    "service_name",
    "service_category",
    "region",
    "resource_id",
    "resource_name",
    "resource_type",
    "charge_category",
    "currency",
    "usage_unit",
    "project",
    "team",
    "owner",
    "model",
    "environment",
)
COST_AMOUNT_COLUMNS: tuple[str, ...] = (
    "billed_cost",
    "effective_cost",
    "list_cost",
    "usage_quantity",
)

# The query dimensions and the column that holds each.
DIMENSION_COLUMNS: dict[str, str] = {
    "project": "project",
    "team": "team",
    "owner": "owner",
    "model": "model",
    "environment": "environment",
    "service": "service_name",
    "account": "sub_account_name",
    "region": "region",
    "resource": "resource_id",
}


class _CostColumns:
    """Columns shared by the daily aggregates and their staging copy."""

    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(64))
    billing_account_id: Mapped[str | None] = mapped_column(String(256))
    billing_account_name: Mapped[str | None] = mapped_column(String(256))
    sub_account_id: Mapped[str | None] = mapped_column(String(256))
    sub_account_name: Mapped[str | None] = mapped_column(String(256))
    provider: Mapped[str | None] = mapped_column(String(128))
    service_name: Mapped[str | None] = mapped_column(String(256))
    service_category: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(128))
    resource_id: Mapped[str | None] = mapped_column(String(1024))
    resource_name: Mapped[str | None] = mapped_column(String(1024))
    resource_type: Mapped[str | None] = mapped_column(String(256))
    charge_category: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(16))
    usage_unit: Mapped[str | None] = mapped_column(String(128))
    project: Mapped[str | None] = mapped_column(String(256))
    team: Mapped[str | None] = mapped_column(String(256))
    owner: Mapped[str | None] = mapped_column(String(256))
    model: Mapped[str | None] = mapped_column(String(256))
    environment: Mapped[str | None] = mapped_column(String(256))
    billed_cost: Mapped[Decimal]
    effective_cost: Mapped[Decimal]
    list_cost: Mapped[Decimal]
    usage_quantity: Mapped[Decimal]


class CostDaily(_CostColumns, Base):
    """Cost of one resource (with its allocation) on one UTC day, from one source."""

    __tablename__ = "cost_daily"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ingest_run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id"))

    __table_args__ = (
        Index("ix_cost_daily_source_day", "source", "day"),
        Index("ix_cost_daily_day", "day"),
        *(
            Index(f"ix_cost_daily_{column}_day", column, "day")
            for column in dict.fromkeys(DIMENSION_COLUMNS.values())
        ),
    )


class IngestStaging(_CostColumns, Base):
    """Rows of an ingest in progress; emptied in the same transaction that publishes them."""

    __tablename__ = "ingest_staging"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ingest_run_id: Mapped[int] = mapped_column(BigInteger, index=True)


class IngestRun(Base):
    """One `costbot ingest` call: what it read, what it rejected, what it replaced."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    seconds: Mapped[Decimal | None]
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    rejections: Mapped[list[Any]] = mapped_column(JSON, default=list)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    days_covered: Mapped[int] = mapped_column(Integer, default=0)
    day_ranges: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cost_basis: Mapped[str] = mapped_column(String(16))
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(4000))


class DimensionValue(Base):
    """Every value a dimension has ever had: name lookup and suggestions without a table scan."""

    __tablename__ = "dimension_values"

    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024), primary_key=True)
    folded: Mapped[str] = mapped_column(String(1024))

    __table_args__ = (Index("ix_dimension_values_folded", "dimension", "folded"),)
