"""The JSON shapes of `costbot cost --json` and `costbot top --json` (a public contract)."""

from __future__ import annotations

from typing import Any

from bot.domain.completeness import incomplete_from, provisional_in
from bot.domain.money import cents_number
from bot.domain.periods import Period
from bot.domain.reports import (
    CostReport,
    CurrencyCost,
    CurrencyRanking,
    SharedShare,
    TopReport,
)


def _completeness(report: CostReport | TopReport) -> dict[str, Any]:
    """`incomplete_from`: the first day of the period not complete yet (today, or after
    `data_through`), or null; `provisional_days`: the days the source calls estimated."""
    first = (
        incomplete_from(report.period, report.data_through, report.asked_on)
        if report.asked_on is not None
        else None
    )
    return {
        "incomplete_from": first.isoformat() if first else None,
        "provisional_days": [
            day.isoformat() for day in provisional_in(report.period, report.provisional_days)
        ],
    }


def _period(period: Period) -> dict[str, str]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def _currency_cost(part: CurrencyCost) -> dict[str, Any]:
    return {
        "currency": part.currency,
        "total": cents_number(part.total),
        "previous_total": cents_number(part.previous_total),
        "by_service": [{"name": s.name, "cost": cents_number(s.cost)} for s in part.by_service],
        "top_resources": [
            {"id": r.id, "name": r.name, "cost": cents_number(r.cost)} for r in part.top_resources
        ],
        "daily": [{"date": d.date.isoformat(), "cost": cents_number(d.cost)} for d in part.daily],
        "shared": _shared(part.shared_in),
        "shared_given": [
            {
                "rule": g.rule,
                "method": g.method,
                "cost": cents_number(g.cost),
                "receivers": g.receivers,
            }
            for g in part.shared_out
        ],
    }


def _shared(parts: tuple[SharedShare, ...]) -> list[dict[str, Any]]:
    """`shared`: the shared cost a number includes, per rule, origin (`from`) and method."""
    return [
        {"rule": s.rule, "from": s.origin, "method": s.method, "cost": cents_number(s.cost)}
        for s in parts
    ]


def cost_report_json(report: CostReport) -> dict[str, Any]:
    """Top-level fields describe the largest currency; any others follow in `other_currencies`."""
    return {
        "dimension": report.dimension,
        "name": report.name,
        "period": _period(report.period),
        "previous_period": _period(report.previous_period),
        "cost_basis": report.cost_basis,
        "direct": not report.shared,
        "tag_keys": list(report.tag_keys),
        **_currency_cost(report.primary),
        "data_through": report.data_through.isoformat() if report.data_through else None,
        **_completeness(report),
        "other_currencies": [_currency_cost(part) for part in report.currencies[1:]],
    }


def _ranking(part: CurrencyRanking) -> dict[str, Any]:
    return {
        "currency": part.currency,
        "rows": [{"name": row.name, "cost": cents_number(row.cost)} for row in part.rows],
        "other": {"count": part.other.count, "cost": cents_number(part.other.cost)},
        "total": cents_number(part.total),
        "shared": _shared(part.shared),
    }


def top_report_json(report: TopReport) -> dict[str, Any]:
    return {
        "dimension": report.dimension,
        "period": _period(report.period),
        "cost_basis": report.cost_basis,
        "direct": not report.shared,
        **_ranking(report.primary),
        "data_through": report.data_through.isoformat() if report.data_through else None,
        **_completeness(report),
        "other_currencies": [_ranking(part) for part in report.currencies[1:]],
    }
