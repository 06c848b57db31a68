"""`costbot digest send`: each configured digest for its latest complete period, now, once."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli_options import ConfigOption, JsonOption
from bot.services.digests import DigestResult

digest_app = typer.Typer(help="Daily and weekly digests (config `digests:`).", no_args_is_help=True)


@digest_app.command("send")
def send(
    channel: Annotated[
        str | None, typer.Option("--channel", help="Only the digests of this channel.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be sent; send and record nothing.")
    ] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Send each configured digest for its latest complete period (a second run sends nothing)."""
    from bot.cli import _notifier, _run, _services, _start_logging  # the CLI's own wiring

    _start_logging()
    services = _services(config)
    digests = services.digests
    chosen = [d for d in digests.digests if channel is None or _same(d.channel, channel)]
    if not chosen:
        where = f" for {channel}" if channel else ""
        typer.echo(f"error: no digest is configured{where}; add one under `digests:`", err=True)
        raise typer.Exit(code=1)
    today = services.costs.today()
    results = [_run(lambda d=d: digests.send(d, today, dry_run=dry_run)) for d in chosen]
    if not dry_run:
        services.outbox_delivery(_notifier()).deliver_pending()
    if as_json:
        typer.echo(json.dumps({"digests": [result.as_json() for result in results]}))
    else:
        typer.echo("\n".join(_line(result) for result in results))


def _same(configured: str, asked: str) -> bool:
    return configured.removeprefix("#").lower() == asked.strip().removeprefix("#").lower()


def _line(result: DigestResult) -> str:
    days = ""
    if result.start and result.end:
        days = f" {result.start}" + ("" if result.start == result.end else f"..{result.end}")
    return f"{result.channel} {result.every} ({result.scope}){days}: {result.status}"
