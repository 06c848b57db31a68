"""The FOCUS (FinOps Open Cost and Usage Specification) columns costbot reads, 1.0 to 1.4."""

from __future__ import annotations

from collections.abc import Iterable

# Columns every FOCUS version from 1.0 to 1.4 must carry and that costbot cannot do without.
MANDATORY_COLUMNS: tuple[str, ...] = (
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
)

COST_COLUMNS: tuple[str, ...] = ("BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity")
TIME_COLUMNS: tuple[str, ...] = ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart")

# Descriptive columns, read when present. ProviderName was deprecated in 1.3 for
# ServiceProviderName; older exports lack the newer names, so every one of these is optional.
TEXT_COLUMNS: tuple[str, ...] = (
    "BillingAccountId",
    "BillingAccountName",
    "SubAccountId",
    "SubAccountName",
    "ProviderName",
    "ServiceProviderName",
    "ServiceName",
    "ServiceCategory",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ChargeCategory",
    "ConsumedUnit",
    "BillingCurrency",
)
TAGS_COLUMN = "Tags"

READ_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys((*MANDATORY_COLUMNS, *COST_COLUMNS, *TIME_COLUMNS, *TEXT_COLUMNS, TAGS_COLUMN))
)

_CANONICAL = {name.lower(): name for name in READ_COLUMNS}

# Earlier names of columns (FOCUS 1.0-preview exports), read under their 1.0 names. The
# specification's CHANGELOG records the UsageQuantity, UsageUnit and Region renames in 1.0.
PREVIEW_NAMES: dict[str, str] = {
    "Provider": "ProviderName",
    "Publisher": "PublisherName",
    "InvoiceIssuer": "InvoiceIssuerName",
    "UsageQuantity": "ConsumedQuantity",
    "UsageUnit": "ConsumedUnit",
    "Region": "RegionId",
}
_PREVIEW = {old.lower(): new for old, new in PREVIEW_NAMES.items() if new in READ_COLUMNS}


def _folded(header: str) -> str:
    return header.strip().lstrip("\ufeff").lower()


def canonical_column(header: str) -> str | None:
    """The FOCUS name a file's header stands for (case and stray spaces forgiven, 1.0-preview
    names read as their 1.0 names), if any."""
    folded = _folded(header)
    return _CANONICAL.get(folded) or _PREVIEW.get(folded)


def is_preview_name(header: str) -> bool:
    """A 1.0-preview name (`Provider`): it yields to the 1.0 name when a file has both."""
    return _folded(header) in _PREVIEW


def map_header(headers: Iterable[str]) -> dict[str, str]:
    """Map FOCUS column names to the file's own header spelling; the first spelling wins, and
    a 1.0 name wins over its 1.0-preview name."""
    headers = list(headers)
    mapping: dict[str, str] = {}
    for preview_pass in (False, True):
        for header in headers:
            if (_folded(header) in _PREVIEW) != preview_pass:
                continue
            name = canonical_column(header)
            if name is not None and name not in mapping:
                mapping[name] = header
    return mapping


def missing_mandatory(mapping: dict[str, str]) -> list[str]:
    return [name for name in MANDATORY_COLUMNS if name not in mapping]


def looks_like_legacy_cur(headers: Iterable[str]) -> bool:
    """Legacy AWS Cost and Usage Reports name columns like `lineItem/UnblendedCost`."""
    return any(h.strip().lstrip("\ufeff").lower().startswith("lineitem/") for h in headers)


def looks_like_cur2(headers: Iterable[str]) -> bool:
    """CUR 2.0 uses snake case: `line_item_unblended_cost`."""
    return any(h.strip().lower().startswith("line_item_") for h in headers)
