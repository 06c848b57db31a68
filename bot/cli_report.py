"""`costbot report`: the monthly chargeback report, printed or posted to a channel."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from bot.app import Services, build_channel_directory, build_services
from bot.cli_chargeback_render import (
    chargeback_csv,
    chargeback_json,
    chargeback_markdown,
    csv_file_name,
)
from bot.cli_options import ConfigOption
from bot.domain.chargeback import ChargebackError, ChargebackReport, check_dimension, parse_month
from bot.services.alert_routing import AlertRouter
from bot.services.chargeback import ChargebackService, PostResult
from bot.services.errors import UserFacingError
from bot.services.shared_refresh import reallocate_if_needed
from bot.services.snapshot_state import OutboxFile
from bot.settings import ConfigError, Settings, SlackSettings
from bot.slack_notifier import build_notifier
from handlers.blocks.chargeback import chargeback_title, describe_chargeback
from storage.db import StoreError, make_session_factory
from storage.repositories.report_outbox import SqlReportOutbox

USAGE_ERROR = 2  # a bad month or dimension, as typer answers a bad option


class ReportFormat(StrEnum):
    MARKDOWN = "markdown"
    CSV = "csv"
    JSON = "json"


def report(
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM (UTC).")],
    dimension: Annotated[
        str, typer.Option("--dimension", help="project (default), team, owner, model, ...")
    ] = "project",
    output: Annotated[
        ReportFormat, typer.Option("--format", help="markdown (default), csv or json.")
    ] = ReportFormat.MARKDOWN,
    post: Annotated[
        str | None,
        typer.Option(
            "--post",
            help="Also post it to this channel (#finance) with the CSV attached, through the "
            "Slack Web API (SLACK_BOT_TOKEN, COSTBOT_SLACK_API_URL).",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """The monthly chargeback: one row per value of DIMENSION with direct cost, shared cost
    received per rule, total, share of the month and change vs the month before, and a check
    line per currency that the rows add up to the month's bill."""
    try:
        parsed_month, parsed_dimension = parse_month(month), check_dimension(dimension)
    except ChargebackError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=USAGE_ERROR) from None
    try:
        services = build_services(Settings(), config)
        charges = _chargeback_service(services)
        # The split follows the configured rules, as at the bot's start; a usage file that
        # cannot be read leaves the old split, and the report says so.
        reallocate_if_needed(services.shared)
        stale = services.shared.needs_reallocation()
        made = charges.report(parsed_month, parsed_dimension, stale_split=stale)
        posted = _post(services, charges, made, post) if post else None
    except (ConfigError, StoreError, UserFacingError, OverflowError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(_render(made, output, posted), nl=False)
    if posted is not None and output is not ReportFormat.JSON:
        typer.echo(_post_line(posted), err=True)


def _chargeback_service(services: Services) -> ChargebackService:
    rules = services.config.allocation.shared_rules()
    return ChargebackService(
        services.cost_store,
        cost_basis=services.config.cost_basis,
        rule_order=[rule.name for rule in rules],
    )


def describe(
    made: ChargebackReport, rerouted_from: str | None = None
) -> tuple[str, list[dict], OutboxFile]:
    """The message (fallback text and blocks) and the CSV file the outbox uploads with it."""
    text, blocks = describe_chargeback(made, rerouted_from)
    csv_file = OutboxFile(
        name=csv_file_name(made),
        title=chargeback_title(made),
        content=chargeback_csv(made).encode("utf-8"),
    )
    return text, blocks, csv_file


def _post(
    services: Services, charges: ChargebackService, made: ChargebackReport, channel: str
) -> PostResult:
    """Into the outbox, then delivered now (as `costbot alerts evaluate` does)."""
    outbox = SqlReportOutbox(make_session_factory(services.engine))
    slack = SlackSettings()
    router = AlertRouter(services.config.channels, build_channel_directory(slack))
    result = charges.post(made, channel, describe, outbox, router)
    delivery = services.outbox_delivery(build_notifier(slack))
    delivery.deliver_pending()
    return charges.refresh(result, outbox)


def _render(made: ChargebackReport, output: ReportFormat, posted: PostResult | None) -> str:
    if output is ReportFormat.CSV:
        return chargeback_csv(made)
    if output is ReportFormat.JSON:
        body = chargeback_json(made)
        if posted is not None:
            body["post"] = posted.as_json()
        return json.dumps(body) + "\n"
    return chargeback_markdown(made)


def _post_line(posted: PostResult) -> str:
    where = posted.channel
    if posted.rerouted_from:
        where += f" (costbot is not in {posted.rerouted_from})"
    if posted.status == "posted":
        return f"posted to {where}"
    if posted.status == "already_posted":
        return f"already posted to {where}: the same report is posted once"
    return f"waiting in the outbox for {where}: it is posted when Slack can be reached"
