"""The legacy AWS Cost and Usage Report's columns, in both of AWS's spellings.

CSV reports name columns `lineItem/UnblendedCost`; Parquet reports (and the Athena tables over
them) spell the same column `line_item_unblended_cost`. Both fold to the snake-case name, so
one lookup serves either. Tags are one column each: `resourceTags/user:project` in CSV,
`resource_tags_user_project` in Parquet (where AWS has already folded the key's case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LINE_ITEM_TYPE = "line_item_line_item_type"
UNBLENDED_COST = "line_item_unblended_cost"
USAGE_START = "line_item_usage_start_date"
USAGE_END = "line_item_usage_end_date"
CURRENCY = "line_item_currency_code"
RESERVATION_EFFECTIVE_COST = "reservation_effective_cost"
RESERVATION_ARN = "reservation_reservation_a_r_n"
RESERVATION_UNUSED_UPFRONT = "reservation_unused_amortized_upfront_fee_for_billing_period"
RESERVATION_UNUSED_RECURRING = "reservation_unused_recurring_fee"
SAVINGS_PLAN_EFFECTIVE_COST = "savings_plan_savings_plan_effective_cost"
SAVINGS_PLAN_COMMITMENT_TO_DATE = "savings_plan_total_commitment_to_date"
SAVINGS_PLAN_USED_COMMITMENT = "savings_plan_used_commitment"

REQUIRED: tuple[str, ...] = (LINE_ITEM_TYPE, UNBLENDED_COST, USAGE_START, USAGE_END, CURRENCY)

# FOCUS column <- the CUR columns it is read from, the first non-empty one winning.
RENAMED: dict[str, tuple[str, ...]] = {
    "BilledCost": (UNBLENDED_COST,),
    "BillingCurrency": (CURRENCY,),
    "ChargePeriodStart": (USAGE_START,),
    "ChargePeriodEnd": (USAGE_END,),
    "BillingPeriodStart": ("bill_billing_period_start_date",),
    "BillingAccountId": ("bill_payer_account_id",),
    "BillingAccountName": ("bill_payer_account_name",),
    "SubAccountId": ("line_item_usage_account_id",),
    "SubAccountName": ("line_item_usage_account_name",),
    "ServiceName": ("product_product_name", "line_item_product_code"),
    "RegionId": ("product_region", "product_region_code"),
    "ResourceId": ("line_item_resource_id",),
    "ConsumedQuantity": ("line_item_usage_amount",),
    "ConsumedUnit": ("pricing_unit",),
    "ListCost": ("pricing_public_on_demand_cost",),
}

# The columns the amortisation reads, besides the line item type and unblended cost.
AMORTISATION_COLUMNS: tuple[str, ...] = (
    RESERVATION_EFFECTIVE_COST,
    RESERVATION_ARN,
    RESERVATION_UNUSED_UPFRONT,
    RESERVATION_UNUSED_RECURRING,
    SAVINGS_PLAN_EFFECTIVE_COST,
    SAVINGS_PLAN_COMMITMENT_TO_DATE,
    SAVINGS_PLAN_USED_COMMITMENT,
)

_CSV_TAG_PREFIX = "resourcetags/user:"
_SNAKE_TAG_PREFIX = "resource_tags_user_"
TAG_MAP_COLUMN = "resource_tags"  # CUR 2.0 keeps every tag in one map column


def snake(header: str) -> str:
    """AWS's Parquet spelling of a CUR column: `lineItem/UnblendedCost` ->
    `line_item_unblended_cost` (a snake-case name is returned as it is)."""
    text = header.strip().lstrip("\ufeff")
    text = re.sub(r"[/:\s.\-]+", "_", text)
    text = re.sub(r"([A-Z])", r"_\1", text).lower()
    return re.sub(r"_+", "_", text).strip("_")


@dataclass(frozen=True)
class CurHeader:
    """Where each CUR column costbot reads sits in one file's header."""

    spelled: dict[str, str]  # snake-case name -> the file's own header
    tags: dict[str, str]  # tag key -> the file's header of its column
    tag_map: str | None  # the header of a CUR 2.0 `resource_tags` map column, if any

    def has(self, name: str) -> bool:
        return name in self.spelled

    def missing_required(self) -> list[str]:
        return [name for name in REQUIRED if name not in self.spelled]


def read_cur_header(headers: list[str]) -> CurHeader:
    spelled: dict[str, str] = {}
    tags: dict[str, str] = {}
    for header in headers:
        clean = header.strip().lstrip("\ufeff")
        folded = clean.lower()
        if folded.startswith(_CSV_TAG_PREFIX):
            tags.setdefault(clean[len(_CSV_TAG_PREFIX) :], header)
            continue
        name = snake(clean)
        if name.startswith(_SNAKE_TAG_PREFIX):
            tags.setdefault(name[len(_SNAKE_TAG_PREFIX) :], header)
            continue
        spelled.setdefault(name, header)
    tag_map = spelled.pop(TAG_MAP_COLUMN, None)
    return CurHeader(spelled=spelled, tags=tags, tag_map=tag_map)


def looks_like_cur(headers: list[str]) -> bool:
    """A CUR names its line item type `lineItem/LineItemType` (or `line_item_line_item_type`)."""
    return any(snake(h) == LINE_ITEM_TYPE for h in headers)
