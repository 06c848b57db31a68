"""The JSON shapes of `costbot untagged --json` and `costbot tags report --json` (a public
contract, documented in the README): amounts are numbers rounded to cents, percentages to one
decimal, days ISO dates; every currency is its own entry, never summed with another."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.domain.completeness import incomplete_from, provisional_in
from bot.domain.money import cents_number
from bot.domain.periods import Period
from bot.domain.reports import CurrencyCoverage, UntaggedReport
from bot.domain.tag_policy import AccountCompliance, TagPolicyReport
from bot.domain.untagged import UntaggedResource, WeekCoverage

UNTAGGED_MEANS = "no project and no team"


def percent_number(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.1")))


def _period(period: Period) -> dict[str, str]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def _week(week: WeekCoverage) -> dict[str, Any]:
    return {
        "week": week.week,
        "start": week.start.isoformat(),
        "end": week.end.isoformat(),
        "total": cents_number(week.total),
        "untagged": cents_number(week.untagged),
        "coverage_percent": percent_number(week.coverage_percent),
    }


def _resource(resource: UntaggedResource) -> dict[str, Any]:
    return {
        "resource_id": resource.resource_id,
        "resource_name": resource.resource_name,
        "account": resource.account,
        "service": resource.service,
        "cost": cents_number(resource.cost),
        "tags": dict(resource.tags),
        "hints": [
            {"kind": h.kind.value, "value": h.value, "dimension": h.dimension, "text": h.text}
            for h in resource.hints
        ],
    }


def _coverage(part: CurrencyCoverage) -> dict[str, Any]:
    return {
        "currency": part.currency,
        "total": cents_number(part.total),
        "untagged": cents_number(part.untagged),
        "coverage_percent": percent_number(part.coverage_percent),
        "weekly": [_week(week) for week in part.weekly],
        "untagged_resources": part.untagged_resources,
        "tag_first": [_resource(resource) for resource in part.tag_first],
        "untaggable": [
            {
                "kind": c.kind.value,
                "label": c.label,
                "service": c.service,
                "cost": cents_number(c.cost),
            }
            for c in part.untaggable
        ],
    }


def untagged_report_json(report: UntaggedReport) -> dict[str, Any]:
    """Currencies largest untagged cost first."""
    first = (
        incomplete_from(report.period, report.data_through, report.asked_on)
        if report.asked_on is not None
        else None
    )
    return {
        "period": _period(report.period),
        "cost_basis": report.cost_basis,
        "untagged_means": UNTAGGED_MEANS,
        "data_through": report.data_through.isoformat() if report.data_through else None,
        "incomplete_from": first.isoformat() if first else None,
        "provisional_days": [
            day.isoformat() for day in provisional_in(report.period, report.provisional_days)
        ],
        "currencies": [_coverage(part) for part in report.currencies],
    }


def _account(account: AccountCompliance) -> dict[str, Any]:
    return {
        "account": account.account,
        "currency": account.currency,
        "resources": account.resources,
        "cost": cents_number(account.cost),
        "noncompliant_resources": len(account.noncompliant),
        "noncompliant_cost": cents_number(account.noncompliant_cost),
        "missing_counts": dict(account.missing_counts),
        "noncompliant": [
            {
                "resource_id": r.resource_id,
                "resource_name": r.resource_name,
                "cost": cents_number(r.cost),
                "missing": list(r.missing),
                "tags": dict(r.tags),
            }
            for r in account.noncompliant
        ],
    }


def tag_policy_json(report: TagPolicyReport) -> dict[str, Any]:
    """Accounts (one entry per account and currency) most non-compliant cost first."""
    return {
        "period": _period(report.period),
        "cost_basis": report.cost_basis,
        "required_tags": list(report.required),
        "present_when": "the resource's own tags carry the key with a value",
        "data_through": report.data_through.isoformat() if report.data_through else None,
        "accounts": [_account(account) for account in report.accounts],
    }
