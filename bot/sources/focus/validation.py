"""Rules a row's stored fields must meet, checked once, before the store sees them.

SQLite keeps text of any length and PostgreSQL refuses what is longer than its column, so
without these rules one file would be stored on one database and fail on the other. A NUL
cannot be stored by PostgreSQL at all, and the other control characters would blur the
separators costbot digests keys with (storage.bulk.key_digests). A currency must be an ISO
4217 code: amounts are summed per currency, and a typo would start a currency of its own.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bot.domain.cost_rows import COST_KEY_FIELD_LENGTHS
from bot.domain.currencies import ISO_4217_CODES

# (a mask over the rows checked, the FOCUS column to blame, what is wrong)
FieldProblem = tuple[np.ndarray, str, str]

# The FOCUS column each stored field is read from (allocation dimensions come from Tags).
SOURCE_COLUMNS: dict[str, str] = {
    "billing_account_id": "BillingAccountId",
    "billing_account_name": "BillingAccountName",
    "sub_account_id": "SubAccountId",
    "sub_account_name": "SubAccountName",
    "provider": "ProviderName",
    "service_name": "ServiceName",
    "service_category": "ServiceCategory",
    "region": "RegionId",
    "resource_id": "ResourceId",
    "resource_name": "ResourceName",
    "resource_type": "ResourceType",
    "charge_category": "ChargeCategory",
    "currency": "BillingCurrency",
    "usage_unit": "ConsumedUnit",
    "tags": "Tags",
}
# Tab, line feed and carriage return are text; every other C0 control character is not.
_CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_CURRENCIES = pa.array(sorted(ISO_4217_CODES), pa.string())


def stored_field_problems(keys: pa.Table) -> list[FieldProblem]:
    """What is wrong with each row of `keys` (the cost key fields, as they would be stored).

    Only fields with something wrong get masks: a clean batch (the usual case) costs two
    kernels a field and adds no masks for every row to check.
    """
    problems: list[FieldProblem] = []
    for name, limit in COST_KEY_FIELD_LENGTHS.items():
        if name not in keys.column_names:
            continue
        values = keys.column(name)
        column = SOURCE_COLUMNS.get(name, "Tags")
        field_label = name if name in SOURCE_COLUMNS else f"the {name} it allocates"
        control = pc.match_substring_regex(values, _CONTROL_CHARACTERS)
        if pc.any(control).as_py():
            problems.append(
                (
                    _mask(control),
                    column,
                    f"gives {field_label} a NUL or another control character, "
                    "which the store cannot keep",
                )
            )
        lengths = pc.utf8_length(values)
        if (pc.max(lengths).as_py() or 0) > limit:
            problems.append(
                (
                    _mask(pc.greater(lengths, limit)),
                    column,
                    f"gives {field_label} more than {limit} characters, the most the store keeps",
                )
            )
    if "currency" in keys.column_names:
        currency = keys.column("currency")
        unknown = pc.and_(pc.is_valid(currency), pc.invert(pc.is_in(currency, _CURRENCIES)))
        if pc.any(unknown).as_py():
            reason = "is not an ISO 4217 currency code (USD, EUR...)"
            problems.append((_mask(unknown), "BillingCurrency", reason))
    return problems


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return np.asarray(values.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
