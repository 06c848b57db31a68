"""Turn a batch of FOCUS rows into daily cost aggregates with their allocation.

Everything here is vectorised with pyarrow: values that repeat (timestamps, tag strings) are
parsed once per distinct value, so a million-row file costs a few seconds, not minutes.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bot.domain.allocation import TAG_DIMENSIONS, AllocationRules, parse_tags
from bot.domain.cost_rows import (
    BILLING_PERIOD_PREFIX,
    CARRIED_FIELDS,
    COST_AMOUNT_FIELDS,
    COST_KEY_FIELDS,
    DAYS_PARTITION,
    PARTITION_FIELD,
)
from bot.services.ports import BatchResult, Rejection
from bot.sources.focus.columns import TAGS_COLUMN
from bot.sources.focus.reader import FocusBatch
from bot.sources.focus.spreading import spread_over_days

AMOUNT_TYPE = pa.decimal128(38, 12)
_WIDE_DECIMAL = pa.decimal256(76, 30)
# Casting text straight to this type is the fast path: 20 integer digits and 18 decimals.
_FAST_DECIMAL = pa.decimal128(38, 18)
_FAST_MAX_CHARS = 21  # a sign and 20 digits at most: always fits 20 integer digits
_AMOUNT_LIMIT = pa.scalar(Decimal(10) ** (AMOUNT_TYPE.precision - AMOUNT_TYPE.scale), _WIDE_DECIMAL)
_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,2})?$"
_NS_PER_DAY = 86_400 * 10**9
MAX_CHARGE_DAYS = 3660
REJECTIONS_KEPT = 10

_AMOUNT_SOURCES = {
    "billed_cost": "BilledCost",
    "effective_cost": "EffectiveCost",
    "list_cost": "ListCost",
    "usage_quantity": "ConsumedQuantity",
}


class FocusNormaliser:
    """Normalise the batches of one file with one set of allocation rules."""

    def __init__(self, rules: AllocationRules, file_label: str) -> None:
        self._rules = rules
        self._file = file_label
        self._tag_cache: dict[str, dict[str, str | None] | None] = {}

    def process(self, batch: FocusBatch) -> BatchResult:
        table = batch.table
        rows = table.num_rows
        amounts, problems = self._amounts(table)
        start, start_bad = _parse_times(_text(table, "ChargePeriodStart"))
        end, end_bad = _parse_times(_text(table, "ChargePeriodEnd"))
        currency = pc.utf8_upper(_text(table, "BillingCurrency"))
        problems += [
            (start_bad, "ChargePeriodStart", "is empty or not an ISO 8601 date-time"),
            (end_bad, "ChargePeriodEnd", "is empty or not an ISO 8601 date-time"),
            (pc.is_null(currency), "BillingCurrency", "is empty"),
        ]
        bad = _any(problems, rows)
        start_day, days = _charge_days(start, end, bad)
        too_long = pa.array(days > MAX_CHARGE_DAYS)
        too_long_reason = f"is more than {MAX_CHARGE_DAYS} days after ChargePeriodStart"
        problems.append((too_long, "ChargePeriodEnd", too_long_reason))
        bad = _any(problems, rows)
        rejections = self._first_rejections(table, problems, bad, batch.first_line)

        keys, unreadable = self._keys(table, currency)
        columns = {"start_day": pa.array(start_day), "days": pa.array(days), **keys, **amounts}
        columns[PARTITION_FIELD] = _partitions(_text(table, "BillingPeriodStart"))
        good = pc.invert(pa.array(bad))
        kept = pa.table(columns).filter(good)
        aggregates = spread_over_days(_sum_by(kept, ["start_day", "days", *CARRIED_FIELDS]))
        return BatchResult(
            aggregates=aggregates,
            rows_read=rows,
            rows_rejected=int(bad.sum()),
            rejections=rejections,
            unreadable_tags=unreadable,
            covered=_covered_days(start_day, days, ~bad),
        )

    def _amounts(self, table: pa.Table) -> tuple[dict[str, pa.Array], list]:
        amounts: dict[str, pa.Array] = {}
        problems: list = []
        for field_name, column in _AMOUNT_SOURCES.items():
            values, bad, too_large = _parse_amount(_text(table, column))
            amounts[field_name] = values
            problems.append((bad, column, "is not a number"))
            problems.append((too_large, column, "is too large"))
        return amounts, problems

    def _keys(self, table: pa.Table, currency: pa.Array) -> tuple[dict[str, pa.Array], int]:
        text = {name: _text(table, name) for name in table.column_names if name != TAGS_COLUMN}
        rows = table.num_rows

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
        allocation, unreadable = self._allocate(table)
        keys.update(allocation)
        self._apply_fallbacks(keys)
        return {name: keys[name] for name in COST_KEY_FIELDS}, unreadable

    def _allocate(self, table: pa.Table) -> tuple[dict[str, pa.Array], int]:
        rows = table.num_rows
        if TAGS_COLUMN not in table.column_names:
            return {dim: pa.nulls(rows, pa.string()) for dim in TAG_DIMENSIONS}, 0
        tags = table.column(TAGS_COLUMN).combine_chunks()
        if pa.types.is_string(tags.type) or pa.types.is_large_string(tags.type):
            encoded = tags.cast(pa.string()).dictionary_encode()
            distinct = [self._allocation_of(v) for v in encoded.dictionary.to_pylist()]
            indices = encoded.indices
        else:
            # Parquet maps and structs: one canonical JSON text per row, then the same cache.
            distinct = [self._allocation_of(_canonical_tags(v)) for v in tags.to_pylist()]
            indices = pa.array(np.arange(rows, dtype=np.int32))
        unreadable_mask = pa.array([a is None for a in distinct], pa.bool_())
        unreadable = int(pc.sum(pc.take(unreadable_mask, indices).fill_null(False)).as_py() or 0)
        columns = {}
        for dim in TAG_DIMENSIONS:
            values = pa.array([(a or {}).get(dim) for a in distinct], pa.string())
            columns[dim] = pc.take(values, indices)
        return columns, unreadable

    def _allocation_of(self, raw: str | None) -> dict[str, str | None] | None:
        """Allocation for one distinct Tags text; None when the text cannot be read as tags."""
        if raw is None:
            return {}
        if raw not in self._tag_cache:
            try:
                self._tag_cache[raw] = self._rules.allocate_tags(parse_tags(raw))
            except ValueError:
                self._tag_cache[raw] = None
        return self._tag_cache[raw]

    def _apply_fallbacks(self, keys: dict[str, pa.Array]) -> None:
        for rule in self._rules.fallbacks:
            matches = pa.array(np.ones(len(keys["currency"]), dtype=bool))
            for field_name, expected in rule.when.items():
                folded = pc.utf8_lower(keys[field_name])
                matches = pc.and_(
                    matches, pc.equal(folded, expected.strip().lower()).fill_null(False)
                )
            target = keys[rule.dimension]
            keys[rule.dimension] = pc.if_else(
                pc.and_(pc.is_null(target), matches), pa.scalar(rule.value.strip().lower()), target
            )

    def _first_rejections(
        self, table: pa.Table, problems: list, bad: np.ndarray, first_line: int
    ) -> list[Rejection]:
        rejections = []
        for index in np.flatnonzero(bad)[:REJECTIONS_KEPT]:
            for mask, column, reason in problems:
                if mask[int(index)].as_py():
                    value = _raw_value(table, column, int(index))
                    shown = f" {value!r}" if value is not None else ""
                    rejections.append(
                        Rejection(self._file, first_line + int(index), f"{column}{shown} {reason}")
                    )
                    break
        return rejections


def _text(table: pa.Table, name: str) -> pa.Array:
    """A column as trimmed text, empty meaning null; all-null when the file lacks it."""
    if name not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    column = table.column(name).combine_chunks()
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _raw_value(table: pa.Table, name: str, index: int) -> str | None:
    if name not in table.column_names:
        return None
    value = table.column(name)[index].as_py()
    return None if value is None else str(value)[:60]


def _parse_amount(text: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Exact decimals from text; a null amount counts as zero, text that is no number is bad.

    Returns the amounts, the rows that are no number, and the rows too large to store.
    """
    fast = _parse_amount_quickly(text)
    if fast is not None:
        return fast
    is_number = pc.match_substring_regex(text, _NUMBER)
    bad = pc.and_(pc.is_valid(text), pc.invert(is_number.fill_null(False)))
    clean = pc.if_else(bad, pa.scalar(None, pa.string()), text)
    try:
        wide = pc.cast(clean, _WIDE_DECIMAL)
    except pa.ArrowInvalid:
        # Too large for 46 integer digits, or more than 30 decimals (`1E-40`): row by row.
        wide = _parse_amount_slowly(clean)
    rounded = pc.round(wide, ndigits=12)
    # More integer digits than AMOUNT_TYPE holds: reject the row rather than fail the file.
    too_large = pc.or_(
        pc.and_(pc.is_valid(clean), pc.is_null(wide)),
        pc.greater_equal(pc.abs(rounded), _AMOUNT_LIMIT).fill_null(False),
    )
    kept = pc.if_else(too_large, pa.scalar(None, rounded.type), rounded)
    values = pc.cast(kept, AMOUNT_TYPE).fill_null(pa.scalar(0, AMOUNT_TYPE))
    return values, bad, too_large


def _parse_amount_quickly(text: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array] | None:
    """The common case in one cast: every value a number with at most 18 decimals that fits.

    Returns None when any value needs the careful path (bad text, huge or very long numbers).
    """
    # Arrow's text-to-decimal128 cast can wrap around silently on too many digits or a big
    # exponent ("1e+30"), so only short plain numbers, which cannot overflow, take this path.
    longest = pc.max(pc.utf8_length(text)).as_py() or 0
    if longest > _FAST_MAX_CHARS or pc.any(pc.match_substring(text, "e", ignore_case=True)).as_py():
        return None
    try:
        exact = pc.cast(text, _FAST_DECIMAL)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    rounded = pc.round(exact, ndigits=AMOUNT_TYPE.scale)
    if pc.any(pc.greater_equal(pc.abs(rounded), _AMOUNT_LIMIT)).as_py():
        return None
    values = pc.cast(rounded, AMOUNT_TYPE).fill_null(pa.scalar(0, AMOUNT_TYPE))
    clean = pa.array(np.zeros(len(text), dtype=bool))
    return values, clean, clean


def _parse_amount_slowly(text: pa.Array) -> pa.Array:
    """Numbers (text that matched _NUMBER) one by one: decimals beyond the wide type's scale
    are rounded off; a number too large for the wide type is null."""
    integer_digits = _WIDE_DECIMAL.precision - _WIDE_DECIMAL.scale
    quantum = Decimal(1).scaleb(-_WIDE_DECIMAL.scale)
    values: list[Decimal | None] = []
    with localcontext() as context:
        context.prec = 2 * _WIDE_DECIMAL.precision
        for value in text.to_pylist():
            number = None if value is None else Decimal(value)
            if number is None or number.adjusted() >= integer_digits:
                values.append(None)
            else:
                values.append(number.quantize(quantum))
    return pa.array(values, _WIDE_DECIMAL)


def _parse_times(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """UTC nanoseconds from ISO 8601 text (`T` or space, `Z`, offset or none); bad -> mask."""
    encoded = text.dictionary_encode()
    distinct = pd.Series(encoded.dictionary.to_pylist(), dtype=object)
    parsed = pd.to_datetime(distinct, utc=True, format="ISO8601", errors="coerce")
    # pandas may pick micro- or nanoseconds for the parsed values; pin the unit before counting.
    ticks = parsed.dt.as_unit("ns").astype("int64")
    nanos = pa.array(ticks.where(parsed.notna(), None), pa.int64())
    values = pc.take(nanos, encoded.indices)
    bad = pc.is_null(values)
    return values.fill_null(0).to_numpy(zero_copy_only=False), bad


def _charge_days(
    start: np.ndarray, end: np.ndarray, bad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First UTC day and number of days of each charge period (end exclusive, at least one)."""
    first = start // _NS_PER_DAY
    last = (end - 1) // _NS_PER_DAY
    days = np.maximum(last - first + 1, 1)
    days = np.where(bad, 1, days)
    return (first.astype("int32")).view("int32"), days.astype("int64")


def _partitions(billing_period_start: pa.Array) -> pa.Array:
    """Each row's billing period ("bp:2024-06-01"), or "days" where it has none we can read."""
    nanos, bad = _parse_times(billing_period_start)
    days = (nanos // _NS_PER_DAY).astype("int32")
    text = pc.cast(pa.array(days, pa.int32()).cast(pa.date32()), pa.string())
    labelled = pc.binary_join_element_wise(BILLING_PERIOD_PREFIX, text, "")
    return pc.if_else(bad, pa.scalar(DAYS_PARTITION), labelled)


def _covered_days(
    start_day: np.ndarray, days: np.ndarray, good: np.ndarray
) -> tuple[date, date] | None:
    """First and last day that the readable rows' charge periods touch."""
    if not good.any():
        return None
    first = int(start_day[good].min())
    last = int((start_day[good] + days[good] - 1).max())
    epoch = date(1970, 1, 1)
    return epoch + timedelta(days=first), epoch + timedelta(days=last)


def _any(problems: list, rows: int) -> np.ndarray:
    bad = np.zeros(rows, dtype=bool)
    for mask, _column, _reason in problems:
        bad |= np.asarray(
            pa.array(mask).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool
        )
    return bad


def _sum_by(table: pa.Table, keys: list[str]) -> pa.Table:
    summed = table.group_by(keys, use_threads=False).aggregate(
        [(name, "sum") for name in COST_AMOUNT_FIELDS]
    )
    return summed.rename_columns(
        [
            name.removesuffix("_sum") if name.endswith("_sum") else name
            for name in summed.column_names
        ]
    )


def _canonical_tags(value: object) -> str | None:
    if value is None or isinstance(value, str):
        # Text already (a dictionary-encoded or string-view Tags column): parse it as it is.
        return value
    if isinstance(value, list):
        value = {str(k): v for k, v in value}
    return json.dumps(value, sort_keys=True, default=str)
