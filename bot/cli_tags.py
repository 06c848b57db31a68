"""`costbot untagged [PERIOD]` and `costbot tags report [PERIOD]`: untagged cost made
actionable, and the tag policy of `allocation.required_tags`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli_options import ConfigOption, JsonOption
from bot.domain.periods import DEFAULT_PERIOD

tags_app = typer.Typer(
    help="Tags: the tag policy of allocation.required_tags.", no_args_is_help=True
)

PeriodArgument = Annotated[
    str,
    typer.Argument(
        help="today, yesterday, mtd, last-month, Nd, ytd, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD."
    ),
]


def untagged(
    period: PeriodArgument = DEFAULT_PERIOD,
    limit: Annotated[
        int, typer.Option(min=1, max=1000, help="How many resources to list under tag first.")
    ] = 10,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Cost with no project and no team: tag coverage now and by week, the resources to tag
    first with owner hints, and the charges no tag can allocate."""
    from bot.cli import _run, _services  # the CLI's own error handling and service wiring
    from bot.cli_tags_render import render_untagged_report
    from bot.domain.periods import parse_period
    from bot.domain.untagged_json import untagged_report_json

    services = _services(config)
    parsed = _run(lambda: parse_period(period, services.costs.today()))
    report = _run(lambda: services.coverage.untagged(parsed, limit=limit))
    typer.echo(
        json.dumps(untagged_report_json(report)) if as_json else render_untagged_report(report)
    )


@tags_app.command("report")
def tags_report(
    period: PeriodArgument = DEFAULT_PERIOD,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Resources missing any of allocation.required_tags, per account, with their cost."""
    from bot.cli import _run, _services
    from bot.cli_tags_render import render_tag_policy_report
    from bot.domain.periods import parse_period
    from bot.domain.untagged_json import tag_policy_json

    services = _services(config)
    parsed = _run(lambda: parse_period(period, services.costs.today()))
    report = _run(lambda: services.tag_policy.report(parsed))
    typer.echo(json.dumps(tag_policy_json(report)) if as_json else render_tag_policy_report(report))
