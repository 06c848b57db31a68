"""Turn a batch of legacy CUR rows into FOCUS-named text columns, amortising as AWS does.

EffectiveCost per `lineItem/LineItemType` follows AWS's amortised-cost rule (the CUR query
library's amortised-cost CASE, which the FinOps Foundation's focus_converters also use for
FOCUS EffectiveCost):

- Usage, and any type not below: the unblended cost.
- DiscountedUsage: `reservation/EffectiveCost` (the RI's upfront and hourly fee, per hour used).
- SavingsPlanCoveredUsage: `savingsPlan/SavingsPlanEffectiveCost`.
- SavingsPlanNegation: 0 (it only cancels the covered usage's on-demand cost on the bill).
- SavingsPlanUpfrontFee: 0 (amortised into the covered usage).
- SavingsPlanRecurringFee: `savingsPlan/TotalCommitmentToDate - savingsPlan/UsedCommitment`,
  the commitment left unused.
- RIFee: `reservation/UnusedAmortizedUpfrontFeeForBillingPeriod + reservation/UnusedRecurringFee`,
  the reservation's unused part.
- Fee with a `reservation/ReservationARN`: 0 (an RI's upfront fee, amortised into its usage).

BilledCost is always `lineItem/UnblendedCost`, what the invoice says.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc

from bot.sources.aws_cur import columns as cur
from bot.sources.focus.parsing import distinct_rows, first_rows, trimmed_text

# FOCUS ChargeCategory per line item type (FOCUS 1.0: Usage, Purchase, Tax, Credit, Adjustment).
CHARGE_CATEGORIES: dict[str, str] = {
    "Usage": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    "SavingsPlanNegation": "Usage",
    "Fee": "Purchase",
    "RIFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase",
    "Tax": "Tax",
    "Credit": "Credit",
    "Refund": "Credit",
    "BundledDiscount": "Credit",
    "Discount": "Credit",
    "EdpDiscount": "Credit",
    "PrivateRateDiscount": "Credit",
    "DistributorDiscount": "Credit",
}
OTHER_CATEGORY = "Adjustment"

# Line item type -> the column whose value is its effective cost.
_EFFECTIVE_FROM: dict[str, str] = {
    "DiscountedUsage": cur.RESERVATION_EFFECTIVE_COST,
    "SavingsPlanCoveredUsage": cur.SAVINGS_PLAN_EFFECTIVE_COST,
}
_ZERO_EFFECTIVE = ("SavingsPlanNegation", "SavingsPlanUpfrontFee")
# Line item type -> (column, sign) terms summed for its effective cost: the unused part.
_EFFECTIVE_SUMS: dict[str, tuple[tuple[str, int], ...]] = {
    "RIFee": ((cur.RESERVATION_UNUSED_UPFRONT, 1), (cur.RESERVATION_UNUSED_RECURRING, 1)),
    "SavingsPlanRecurringFee": (
        (cur.SAVINGS_PLAN_COMMITMENT_TO_DATE, 1),
        (cur.SAVINGS_PLAN_USED_COMMITMENT, -1),
    ),
}


class CurFileError(ValueError):
    """A CUR file that cannot be converted; the message names the file and what to do."""


def read_columns(header: cur.CurHeader) -> list[str]:
    """The file's headers the conversion reads."""
    names = {*cur.REQUIRED, *cur.AMORTISATION_COLUMNS}
    for sources in cur.RENAMED.values():
        names.update(sources)
    wanted = [header.spelled[n] for n in sorted(names) if header.has(n)]
    wanted.extend(header.tags.values())
    if header.tag_map is not None:
        wanted.append(header.tag_map)
    return list(dict.fromkeys(wanted))


def convert_batch(batch: pa.Table, header: cur.CurHeader, label: str) -> pa.Table:
    """FOCUS-named text columns for one batch of CUR rows (read with `read_columns`)."""
    rows = batch.num_rows

    def column(name: str) -> pa.Array:
        if not header.has(name):
            return pa.nulls(rows, pa.string())
        return trimmed_text(batch.column(header.spelled[name]))

    types = column(cur.LINE_ITEM_TYPE)
    out: dict[str, pa.Array] = {}
    for focus_name, sources in cur.RENAMED.items():
        present = [column(s) for s in sources if header.has(s)]
        if not present:
            continue
        out[focus_name] = pc.coalesce(*present) if len(present) > 1 else present[0]
    out["EffectiveCost"] = _effective_cost(types, column, header, label)
    out["ChargeCategory"] = _charge_categories(types)
    out["ProviderName"] = pa.array(["AWS"] * rows, pa.string())
    if header.tags or header.tag_map is not None:
        out["Tags"] = _tags_json(batch, header)
    return pa.table(out)


def _effective_cost(types: pa.Array, column, header: cur.CurHeader, label: str) -> pa.Array:
    effective = column(cur.UNBLENDED_COST)
    for kind, source in _EFFECTIVE_FROM.items():
        needed = _needed(column, header, source, types, kind, label)
        effective = _where(types, kind, needed, effective)
    for kind in _ZERO_EFFECTIVE:
        effective = _where(types, kind, pa.scalar("0"), effective)
    if header.has(cur.RESERVATION_ARN):
        is_ri_fee = pc.and_(
            pc.equal(types, "Fee").fill_null(False), pc.is_valid(column(cur.RESERVATION_ARN))
        )
        effective = pc.if_else(is_ri_fee, pa.scalar("0"), effective)
    for kind, terms in _EFFECTIVE_SUMS.items():
        mask = pc.equal(types, kind).fill_null(False)
        if not pc.any(mask).as_py():
            continue
        values = [(_needed(column, header, name, types, kind, label), sign) for name, sign in terms]
        effective = _sum_where(mask, values, effective)
    return effective


def _needed(column, header: cur.CurHeader, name: str, types: pa.Array, kind: str, label: str):
    """A column the rows of `kind` need; a file that has such rows but not the column is refused."""
    if not header.has(name) and pc.any(pc.equal(types, kind).fill_null(False)).as_py():
        raise CurFileError(
            f"{label}: it has {kind} line items but no {name} column (spelled "
            f"{_csv_spelling(name)} in CSV reports), so their amortised cost is unknown. "
            "Include resource IDs and the reservation/savings plan columns in the report."
        )
    return column(name)


def _csv_spelling(name: str) -> str:
    spellings = {
        cur.RESERVATION_EFFECTIVE_COST: "reservation/EffectiveCost",
        cur.RESERVATION_UNUSED_UPFRONT: "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
        cur.RESERVATION_UNUSED_RECURRING: "reservation/UnusedRecurringFee",
        cur.SAVINGS_PLAN_EFFECTIVE_COST: "savingsPlan/SavingsPlanEffectiveCost",
        cur.SAVINGS_PLAN_COMMITMENT_TO_DATE: "savingsPlan/TotalCommitmentToDate",
        cur.SAVINGS_PLAN_USED_COMMITMENT: "savingsPlan/UsedCommitment",
    }
    return spellings.get(name, name)


def _where(types: pa.Array, kind: str, value, otherwise: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(types, kind).fill_null(False), value, otherwise)


def _sum_where(mask: pa.Array, terms: list[tuple[pa.Array, int]], otherwise: pa.Array) -> pa.Array:
    """Exact sums (Decimal) of signed terms on the masked rows, which are few (one fee row per
    commitment and month). A term that is no number is passed on as it is, for the normaliser
    to reject the row naming it; a row whose terms are all empty stays empty."""
    indices = pc.indices_nonzero(mask).to_pylist()
    texts = [values.take(pa.array(indices)).to_pylist() for values, _sign in terms]
    signs = [sign for _values, sign in terms]
    results: list[str | None] = []
    for parts in zip(*texts, strict=True):
        results.append(_signed_sum(parts, signs))
    return pc.replace_with_mask(otherwise, mask, pa.array(results, pa.string()))


def _signed_sum(parts: tuple[str | None, ...], signs: list[int]) -> str | None:
    if all(part is None for part in parts):
        return None
    total = Decimal(0)
    for part, sign in zip(parts, signs, strict=True):
        if part is None:
            continue
        try:
            total += sign * Decimal(part)
        except InvalidOperation:
            return part
    return f"{total:f}"


def _charge_categories(types: pa.Array) -> pa.Array:
    keys = pa.array(list(CHARGE_CATEGORIES), pa.string())
    values = pa.array(list(CHARGE_CATEGORIES.values()), pa.string())
    index = pc.index_in(types, value_set=keys)
    return pc.take(values, index).fill_null(OTHER_CATEGORY)


def _tags_json(batch: pa.Table, header: cur.CurHeader) -> pa.Array:
    """A FOCUS Tags object per row from the tag columns (and a CUR 2.0 tag map), built once
    per distinct combination of tag values: a resource's tags repeat on all its rows."""
    names = list(header.tags.values()) + ([header.tag_map] if header.tag_map else [])
    columns = [batch.column(n).combine_chunks() for n in names]
    codes = distinct_rows(columns, batch.num_rows)
    firsts = first_rows(codes)
    samples = [c.take(pa.array(firsts)).to_pylist() for c in columns]
    keys = list(header.tags)
    objects: list[str | None] = []
    for values in zip(*samples, strict=True):
        tags: dict[str, str] = {}
        if header.tag_map is not None and values[-1] is not None:
            tags.update(_map_tags(values[-1]))
        for key, value in zip(keys, values, strict=False):
            if value is not None and value.strip() != "":
                tags[key] = value
        objects.append(json.dumps(tags, sort_keys=True) if tags else None)
    return pa.array(objects, pa.string()).take(pa.array(codes))


def _map_tags(text: str) -> dict[str, str]:
    """CUR 2.0 tag keys are `user_project` (and `aws_...` for AWS's own); user tags only."""
    raw = json.loads(text)
    return {
        key.removeprefix("user_").removeprefix("user:"): str(value)
        for key, value in raw.items()
        if key.startswith(("user_", "user:")) and value not in (None, "")
    }
