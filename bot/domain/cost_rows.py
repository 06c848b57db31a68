"""The shape of a stored daily cost aggregate, shared by sources and the store."""

from __future__ import annotations

# Fields that identify one daily aggregate, besides its day and source.
COST_KEY_FIELDS: tuple[str, ...] = (
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
COST_AMOUNT_FIELDS: tuple[str, ...] = (
    "billed_cost",
    "effective_cost",
    "list_cost",
    "usage_quantity",
)
COST_BASES: dict[str, str] = {"effective": "effective_cost", "billed": "billed_cost"}

# Decimal places kept in the store (a nano-unit of the currency). Anything split before
# storing (a monthly fee spread over its days) is split at this precision, so it still adds up.
STORED_PLACES = 9

# What an ingest replaces. Rows from a FOCUS file carrying BillingPeriodStart belong to that
# billing period ("bp:2024-06-01"): re-ingesting June's export replaces June's rows, including a
# correction it dates back to April, and never April's own rows. Rows without a billing period
# fall back to the days their file covers ("days").
PARTITION_FIELD = "partition"
DAYS_PARTITION = "days"
BILLING_PERIOD_PREFIX = "bp:"
CARRIED_FIELDS: tuple[str, ...] = (*COST_KEY_FIELDS, PARTITION_FIELD)

# The longest text the store keeps in each descriptive field, in characters (PostgreSQL's
# VARCHAR counts characters). storage/models.py sizes its columns from these numbers, and the
# sources reject a longer value before it reaches the store, so SQLite (which would keep any
# length) and PostgreSQL (which would fail the whole ingest) accept the same files.
COST_KEY_FIELD_LENGTHS: dict[str, int] = {
    "billing_account_id": 256,
    "billing_account_name": 256,
    "sub_account_id": 256,
    "sub_account_name": 256,
    "provider": 128,
    "service_name": 256,
    "service_category": 128,
    "region": 128,
    "resource_id": 1024,
    "resource_name": 1024,
    "resource_type": 256,
    "charge_category": 64,
    "currency": 16,
    "usage_unit": 128,
    "project": 256,
    "team": 256,
    "owner": 256,
    "model": 256,
    "environment": 256,
}
# A dimension's value as remembered for lookups: the longest key field that feeds a dimension.
DIMENSION_VALUE_LENGTH = 1024
