"""The shape of a stored daily cost aggregate, shared by sources and the store."""

from __future__ import annotations

import hashlib
import re

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
    # The resource's tags as billed (canonical JSON, see allocation.canonical_tags). Part of
    # the key: a resource whose tags change mid-month is two keys, each with the tags it had,
    # so a re-ingest never leaves a key holding tags its rows no longer carry.
    "tags",
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
# billing period of their billing account ("bp:2024-06-01:" and a digest of BillingAccountId):
# re-ingesting June's export replaces June's rows of the accounts it holds, including a
# correction it dates back to April, and never April's own rows nor another provider's or
# account's June. Rows without a billing period fall back to the days their file covers, per
# billing account too ("days:" and the digest). Rows without a billing account keep the plain
# forms ("bp:2024-06-01", "days").
# A source's name is stored with every fact (storage/models.py sizes its columns from this).
SOURCE_NAME_LENGTH = 64
_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def source_name_problem(name: str) -> str | None:
    """Why `name` cannot name a source, or None: the same answer on SQLite and PostgreSQL."""
    if len(name) > SOURCE_NAME_LENGTH:
        return f"a source name has at most {SOURCE_NAME_LENGTH} characters"
    if not _SOURCE_NAME.fullmatch(name):
        return "a source name is letters, digits, '.', '_' and '-', starting with a letter or digit"
    return None


PARTITION_FIELD = "partition"
DAYS_PARTITION = "days"
BILLING_PERIOD_PREFIX = "bp:"
ACCOUNT_SEPARATOR = ":"
ACCOUNT_DIGEST_CHARS = 16
# Widest partition: "days:" or "bp:2024-06-01:" and the digest; the columns hold 64.
PARTITION_CHARS = 64
CARRIED_FIELDS: tuple[str, ...] = (*COST_KEY_FIELDS, PARTITION_FIELD)


def account_digest(billing_account_id: str | None) -> str:
    """A short stable digest of a billing account id ("" for none): the partition's suffix.

    A digest, not the id: ids run to 256 characters, and a partition is part of every fact's
    key. (The 0003 migration computes the same digest for the rows it rewrites.)
    """
    if billing_account_id is None:
        return ""
    return hashlib.sha256(billing_account_id.encode("utf-8")).hexdigest()[:ACCOUNT_DIGEST_CHARS]


def with_account(partition: str, billing_account_id: str | None) -> str:
    """A partition of one billing account: "bp:2024-06-01" -> "bp:2024-06-01:<digest>"."""
    digest = account_digest(billing_account_id)
    return f"{partition}{ACCOUNT_SEPARATOR}{digest}" if digest else partition


def account_suffix(partition: str) -> str:
    """The billing account digest a partition carries ("" for none)."""
    if partition.startswith(BILLING_PERIOD_PREFIX):
        return partition[len(BILLING_PERIOD_PREFIX) :].partition(ACCOUNT_SEPARATOR)[2]
    return partition.partition(ACCOUNT_SEPARATOR)[2]


def days_partition_of(partition: str) -> str:
    """The days partition of the same billing account as `partition`."""
    digest = account_suffix(partition)
    return f"{DAYS_PARTITION}{ACCOUNT_SEPARATOR}{digest}" if digest else DAYS_PARTITION


def is_days_partition(partition: str) -> bool:
    return partition == DAYS_PARTITION or partition.startswith(DAYS_PARTITION + ACCOUNT_SEPARATOR)


def billing_period_of(partition: str) -> str | None:
    """The billing period's first day ("2024-06-01") a partition names; None for days."""
    if not partition.startswith(BILLING_PERIOD_PREFIX):
        return None
    return partition[len(BILLING_PERIOD_PREFIX) :].split(ACCOUNT_SEPARATOR, 1)[0]


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
    # Stored as TEXT; the limit is far above what any provider allows (AWS: 50 tags of 128 +
    # 256 characters; Azure: 50 of 512 + 256; GCP: 64 labels of 63 + 63), so only a broken
    # or hostile file meets it, and one row's tags never make a key of megabytes.
    "tags": 65_536,
}
# A dimension's value as remembered for lookups: the longest key field that feeds a dimension.
DIMENSION_VALUE_LENGTH = 1024

# The cost field that holds each dimension's value, where it is not named after the dimension.
_DIMENSION_FIELDS = {
    "service": "service_name",
    "account": "sub_account_name",
    "resource": "resource_id",
}


def dimension_field(dimension: str) -> str:
    """The cost field to group or filter by for `dimension` (`service` -> `service_name`)."""
    return _DIMENSION_FIELDS.get(dimension, dimension)
