"""`costbot idle scan` (one scan now, proposals posted like the bot's), `costbot idle savings`
(what stopping idle machines saved) and `costbot audit`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer

from bot.app import Services, build_services
from bot.cli_options import ConfigOption, JsonOption, PeriodOption
from bot.domain.periods import DEFAULT_PERIOD, PeriodError, parse_period
from bot.services.alert_ports import AuditEntry
from bot.services.errors import UserFacingError
from bot.services.idle_views import SavingRow, SavingsReport, ScanReport
from bot.services.idle_wording import shared_saving
from bot.services.shared_refresh import reallocate_if_needed
from bot.settings import ConfigError, Settings, SlackSettings
from bot.slack_notifier import build_notifier
from storage.db import StoreError

idle_app = typer.Typer(help="Idle machines: find them, propose stops.", no_args_is_help=True)
_KNOWN = (ConfigError, StoreError, UserFacingError)


@idle_app.command("scan")
def scan(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Scan every controller now: list idle machines and post a proposal for each new one
    (SLACK_BOT_TOKEN, COSTBOT_SLACK_API_URL; without a token they wait in the outbox)."""
    try:
        services = build_services(Settings(), config)
        notifier = _use_slack(services)
        report = services.idle.scan()
        services.outbox_delivery(notifier).deliver_pending(limit=len(report.proposed) + 50)
    except _KNOWN as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(_scan_json(report, services.idle.dry_run)))
    else:
        typer.echo(render_scan(report, services.idle.dry_run, services.idle.configured))
    if report.errors and not report.rows:
        raise typer.Exit(code=1)


def _use_slack(services: Services):
    notifier = build_notifier(SlackSettings())
    if notifier is not None:
        from bot.slack_directory import SlackOwnerDirectory

        services.idle.use_slack(
            owners=SlackOwnerDirectory(notifier.client, services.config.idle.owners),
            editor=notifier,
        )
    return notifier


def _scan_json(report: ScanReport, dry_run: bool) -> dict[str, object]:
    return {
        "at": report.at.isoformat(),
        "dry_run": dry_run,
        "machines": report.machines,
        "candidates": [row.json() for row in report.rows],
        "proposed": report.proposed,
        "expired": report.expired,
        "errors": report.errors,
    }


def render_scan(report: ScanReport, dry_run: bool, configured: bool) -> str:
    if not configured:
        return "No controllers are configured: add idle.controllers to the config."
    lines = [f"{report.machines} machines scanned at {report.at:%Y-%m-%d %H:%M} UTC"]
    if dry_run:
        lines[0] += " (dry run: approved stops call no cloud)"
    for row in report.rows:
        price = f"{row.hourly_cost}/h {row.currency}" if row.hourly_cost is not None else "price ?"
        lines.append(
            f"{row.instance_id:<24} {row.name[:24]:<24} {row.type:<16} "
            f"{row.project or '-':<18} idle {row.idle_minutes}m  {price}  "
            f"{row.proposal_state or '-'}  {row.note}"
        )
    if not report.rows:
        lines.append("No idle machines.")
    lines += [f"error: {error}" for error in report.errors]
    return "\n".join(lines)


@idle_app.command("savings")
def savings(
    period: PeriodOption = DEFAULT_PERIOD, as_json: JsonOption = False, config: ConfigOption = None
) -> None:
    """What stopping idle machines saved over a period (estimates, by currency), as
    `/cost savings` says: a saving shared like its project's cost says among whom."""
    try:
        services = build_services(Settings(), config)
        # A start like any command's: a split made by other rules is made again first, so
        # a shared saving is credited as the configured rules share its project's cost.
        reallocate_if_needed(services.shared)
        asked = parse_period(period, services.costs.today())
        # A period's end is its last day; the ledger's end is exclusive.
        report = services.idle.savings(asked.start, asked.end + timedelta(days=1))
    except (*_KNOWN, PeriodError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(_savings_json(report)))
    else:
        typer.echo(render_savings(report))


def _savings_json(report: SavingsReport) -> dict[str, object]:
    return {
        "start": report.start.isoformat(),
        "end": (report.end - timedelta(days=1)).isoformat(),
        "totals": {currency: format(total, "f") for currency, total in report.totals.items()},
        "stops": [row.json() for row in report.rows],
    }


def render_savings(report: SavingsReport) -> str:
    last = report.end - timedelta(days=1)
    lines = [f"Savings from stopping idle machines, {report.start} to {last} (estimated)"]
    for currency, total in sorted(report.totals.items()):
        lines.append(f"saved {total} {currency}")
    for row in report.rows:
        lines.append(_saving_line(row))
    if not report.rows:
        lines.append("Nothing saved in this period (dry-run stops are not counted).")
    return "\n".join(lines)


def _saving_line(row: SavingRow) -> str:
    p = row.proposal
    state = "still stopped" if row.still_stopped else f"started again {p.started_at:%Y-%m-%d %H:%M}"
    stopped = f"{p.stopped_at:%Y-%m-%d %H:%M}" if p.stopped_at else "?"
    line = (
        f"{p.instance_id:<24} {str(p.instance.get('name') or '')[:24]:<24} "
        f"{p.instance.get('project') or '-':<18} saved {row.saved} {p.currency or 'USD'}  "
        f"stopped {stopped} UTC, {state}"
    )
    for allocation in row.allocations:
        parts = ", ".join(
            f"{part.value}{' (kept)' if part.kept else ''} {part.saved}"
            for part in allocation.parts
        )
        line += f"\n  {shared_saving(allocation)}: {parts}"
    return line


def audit(
    as_json: JsonOption = False,
    subject: Annotated[
        str | None, typer.Option(help="Only this subject, e.g. idle:aws_ec2/i-0abc.")
    ] = None,
    action: Annotated[
        str | None, typer.Option(help="Only actions starting with this, e.g. idle. or budget.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many entries.")] = 100,
    config: ConfigOption = None,
) -> None:
    """The audit log, newest first: budgets, alerts, idle proposals, stops and starts."""
    try:
        services = build_services(Settings(), config)
        entries = services.audit.audit_log(subject, limit, prefix=action)
    except _KNOWN as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps({"entries": [_entry_json(e) for e in entries]}))
        return
    for entry in entries:
        typer.echo(
            f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.actor:<12} {entry.action:<22} {entry.subject}"
        )
    if not entries:
        typer.echo("The audit log is empty.")


def _entry_json(entry: AuditEntry) -> dict[str, object]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "before": entry.before,
        "after": entry.after,
    }
