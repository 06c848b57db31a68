"""What each distinct combination of a batch's descriptive columns stands for.

A resource's account, service, region and tags repeat on every one of its hourly rows, so
costbot reads them once per distinct combination: the cost key (with the allocation from tags
and fallbacks), the billing period the rows belong to, and what is wrong with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bot.domain.allocation import TAG_DIMENSIONS, AllocationRules, canonical_tags, parse_tags
from bot.domain.cost_rows import (
    ACCOUNT_SEPARATOR,
    BILLING_PERIOD_PREFIX,
    CARRIED_FIELDS,
    COST_KEY_FIELDS,
    DAYS_PARTITION,
    PARTITION_FIELD,
    account_digest,
)
from bot.sources.focus.columns import TAGS_COLUMN, TEXT_COLUMNS
from bot.sources.focus.parsing import (
    distinct_codes,
    distinct_rows,
    first_rows,
    parse_times,
    trimmed_text,
)

# The columns that say what a cost is and whose: everything but the amounts and charge times.
DESCRIPTIVE_COLUMNS: tuple[str, ...] = (*TEXT_COLUMNS, TAGS_COLUMN, "BillingPeriodStart")
_NS_PER_DAY = 86_400 * 10**9
_NO_TAGS: tuple[dict[str, str | None], str | None] = ({}, None)


@dataclass(frozen=True)
class Descriptions:
    """One entry per distinct combination of descriptive values (a "combination" below)."""

    keys: pa.Table  # distinct CARRIED_FIELDS rows
    key_of: np.ndarray  # combination -> row of `keys`
    no_currency: np.ndarray  # combination -> BillingCurrency is empty
    unreadable_tags: np.ndarray  # combination -> Tags could not be read as tags


class Describer:
    """Describe combinations with one set of allocation rules; remembers parsed tags."""

    def __init__(self, rules: AllocationRules) -> None:
        self._rules = rules
        # Per distinct Tags text: its allocation and its tags as stored; None if unreadable.
        self._tag_cache: dict[str, tuple[dict[str, str | None], str | None] | None] = {}

    def combinations(self, table: pa.Table) -> tuple[np.ndarray, pa.Table]:
        """Each row's combination code, and one row of `table` per combination."""
        present = [name for name in DESCRIPTIVE_COLUMNS if name in table.column_names]
        columns = [
            _tags_as_text(table.column(n)) if n == TAGS_COLUMN else table.column(n) for n in present
        ]
        codes = distinct_rows(columns, table.num_rows)
        sample = pa.table(columns, names=present).take(first_rows(codes))
        return codes, sample

    def describe(self, sample: pa.Table) -> Descriptions:
        """Keys for the rows of `sample`, one per combination."""
        text = {
            name: trimmed_text(sample.column(name))
            for name in sample.column_names
            if name != TAGS_COLUMN
        }
        currency = pc.utf8_upper(
            text.get("BillingCurrency", pa.nulls(sample.num_rows, pa.string()))
        )
        keys, unreadable = self._keys(sample, text, currency)
        keys[PARTITION_FIELD] = _with_accounts(
            _partitions(sample, "BillingPeriodStart"), keys["billing_account_id"]
        )
        carried = pa.table([keys[name] for name in CARRIED_FIELDS], names=list(CARRIED_FIELDS))
        key_of = distinct_rows(carried.columns, carried.num_rows)
        return Descriptions(
            keys=carried.take(first_rows(key_of)),
            key_of=key_of,
            no_currency=pc.is_null(currency).to_numpy(zero_copy_only=False),
            unreadable_tags=unreadable,
        )

    def _keys(
        self, sample: pa.Table, text: dict[str, pa.Array], currency: pa.Array
    ) -> tuple[dict[str, pa.Array], np.ndarray]:
        rows = sample.num_rows

        def pick(*names: str) -> pa.Array:
            present = [text[n] for n in names if n in text]
            if not present:
                return pa.nulls(rows, pa.string())
            return pc.coalesce(*present) if len(present) > 1 else present[0]

        keys = {
            "billing_account_id": pick("BillingAccountId"),
            "billing_account_name": pick("BillingAccountName"),
            "sub_account_id": pick("SubAccountId"),
            # The `account` dimension: a sub account's name, or its id where the name is missing.
            "sub_account_name": pick("SubAccountName", "SubAccountId"),
            "provider": pick("ProviderName", "ServiceProviderName"),
            "service_name": pick("ServiceName"),
            "service_category": pick("ServiceCategory"),
            "region": pick("RegionId", "RegionName"),
            "resource_id": pick("ResourceId", "ResourceName"),
            "resource_name": pick("ResourceName"),
            "resource_type": pick("ResourceType"),
            "charge_category": pick("ChargeCategory"),
            "currency": currency,
            "usage_unit": pick("ConsumedUnit"),
        }
        allocation, unreadable = self._allocate(sample)
        keys.update(allocation)
        self._apply_fallbacks(keys, rows)
        return {name: keys[name] for name in COST_KEY_FIELDS}, unreadable

    def _allocate(self, sample: pa.Table) -> tuple[dict[str, pa.Array], np.ndarray]:
        rows = sample.num_rows
        if TAGS_COLUMN not in sample.column_names:
            columns = {name: pa.nulls(rows, pa.string()) for name in (*TAG_DIMENSIONS, "tags")}
            return columns, np.zeros(rows, bool)
        read = [self._tags_of(raw) for raw in sample.column(TAGS_COLUMN).to_pylist()]
        unreadable = np.array([r is None for r in read], dtype=bool)
        known = [r or _NO_TAGS for r in read]
        columns = {
            dim: pa.array([allocation.get(dim) for allocation, _ in known], pa.string())
            for dim in TAG_DIMENSIONS
        }
        columns["tags"] = pa.array([stored for _, stored in known], pa.string())
        return columns, unreadable

    def _tags_of(self, raw: str | None) -> tuple[dict[str, str | None], str | None] | None:
        """Allocation and stored tags for one distinct Tags text; None when the text cannot be
        read as tags (its cost is unallocated, and no tags are stored for it)."""
        if raw is None:
            return _NO_TAGS
        if raw not in self._tag_cache:
            try:
                tags = parse_tags(raw)
                self._tag_cache[raw] = (self._rules.allocate_tags(tags), canonical_tags(tags))
            except (ValueError, RecursionError):
                self._tag_cache[raw] = None
        return self._tag_cache[raw]

    def _apply_fallbacks(self, keys: dict[str, pa.Array], rows: int) -> None:
        for rule in self._rules.fallbacks:
            matches = pa.array(np.ones(rows, dtype=bool))
            for field_name, expected in rule.when.items():
                folded = pc.utf8_lower(keys[field_name])
                matches = pc.and_(
                    matches, pc.equal(folded, expected.strip().lower()).fill_null(False)
                )
            target = keys[rule.dimension]
            keys[rule.dimension] = pc.if_else(
                pc.and_(pc.is_null(target), matches), pa.scalar(rule.value.strip().lower()), target
            )


def _partitions(sample: pa.Table, column: str) -> pa.Array:
    """Each row's billing period ("bp:2024-06-01"), or "days" where it has none we can read."""
    if column not in sample.column_names:
        return pa.array([DAYS_PARTITION] * sample.num_rows, pa.string())
    nanos, bad = parse_times(sample.column(column))
    days = pa.array((nanos // _NS_PER_DAY).astype("int32"), pa.int32()).cast(pa.date32())
    labelled = pc.binary_join_element_wise(BILLING_PERIOD_PREFIX, pc.cast(days, pa.string()), "")
    return pc.if_else(pa.array(bad), pa.scalar(DAYS_PARTITION), labelled)


def _with_accounts(partitions: pa.Array, billing_account_ids: pa.Array) -> pa.Array:
    """Each row's partition of its billing account (see cost_rows): a digest is added per
    distinct account id; rows without one keep the plain partition."""
    codes, accounts = distinct_codes(billing_account_ids)
    suffixes = [ACCOUNT_SEPARATOR + account_digest(a) for a in accounts.to_pylist()]
    # One extra slot at the end stands for rows without an account id (code -1).
    codes = np.where(codes < 0, len(suffixes), codes)
    suffix = pa.array([*suffixes, ""], pa.string()).take(pa.array(codes, pa.int64()))
    return pc.binary_join_element_wise(partitions, suffix, "")


def _tags_as_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Tags as text: CSV text as it is; a Parquet map or struct as canonical JSON per row."""
    if pa.types.is_string(column.type):
        return column
    if pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    return pa.array([_canonical_tags(v) for v in column.to_pylist()], pa.string())


def _key_value(item: object) -> tuple[str, object]:
    if isinstance(item, dict):
        return str(item.get("key")), item.get("value")
    key, value = item  # type: ignore[misc]
    return str(key), value


def _canonical_tags(value: object) -> str | None:
    if value is None or isinstance(value, str):
        # Text already (a dictionary-encoded or string-view Tags column): parse it as it is.
        return value
    if isinstance(value, list):  # a Parquet map, or BigQuery's list of {key, value} labels
        value = dict(_key_value(item) for item in value)
    return json.dumps(value, sort_keys=True, default=str)
