"""Spread charges whose period spans several days evenly over those UTC days."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from bot.domain.cost_rows import COST_AMOUNT_FIELDS, STORED_PLACES
from bot.domain.money import split_evenly


def spread_over_days(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """From rows keyed by (start_day, days, keys...) to daily rows keyed by (day, keys...).

    Most rows cover one day and pass through vectorised; the few multi-day charges (monthly
    fees, storage, commitments) are split with exact Decimal shares that add up to the charge.
    """
    one_day = pc.equal(table.column("days"), 1)
    single = table.filter(one_day)
    single = single.append_column(
        "day", single.column("start_day").cast(pa.int32()).cast(pa.date32())
    )
    single = single.drop_columns(["start_day", "days"])
    multi = table.filter(pc.invert(one_day))
    if multi.num_rows:
        spread = pa.Table.from_pylist(_split_rows(multi.to_pylist(), keys), schema=single.schema)
        single = pa.concat_tables([single, spread])
    return sum_by(single, ["day", *keys]).select(["day", *keys, *COST_AMOUNT_FIELDS])


def _split_rows(rows: list[dict], keys: Sequence[str]) -> list[dict]:
    out: list[dict] = []
    epoch = pa.scalar(0, pa.int32()).cast(pa.date32()).as_py()
    for row in rows:
        days = int(row["days"])
        shares = {
            name: split_evenly(row[name], days, places=STORED_PLACES) for name in COST_AMOUNT_FIELDS
        }
        first = epoch.toordinal() + int(row["start_day"])
        carried = {name: row[name] for name in keys}
        for offset in range(days):
            day = epoch.fromordinal(first + offset)
            out.append(
                {**carried, **{n: shares[n][offset] for n in COST_AMOUNT_FIELDS}, "day": day}
            )
    return out


def sum_by(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """The amounts summed per distinct `keys`."""
    summed = table.group_by(list(keys), use_threads=False).aggregate(
        [(name, "sum") for name in COST_AMOUNT_FIELDS]
    )
    renamed = [n.removesuffix("_sum") if n.endswith("_sum") else n for n in summed.column_names]
    return summed.rename_columns(renamed)
