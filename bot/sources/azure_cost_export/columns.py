"""The columns of Azure's EA and MCA cost exports ("actual" and "amortized"), as costbot reads them.

EA and MCA spell the same column differently (`CostInBillingCurrency`, `costInBillingCurrency`,
an older EA file's `Cost`; `BillingCurrency` or `BillingCurrencyCode`), so each FOCUS column is
read from the first of its spellings the file has, case forgiven.
"""

from __future__ import annotations

from dataclasses import dataclass

COST = "cost"
DATE = "date"
CURRENCY = "currency"
CHARGE_TYPE = "charge_type"
PRICING_MODEL = "pricing_model"
TAGS = "tags"
BILLING_PERIOD_START = "billing_period_start"

# A logical column -> its spellings in EA and MCA exports, the preferred first.
SPELLINGS: dict[str, tuple[str, ...]] = {
    COST: ("CostInBillingCurrency", "Cost", "PreTaxCost"),
    DATE: ("Date", "UsageDateTime", "UsageDate"),
    CURRENCY: ("BillingCurrencyCode", "BillingCurrency", "Currency"),
    CHARGE_TYPE: ("ChargeType",),
    PRICING_MODEL: ("PricingModel",),
    TAGS: ("Tags",),
    BILLING_PERIOD_START: ("BillingPeriodStartDate",),
    "billing_account_id": ("BillingAccountId",),
    "billing_account_name": ("BillingAccountName",),
    "subscription_id": ("SubscriptionId", "SubscriptionGuid"),
    "subscription_name": ("SubscriptionName",),
    "resource_id": ("ResourceId", "InstanceId"),
    "resource_name": ("ResourceName",),
    "service": ("MeterCategory", "ServiceName", "ConsumedService"),
    "region": ("ResourceLocation",),
    "quantity": ("Quantity",),
    "unit": ("UnitOfMeasure",),
}
REQUIRED: tuple[str, ...] = (COST, DATE, CURRENCY)

# FOCUS column <- the logical column it is renamed from, value for value.
RENAMED: dict[str, str] = {
    "BillingAccountId": "billing_account_id",
    "BillingAccountName": "billing_account_name",
    "SubAccountId": "subscription_id",
    "SubAccountName": "subscription_name",
    "ResourceId": "resource_id",
    "ResourceName": "resource_name",
    "ServiceName": "service",
    "RegionId": "region",
    "ConsumedQuantity": "quantity",
    "ConsumedUnit": "unit",
}


@dataclass(frozen=True)
class AzureHeader:
    spelled: dict[str, str]  # logical column -> the file's own header

    def has(self, name: str) -> bool:
        return name in self.spelled

    def missing_required(self) -> list[str]:
        return [" or ".join(SPELLINGS[n]) for n in REQUIRED if n not in self.spelled]


def read_azure_header(headers: list[str]) -> AzureHeader:
    by_fold = {h.strip().lstrip("\ufeff").lower(): h for h in reversed(headers)}
    spelled: dict[str, str] = {}
    for name, spellings in SPELLINGS.items():
        for spelling in spellings:
            if spelling.lower() in by_fold:
                spelled[name] = by_fold[spelling.lower()]
                break
    return AzureHeader(spelled=spelled)


def looks_like_azure_export(headers: list[str]) -> bool:
    """An Azure usage-details export has a meter (`MeterCategory`) or subscription column and a
    cost in billing currency; FOCUS files have neither."""
    folded = {h.strip().lstrip("\ufeff").lower() for h in headers}
    has_cost = bool(folded & {s.lower() for s in SPELLINGS[COST]})
    return has_cost and bool(folded & {"metercategory", "subscriptionid", "subscriptionguid"})
