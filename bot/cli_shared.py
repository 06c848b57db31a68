"""`costbot reallocate`: split the stored shared cost again by the configured rules."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import typer

from bot.app import build_services
from bot.cli_options import ConfigOption, JsonOption
from bot.cli_render import money
from bot.domain.money import cents_number
from bot.logs import configure_logging
from bot.services.errors import UserFacingError
from bot.services.shared import ReallocationReport
from bot.services.shared_ports import UsageFileError
from bot.settings import ConfigError, Settings
from storage.db import StoreError

_KNOWN = (ConfigError, StoreError, UserFacingError, UsageFileError, OverflowError)


def reallocate(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Split every stored day's shared cost again by allocation.shared (after a rule or a
    usage file changed); answers use the new split at once. No re-ingest is needed."""
    try:
        configure_logging()
        services = build_services(Settings(), config)
        report = services.shared.reallocate()
    except _KNOWN as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps(reallocation_json(report)) if as_json else render_reallocation(report))


def reallocation_json(report: ReallocationReport) -> dict[str, Any]:
    """The JSON of `costbot reallocate --json`: money as numbers of cents, per currency."""
    return {
        "rules": report.rules,
        "start": report.start.isoformat() if report.start else None,
        "end": report.end.isoformat() if report.end else None,
        "entries": report.entries,
        "moved": _cents(report.moved),
        "kept": _cents(report.kept),
        "fallback_days": dict(sorted(report.fallback_days.items())),
        "seconds": report.seconds,
        "version": report.version,
    }


def render_reallocation(report: ReallocationReport) -> str:
    if not report.rules:
        head = "no shared-cost rules (allocation.shared): the stored split was cleared"
    else:
        days = f"{report.start} .. {report.end}" if report.start else "none stored"
        head = f"re-split shared cost by {report.rules} rule(s) over days {days}"
    lines = [head, f"  entries        {report.entries:,}"]
    for rule in sorted({*report.moved, *report.kept, *report.fallback_days}):
        lines.append(f"  rule {rule}")
        if rule in report.moved:
            lines.append(f"    moved        {_amounts(report.moved[rule])}")
        if rule in report.kept:
            lines.append(f"    kept         {_amounts(report.kept[rule])} (no receiver that day)")
        if report.fallback_days.get(rule):
            lines.append(f"    fallback     {report.fallback_days[rule]} day(s) without usage data")
    lines.append(f"  seconds        {report.seconds}")
    lines.append(f"  version        {report.version}")
    return "\n".join(lines)


def _cents(amounts: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, float]]:
    return {
        rule: {currency: cents_number(cost) for currency, cost in sorted(by.items())}
        for rule, by in sorted(amounts.items())
    }


def _amounts(by: dict[str, Decimal]) -> str:
    return ", ".join(money(cost, currency) for currency, cost in sorted(by.items()))
