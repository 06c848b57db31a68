"""`costbot budget list [--json]`: every budget as `/cost budget` shows it."""

from __future__ import annotations

import json

import typer

from bot.cli_options import ConfigOption, JsonOption
from bot.domain.budget_json import budget_status_json

budget_app = typer.Typer(help="Budgets: the config's and those set in Slack.", no_args_is_help=True)


@budget_app.command("list")
def list_budgets(
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Every budget: spent, % used, % of the period elapsed, projection and status."""
    from bot.cli import _run, _services  # the CLI's own error handling and service wiring
    from handlers.blocks.budgets import budget_list_text

    services = _services(config)
    lines = _run(services.budgets.lines)
    if as_json:
        typer.echo(json.dumps({"budgets": [budget_status_json(line.status) for line in lines]}))
    else:
        typer.echo(budget_list_text(lines, plain=True))
