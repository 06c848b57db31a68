"""Warnings an ingest owes its user: what it stored that answers will not read as billed."""

from __future__ import annotations

from bot.services.ports import IngestRunRecord

# The cost basis each mandatory cost column feeds.
_BASIS_OF = {"BilledCost": "billed", "EffectiveCost": "effective"}


def null_cost_warnings(run: IngestRunRecord) -> list[str]:
    """One warning per mandatory cost column that was empty on stored rows, with its share."""
    stored = run.rows_read - run.rows_rejected
    warnings = []
    for column, count in sorted(run.null_costs.items()):
        if not count or stored <= 0:
            continue
        basis = _BASIS_OF.get(column, column)
        warnings.append(
            f"{column} is empty on {count:,} of {stored:,} rows stored ({_share(count, stored)}); "
            f"FOCUS requires it, costbot stored 0 there, so answers on the {basis} basis will "
            f"read 0 for those rows. Check the export, or ask on the other basis."
        )
    return warnings


def _share(count: int, total: int) -> str:
    percent = 100 * count / total
    if percent < 0.1:
        return "under 0.1%"
    return f"{percent:.1f}%"
