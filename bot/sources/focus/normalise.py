"""Turn a batch of FOCUS rows into daily cost aggregates with their allocation.

Only the amounts and charge periods are read row by row; the descriptive columns are read
once per distinct combination (see describe.py), and rows are summed by small integer codes.
A million-row file takes seconds, not minutes.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from bot.domain.allocation import AllocationRules
from bot.domain.cost_rows import CARRIED_FIELDS, COST_AMOUNT_FIELDS
from bot.services.ports import BatchResult, Rejection
from bot.sources.focus.describe import Describer
from bot.sources.focus.missing_costs import count_kept, mandatory_costs_missing
from bot.sources.focus.parsing import as_mask, parse_amounts, parse_times_in_range
from bot.sources.focus.reader import FocusBatch
from bot.sources.focus.spreading import spread_over_days, sum_by
from bot.sources.focus.validation import stored_field_problems

_NS_PER_DAY = 86_400 * 10**9
MAX_CHARGE_DAYS = 3660
REJECTIONS_KEPT = 10
_KEY = "key"  # a row of the batch's distinct keys
_OUT_OF_RANGE = "is outside the years 1970 to 2199, so it is no billing time"

_AMOUNT_SOURCES = {
    "billed_cost": "BilledCost",
    "effective_cost": "EffectiveCost",
    "list_cost": "ListCost",
    "usage_quantity": "ConsumedQuantity",
}

# (a mask of rows, the column to blame, what is wrong)
Problem = tuple[np.ndarray, str, str]


class FocusNormaliser:
    """Normalise the batches of one file with one set of allocation rules."""

    def __init__(self, rules: AllocationRules, file_label: str) -> None:
        self._describer = Describer(rules)
        self._file = file_label

    def process(self, batch: FocusBatch) -> BatchResult:
        table = batch.table
        rows = table.num_rows
        amounts, problems = _amounts(table)
        empty_costs = mandatory_costs_missing(table)
        start, start_bad, start_far = parse_times_in_range(_column(table, "ChargePeriodStart"))
        end, end_bad, end_far = parse_times_in_range(_column(table, "ChargePeriodEnd"))
        combination, sample = self._describer.combinations(table)
        described = self._describer.describe(sample)
        readable = ~(start_bad | start_far | end_bad | end_far)
        problems += [
            (start_bad, "ChargePeriodStart", "is empty or not an ISO 8601 date-time"),
            (end_bad, "ChargePeriodEnd", "is empty or not an ISO 8601 date-time"),
            (start_far, "ChargePeriodStart", _OUT_OF_RANGE),
            (end_far, "ChargePeriodEnd", _OUT_OF_RANGE),
            (readable & (end < start), "ChargePeriodEnd", "is before ChargePeriodStart"),
            (described.no_currency[combination], "BillingCurrency", "is empty"),
        ]
        key_of_row = described.key_of[combination]
        problems += [
            (mask[key_of_row], column, reason)
            for mask, column, reason in stored_field_problems(described.keys)
        ]
        start_day, days = _charge_days(start, end, _any(problems, rows))
        too_long = f"is more than {MAX_CHARGE_DAYS} days after ChargePeriodStart"
        problems.append((days > MAX_CHARGE_DAYS, "ChargePeriodEnd", too_long))
        bad = _any(problems, rows)
        good = ~bad

        charges = pa.table(
            {
                _KEY: described.key_of[combination][good],
                "start_day": start_day[good],
                "days": days[good],
                **{name: values.filter(pa.array(good)) for name, values in amounts.items()},
            }
        )
        daily = spread_over_days(sum_by(charges, [_KEY, "start_day", "days"]), [_KEY])
        keys = described.keys.take(daily.column(_KEY))
        aggregates = pa.table(
            [daily.column("day"), *keys.columns, *(daily.column(n) for n in COST_AMOUNT_FIELDS)],
            names=["day", *CARRIED_FIELDS, *COST_AMOUNT_FIELDS],
        )
        return BatchResult(
            aggregates=aggregates,
            rows_read=rows,
            rows_rejected=int(bad.sum()),
            rejections=self._first_rejections(table, problems, bad, batch.first_line),
            unreadable_tags=int(described.unreadable_tags[combination].sum()),
            covered=_covered_days(start_day, days, good),
            null_costs=count_kept(empty_costs, good),
        )

    def _first_rejections(
        self, table: pa.Table, problems: list[Problem], bad: np.ndarray, first_line: int
    ) -> list[Rejection]:
        rejections = []
        for index in np.flatnonzero(bad)[:REJECTIONS_KEPT]:
            for mask, column, reason in problems:
                if mask[index]:
                    value = _raw_value(table, column, int(index))
                    shown = f" {value!r}" if value is not None else ""
                    rejections.append(
                        Rejection(self._file, first_line + int(index), f"{column}{shown} {reason}")
                    )
                    break
        return rejections


def _amounts(table: pa.Table) -> tuple[dict[str, pa.Array], list[Problem]]:
    amounts: dict[str, pa.Array] = {}
    problems: list[Problem] = []
    for field_name, column in _AMOUNT_SOURCES.items():
        values, bad, too_large = parse_amounts(_column(table, column))
        amounts[field_name] = values
        problems.append((bad, column, "is not a number"))
        problems.append((too_large, column, "is too large"))
    return amounts, problems


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | pa.Array:
    """A column by its FOCUS name; all null when the file lacks it."""
    if name not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    return table.column(name)


def _raw_value(table: pa.Table, name: str, index: int) -> str | None:
    if name not in table.column_names:
        return None
    value = table.column(name)[index].as_py()
    return None if value is None else str(value)[:60]


def _charge_days(
    start: np.ndarray, end: np.ndarray, bad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First UTC day and number of days of each charge period (end exclusive, at least one)."""
    first = start // _NS_PER_DAY
    last = (end - 1) // _NS_PER_DAY
    days = np.maximum(last - first + 1, 1)
    days = np.where(bad, 1, days)
    return first.astype("int32"), days.astype("int64")


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


def _any(problems: list[Problem], rows: int) -> np.ndarray:
    bad = np.zeros(rows, dtype=bool)
    for mask, _column, _reason in problems:
        bad |= as_mask(mask)
    return bad
