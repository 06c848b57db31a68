"""Rows whose mandatory cost (BilledCost, EffectiveCost) is empty.

FOCUS requires both on every row; the amounts parser reads an empty one as 0, so each is
counted here first, and the ingest warns that answers on that basis read 0 for those rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bot.sources.focus.parsing import combined

MANDATORY_COST_COLUMNS: tuple[str, ...] = ("BilledCost", "EffectiveCost")


def mandatory_costs_missing(table: pa.Table) -> dict[str, np.ndarray]:
    """Per mandatory cost column, a mask of the rows where it is empty (or blank)."""
    masks = {}
    for name in MANDATORY_COST_COLUMNS:
        if name not in table.column_names:
            continue  # the header check refuses such a file; nothing to count here
        column = combined(table.column(name))
        empty = pc.is_null(column)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            blank = pc.or_(pc.equal(column, ""), pc.utf8_is_space(column))  # "" and "  " too
            empty = pc.or_(empty, blank.fill_null(False))
        masks[name] = empty.to_numpy(zero_copy_only=False)
    return masks


def count_kept(masks: dict[str, np.ndarray], kept: np.ndarray) -> dict[str, int]:
    """How many of the kept rows each column is empty on; columns never empty are left out."""
    counts = {name: int((mask & kept).sum()) for name, mask in masks.items()}
    return {name: count for name, count in counts.items() if count}
