"""Turn batches of an Azure EA/MCA cost export into FOCUS-named text columns.

One export holds one cost basis. An "actual" export's cost is what the invoice says (FOCUS
BilledCost): reservation and savings plan purchases appear whole, on the day bought, and the
usage they cover costs 0. An "amortized" export spreads those purchases over the usage they
cover (FOCUS EffectiveCost), and shows the commitment left unused as `UnusedReservation` and
`UnusedSavingsPlan` charges. costbot stores the export's one cost in both BilledCost and
EffectiveCost: without the other export, the other basis is unknown, and the same value is the
only one that is not invented. Which basis a file holds is recorded in its ingest label.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc

from bot.sources.azure_cost_export import columns as az
from bot.sources.focus.parsing import distinct_codes, trimmed_text

COST_TYPES = ("actual", "amortized", "auto")

# FOCUS ChargeCategory per Azure ChargeType (FOCUS 1.0: Usage, Purchase, Tax, Credit, Adjustment).
CHARGE_CATEGORIES: dict[str, str] = {
    "usage": "Usage",
    "unusedreservation": "Usage",
    "unusedsavingsplan": "Usage",
    "purchase": "Purchase",
    "tax": "Tax",
    "refund": "Credit",
    "credit": "Credit",
}
OTHER_CATEGORY = "Adjustment"  # RoundingAdjustment and anything newer
_COMMITMENT_MODELS = ("reservation", "savingsplan", "savings plan")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")


def read_columns(header: az.AzureHeader) -> list[str]:
    return list(dict.fromkeys(header.spelled.values()))


def convert_batch(batch: pa.Table, header: az.AzureHeader) -> pa.Table:
    """FOCUS-named text columns for one batch of export rows (read with `read_columns`)."""
    rows = batch.num_rows

    def column(name: str) -> pa.Array:
        if not header.has(name):
            return pa.nulls(rows, pa.string())
        return trimmed_text(batch.column(header.spelled[name]))

    cost = column(az.COST)
    start, end = _charge_days(column(az.DATE))
    out: dict[str, pa.Array] = {
        "BilledCost": cost,
        "EffectiveCost": cost,
        "BillingCurrency": column(az.CURRENCY),
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ChargeCategory": _charge_categories(column(az.CHARGE_TYPE)),
        "ProviderName": pa.array(["Microsoft"] * rows, pa.string()),
    }
    if header.has(az.BILLING_PERIOD_START):
        out["BillingPeriodStart"] = _charge_days(column(az.BILLING_PERIOD_START))[0]
    for focus_name, name in az.RENAMED.items():
        if header.has(name):
            out[focus_name] = column(name)
    if header.has(az.TAGS):
        out["Tags"] = _braced(column(az.TAGS))
    return pa.table(out)


def _charge_days(dates: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Each row's day as a UTC charge period [day, next day), from `MM/DD/YYYY` or ISO dates.

    A date that cannot be read is passed on as it is, for the normaliser to reject the row.
    """
    codes, values = distinct_codes(dates)
    starts: list[str | None] = []
    ends: list[str | None] = []
    for text in values.to_pylist():
        day = _parse_day(text)
        starts.append(f"{day.isoformat()}T00:00:00Z" if day else text)
        ends.append(f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z" if day else text)
    index = pa.array(codes).cast(pa.int64())
    index = pc.if_else(pc.less(index, 0), pa.scalar(None, pa.int64()), index)
    return pa.array(starts, pa.string()).take(index), pa.array(ends, pa.string()).take(index)


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    if match := _US_DATE.match(text):
        month, day, year = (int(g) for g in match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _charge_categories(charge_types: pa.Array) -> pa.Array:
    keys = pa.array(list(CHARGE_CATEGORIES), pa.string())
    values = pa.array(list(CHARGE_CATEGORIES.values()), pa.string())
    index = pc.index_in(pc.utf8_lower(charge_types), value_set=keys)
    return pc.take(values, index).fill_null(OTHER_CATEGORY)


def _braced(tags: pa.Array) -> pa.Array:
    """Azure writes tags as a JSON object without its braces (`"env": "prod","team": "ml"`)."""
    is_bare = pc.invert(pc.starts_with(tags, "{")).fill_null(False)
    wrapped = pc.binary_join_element_wise("{", tags, "}", "")
    return pc.if_else(is_bare, wrapped, tags)


def detect_cost_type(name: str, batches) -> str:
    """Whether a file is an actual or an amortized export: by its name where it says, else by
    its rows. Only an amortized export has unused-commitment charges or usage that costs
    something under a reservation or savings plan; only an actual one has commitment
    purchases that cost something. A file with no commitment at all is the same on both bases,
    and is called actual."""
    folded = name.lower()
    if "amortized" in folded or "amortised" in folded:
        return "amortized"
    if "actual" in folded:
        return "actual"
    for batch in batches:
        verdict = _cost_type_of_rows(batch)
        if verdict is not None:
            return verdict
    return "actual"


def _cost_type_of_rows(batch: pa.Table) -> str | None:
    charge = pc.utf8_lower(trimmed_text(batch.column("charge_type")))
    model = pc.utf8_lower(trimmed_text(batch.column("pricing_model")))
    if pc.any(pc.is_in(charge, pa.array(["unusedreservation", "unusedsavingsplan"]))).as_py():
        return "amortized"
    committed = pc.is_in(model, pa.array(list(_COMMITMENT_MODELS))).fill_null(False)
    costs = batch.column("cost").to_pylist()
    for kind, verdict in (("usage", "amortized"), ("purchase", "actual")):
        mask = pc.and_(committed, pc.equal(charge, kind).fill_null(False))
        for index in pc.indices_nonzero(mask).to_pylist():
            if _nonzero(costs[index]):
                return verdict
    return None


def _nonzero(text: str | None) -> bool:
    try:
        return text is not None and Decimal(text) != 0
    except InvalidOperation:
        return False
