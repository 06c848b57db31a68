"""One GetCostAndUsage page as a FOCUS-named table of text, for the FOCUS normaliser.

A page holds, per day (`ResultsByTime`), one group per (tag value, SERVICE) with its metrics:

    {"GroupDefinitions": [{"Type": "TAG", "Key": "project"},
                          {"Type": "DIMENSION", "Key": "SERVICE"}],
     "ResultsByTime": [
        {"TimePeriod": {"Start": "2026-11-30", "End": "2026-12-01"},
         "Estimated": true,
         "Groups": [{"Keys": ["project$fraud-detection", "Amazon SageMaker"],
                     "Metrics": {"AmortizedCost": {"Amount": "41.2", "Unit": "USD"},
                                 "UnblendedCost": {"Amount": "40", "Unit": "USD"}}}]}],
     "NextPageToken": "..."}

Every field is optional in the API's model, so each is read as possibly missing. A day's groups
may be split across pages (the day then appears on both). Amounts stay text: they are checked
here as exact decimals, so a bad one is named by its day and group, and handed on plain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from bot.services.snapshot_ports import SourceError
from bot.sources.aws_cost_explorer.services import charge_category, service_category

# Cost Explorer's metric -> the FOCUS column it fills.
METRIC_COLUMNS: dict[str, str] = {"AmortizedCost": "EffectiveCost", "UnblendedCost": "BilledCost"}
PROVIDER = "AWS"
FOCUS_COLUMNS: tuple[str, ...] = (
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "ProviderName",
    "ServiceName",
    "ServiceCategory",
    "ChargeCategory",
    "Tags",
)
_SCHEMA = pa.schema([(name, pa.string()) for name in FOCUS_COLUMNS])


@dataclass(frozen=True)
class Window:
    """The days asked for: `first` to `last` inclusive (UTC days)."""

    first: date
    last: date

    @property
    def end(self) -> date:
        """Cost Explorer's End, which is exclusive."""
        return self.last + timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


@dataclass(frozen=True)
class PageRows:
    table: pa.Table  # FOCUS_COLUMNS, all text
    estimated_days: frozenset[date]
    # Every day the page has a result for, with cost or without: what the answer covers.
    answered_days: frozenset[date]


def page_rows(page: Mapping[str, Any], *, tag_key: str, window: Window) -> PageRows:
    """The FOCUS rows of one page; raise SourceError naming what is wrong and where."""
    tag_at, service_at = _key_positions(page.get("GroupDefinitions"))
    rows: dict[str, list[str | None]] = {name: [] for name in FOCUS_COLUMNS}
    estimated: set[date] = set()
    answered: set[date] = set()
    for result in _listed(page, "ResultsByTime", "the page"):
        first, end = _days(result, window)
        days = {first + timedelta(days=n) for n in range((end - first).days)}
        answered |= days
        if result.get("Estimated") is True:
            estimated |= days
        for group in _listed(result, "Groups", f"the result for {first}"):
            keys = group.get("Keys")
            keys = keys if isinstance(keys, list) else []
            tag_text = _key(keys, tag_at)
            service = _key(keys, service_at)
            where = f"{first}, group {' / '.join(str(k) for k in keys) or '(no keys)'}"
            amounts, currency = _metrics(group.get("Metrics"), where)
            rows["ChargePeriodStart"].append(f"{first.isoformat()}T00:00:00Z")
            rows["ChargePeriodEnd"].append(f"{end.isoformat()}T00:00:00Z")
            for metric, column in METRIC_COLUMNS.items():
                rows[column].append(amounts[metric])
            rows["BillingCurrency"].append(currency)
            rows["ProviderName"].append(PROVIDER)
            rows["ServiceName"].append(service)
            rows["ServiceCategory"].append(service_category(service))
            rows["ChargeCategory"].append(charge_category(service))
            rows["Tags"].append(_tags(tag_key, tag_text))
    return PageRows(pa.table(rows, schema=_SCHEMA), frozenset(estimated), frozenset(answered))


def _key_positions(definitions: object) -> tuple[int, int]:
    """Where the tag value and the SERVICE sit in each group's Keys (the request's order, unless
    the page's GroupDefinitions say otherwise)."""
    tag_at, service_at = 0, 1
    if isinstance(definitions, list):
        kinds = [d.get("Type") if isinstance(d, dict) else None for d in definitions]
        if "TAG" in kinds and "DIMENSION" in kinds:
            tag_at, service_at = kinds.index("TAG"), kinds.index("DIMENSION")
    return tag_at, service_at


def _listed(container: Mapping[str, Any], name: str, where: str) -> Sequence[Mapping[str, Any]]:
    value = container.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SourceError(f"Cost Explorer's {name} in {where} is not a list of objects")
    return value


def _days(result: Mapping[str, Any], window: Window) -> tuple[date, date]:
    """First day and exclusive end of a result; a result outside the window is refused, since
    storing it would replace a day this run never asked for."""
    period = result.get("TimePeriod")
    period = period if isinstance(period, dict) else {}
    first = _date(period.get("Start"), "TimePeriod.Start")
    end = _date(period.get("End"), "TimePeriod.End") if period.get("End") else None
    end = end or first + timedelta(days=1)
    if first < window.first or end > window.end or end <= first:
        raise SourceError(
            f"Cost Explorer returned the days {first}..{end} (End exclusive), outside the "
            f"window asked for ({window}); nothing was stored"
        )
    return first, end


def _date(value: object, name: str) -> date:
    if not isinstance(value, str):
        raise SourceError(f"Cost Explorer returned a result without a {name} date")
    try:
        # DAILY results carry dates; a timestamp form ("2026-11-30T00:00:00Z") names the same day.
        return date.fromisoformat(value[:10])
    except ValueError:
        raise SourceError(f"Cost Explorer's {name} {value[:40]!r} is not a date") from None


def _key(keys: list[object], position: int) -> str | None:
    value = keys[position] if position < len(keys) else None
    return value if isinstance(value, str) else None


def _metrics(metrics: object, where: str) -> tuple[dict[str, str], str]:
    """Both cost metrics of a group as plain decimal text, and their one currency."""
    metrics = metrics if isinstance(metrics, dict) else {}
    amounts: dict[str, str] = {}
    units: set[str] = set()
    for metric in METRIC_COLUMNS:
        value = metrics.get(metric)
        value = value if isinstance(value, dict) else {}
        amounts[metric] = _amount(value.get("Amount"), f"{metric} of {where}")
        unit = value.get("Unit")
        if not isinstance(unit, str) or not unit.strip():
            raise SourceError(f"Cost Explorer gave no currency (Unit) for the {metric} of {where}")
        units.add(unit.strip().upper())
    if len(units) > 1:
        raise SourceError(
            f"Cost Explorer gave {where} its metrics in different currencies "
            f"({', '.join(sorted(units))}); costbot never adds currencies together"
        )
    return amounts, units.pop()


def _amount(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SourceError(f"Cost Explorer gave no Amount for the {where}")
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise SourceError(f"Cost Explorer's Amount {value[:40]!r} for the {where} is not a number")
    # Plain notation: the normaliser reads "1.2E-7" too, but plain text is exact and shorter.
    return format(amount, "f")


def _tags(tag_key: str, tag_text: str | None) -> str:
    """Tags of a group: {tag_key: value}, or {} for the cost without the tag ("project$")."""
    if tag_text is None:
        return "{}"
    # Cost Explorer names each tag group "key$value"; AWS tag keys hold no "$".
    _key_name, separator, value = tag_text.partition("$")
    value = value if separator else tag_text
    return json.dumps({tag_key: value}) if value.strip() else "{}"
