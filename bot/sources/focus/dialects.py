"""Files that are nearly FOCUS 1.x: say what they are and what to export instead."""

from __future__ import annotations

from collections.abc import Iterable

from bot.sources.focus.columns import MANDATORY_COLUMNS, READ_COLUMNS

# Columns of FOCUS 0.5 that FOCUS 1.0-preview renamed (with the names they became; the
# specification's CHANGELOG, "Columns History").
FOCUS_0_5_COLUMNS: dict[str, str] = {
    "AmortizedCost": "EffectiveCost",
    "ChargeType": "ChargeCategory",
}
# The mandatory columns FOCUS 0.5 already had under their 1.x names.
_KEPT_SINCE_0_5 = ("BilledCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd")
_SNAKE = {name.lower(): name for name in READ_COLUMNS}
# Snake-case spellings of this many mandatory columns make a file FOCUS in snake_case.
_SNAKE_MANDATORY_SEEN = 3
_EXPORT_1_X = (
    "Export FOCUS 1.0 or newer (costbot reads 1.0 to 1.4; every major cloud offers it: AWS "
    "Data Exports 'FOCUS 1.0 with AWS columns', Azure Cost Management 'Cost and usage (FOCUS)' "
    "1.0 or later, the GCP and OCI FOCUS exports) and ingest that instead."
)


def near_focus_refusal(headers: Iterable[str]) -> str | None:
    """Why a header that lacks FOCUS 1.x's mandatory columns is FOCUS of another form, if it is:
    FOCUS 0.5, or FOCUS names in snake_case."""
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    folded = {h.lower() for h in headers}
    old = [name for name in FOCUS_0_5_COLUMNS if name.lower() in folded]
    # Other exports have a ChargeType too (Azure's usage details): FOCUS 0.5 is told by the
    # columns it shares with 1.x as well.
    if old and all(name.lower() in folded for name in _KEPT_SINCE_0_5):
        renamed = ", ".join(f"{name} is {FOCUS_0_5_COLUMNS[name]}" for name in old)
        return (
            f"this looks like FOCUS 0.5 (it has {', '.join(old)}), which costbot does not read: "
            f"FOCUS renamed those columns in 1.0-preview ({renamed} now). {_EXPORT_1_X}"
        )
    snake = {h: _SNAKE[h.replace("_", "").lower()] for h in headers if _is_snake_focus(h)}
    if len(set(snake.values()) & set(MANDATORY_COLUMNS)) >= _SNAKE_MANDATORY_SEEN:
        shown = ", ".join(f"{h} for {name}" for h, name in list(snake.items())[:4])
        return (
            f"the columns are FOCUS names in snake_case ({shown}); FOCUS names its columns in "
            "PascalCase (BilledCost, ChargePeriodStart...) and costbot reads them so. Export "
            "the FOCUS columns under their FOCUS names (a warehouse query that renamed them "
            "can select them AS BilledCost, ...), or rename the header row."
        )
    return None


def _is_snake_focus(header: str) -> bool:
    return "_" in header.strip("_") and header.replace("_", "").lower() in _SNAKE
