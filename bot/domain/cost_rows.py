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
