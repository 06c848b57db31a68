"""`costbot alerts evaluate`: one evaluation now, posted through the Slack Web API like the bot."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.app import build_services
from bot.cli_options import ConfigOption, JsonOption
from bot.services.alert_claims import ReportedAlert
from bot.services.errors import UserFacingError
from bot.settings import ConfigError, Settings, SlackSettings
from bot.slack_notifier import build_notifier
from storage.db import StoreError

alerts_app = typer.Typer(help="Budget, forecast and anomaly alerts.", no_args_is_help=True)


@alerts_app.command("evaluate")
def evaluate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be alerted; post and record nothing.")
    ] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Evaluate every alert now, post the new ones (SLACK_BOT_TOKEN, COSTBOT_SLACK_API_URL) and
    report each: posted, pending (kept to retry), already_sent, snoozed, below_floor, dry_run."""
    try:
        services = build_services(Settings(), config)
        report = services.alerts.evaluate(dry_run=dry_run)
        if not dry_run:
            delivery = services.outbox_delivery(build_notifier(SlackSettings()))
            delivery.deliver_pending(limit=len(report.alerts) + 50)
            report = services.alerts.refresh(report)
    except (ConfigError, StoreError, UserFacingError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(report.json()))
    else:
        typer.echo(render_alerts(report.alerts, dry_run))


def render_alerts(alerts: list[ReportedAlert], dry_run: bool) -> str:
    if not alerts:
        return "No alerts due." + (" (dry run: nothing recorded)" if dry_run else "")
    lines = [
        f"{a.status:<12} {a.kind:<9} {a.scope:<32} {a.channel or '-':<20} {a.key}" for a in alerts
    ]
    if dry_run:
        lines.append("dry run: nothing was posted or recorded")
    return "\n".join(lines)
