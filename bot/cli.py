"""The `costbot` command line: ingest billing files and ask what things cost."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.app import Services, build_job_scheduler, build_services, snapshot_then_tell
from bot.cli_alerts import alerts_app
from bot.cli_budgets import budget_app
from bot.cli_digests import digest_app
from bot.cli_idle import audit, idle_app
from bot.cli_options import ConfigOption, JsonOption, PeriodOption
from bot.cli_render import render_cost_report, render_ingest_summary, render_top_report
from bot.cli_report import report
from bot.cli_shared import reallocate
from bot.cli_snapshot_render import render_snapshot_results, render_source_statuses
from bot.cli_tags import tags_app, untagged
from bot.domain.periods import DEFAULT_PERIOD, PeriodError, parse_period
from bot.domain.report_json import cost_report_json, top_report_json
from bot.logs import configure_logging
from bot.services.costs import UnknownDimensionError, UnknownNameError
from bot.services.errors import UserFacingError
from bot.services.ingest import IngestError
from bot.services.shared_refresh import reallocate_if_needed
from bot.services.snapshots import UnknownSourceError
from bot.settings import ConfigError, Settings, SlackSettings
from bot.slack_notifier import SlackNotifier, build_notifier
from storage.db import StoreError, create_store_engine, upgrade_store

if TYPE_CHECKING:
    from bot.scheduler import CostbotScheduler

app = typer.Typer(
    help="costbot: what your cloud costs, by project, team, owner and model.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(budget_app, name="budget")
app.add_typer(digest_app, name="digest")
app.add_typer(alerts_app, name="alerts")
app.add_typer(idle_app, name="idle")
app.command("audit")(audit)
app.command("report")(report)
app.command("reallocate")(reallocate)
app.add_typer(tags_app, name="tags")
app.command("untagged")(untagged)

T = TypeVar("T")
_KNOWN_ERRORS = (
    ConfigError,
    StoreError,
    IngestError,
    PeriodError,
    UnknownDimensionError,
    UnknownNameError,
    UserFacingError,
    UnknownSourceError,
    OverflowError,
)

SharedOption = Annotated[
    bool,
    typer.Option(
        "--shared/--no-shared",
        help="Include shared cost split by allocation.shared (default); --no-shared: direct cost.",
    ),
]


def _run(action: Callable[[], T]) -> T:
    """Turn a known error into a clear message on stderr and a non-zero exit."""
    try:
        return action()
    except _KNOWN_ERRORS as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None


def _start_logging() -> None:
    """Logs with times, levels and ids on stderr (COSTBOT_LOG_LEVEL, COSTBOT_LOG_FORMAT)."""
    _run(configure_logging)


def _services(config: Path | None) -> Services:
    return _run(lambda: build_services(Settings(), config))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the store's tables to the newest schema."""
    _start_logging()
    settings = Settings()
    engine = _run(lambda: create_store_engine(settings.database_url))
    changed = _run(lambda: upgrade_store(engine))
    typer.echo("store upgraded" if changed else "store already up to date")


class BillingFormat(StrEnum):
    """The file formats `costbot ingest` reads (the names IngestService knows its readers by)."""

    FOCUS = "focus"
    AWS_CUR = "aws-cur"
    AZURE = "azure"


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Billing files or folders of them.")],
    source: Annotated[
        str, typer.Option(help="Name of the data source these files replace.")
    ] = "focus",
    file_format: Annotated[
        BillingFormat,
        typer.Option(
            "--format",
            help="focus: FOCUS 1.0-1.4 files; aws-cur: legacy AWS Cost and Usage Reports; "
            "azure: Azure EA/MCA actual or amortized cost exports.",
        ),
    ] = BillingFormat.FOCUS,
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help="Ingest the readable rows; record the others.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Load billing files; replaces the days (or billing periods) they cover for SOURCE,
    atomically."""
    _start_logging()
    services = _services(config)
    summary = _run(
        lambda: services.ingest.ingest(
            paths, source=source, file_format=file_format.value, skip_bad_rows=skip_bad_rows
        )
    )
    typer.echo(render_ingest_summary(summary))


@app.command()
def cost(
    dimension: Annotated[str, typer.Argument(help="project, team, owner, model, environment, ...")],
    name: Annotated[str, typer.Argument(help="The value, e.g. fraud-detection.")],
    period: PeriodOption = DEFAULT_PERIOD,
    shared: SharedOption = True,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """What NAME cost over a period: total, change, top services and resources, daily."""
    services = _services(config)
    _answer_with_current_rules(services, shared)
    parsed = _run(lambda: parse_period(period, services.costs.today()))
    report = _run(lambda: services.costs.cost(dimension.lower(), name, parsed, shared=shared))
    typer.echo(json.dumps(cost_report_json(report)) if as_json else render_cost_report(report))


@app.command()
def top(
    dimension: Annotated[str, typer.Argument(help="project, team, owner, model, service, ...")],
    period: PeriodOption = DEFAULT_PERIOD,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many values to list.")] = 10,
    shared: SharedOption = True,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """The values of DIMENSION that cost the most; unallocated cost is always listed."""
    services = _services(config)
    _answer_with_current_rules(services, shared)
    parsed = _run(lambda: parse_period(period, services.costs.today()))
    report = _run(lambda: services.costs.top(dimension.lower(), parsed, limit, shared=shared))
    typer.echo(json.dumps(top_report_json(report)) if as_json else render_top_report(report))


def _answer_with_current_rules(services: Services, shared: bool) -> None:
    """Each command is a start: a split made by other rules than this config's is made
    again first, so the answer says the shared cost the configured rules give."""
    if shared:
        _run(lambda: reallocate_if_needed(services.shared))


@app.command()
def snapshot(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Run only this source (repeat for several)."),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Run the configured sources now: read what changed, ingest it, record each source's health.

    Exits 1 if any source failed; the others still run.
    """
    _start_logging()
    services = _services(config)
    results = _run(lambda: services.snapshots.run(source or None))
    if any(r.status == "ok" and r.units_read for r in results):
        _run(services.alerts.evaluate)
    services.outbox_delivery(_notifier()).deliver_pending()
    if as_json:
        typer.echo(json.dumps({"sources": [result.as_json() for result in results]}))
    else:
        typer.echo(render_snapshot_results(results))
    if any(result.status == "failed" for result in results):
        raise typer.Exit(code=1)


@app.command()
def status(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Every source's freshness and health: last success, data through, lag, next run, errors."""
    services = _services(config)
    statuses = _run(services.source_status.statuses)
    if as_json:
        typer.echo(json.dumps({"sources": [status.as_json() for status in statuses]}))
    else:
        typer.echo(render_source_statuses(statuses))


def _notifier() -> SlackNotifier | None:
    """Posts ops messages when a bot token is set; without one they wait in the outbox."""
    return build_notifier(SlackSettings())


@app.command()
def run(
    config: ConfigOption = None,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Also run the schedule (source snapshots); --no-scheduler only serves Slack, "
            "when `costbot worker` runs the schedule elsewhere.",
        ),
    ] = True,
) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on COSTBOT_PORT."""
    _start_logging()
    from bot.server import serve_http, serve_socket_mode
    from bot.slack_app import build_bolt_app, health

    slack = SlackSettings()
    _run(slack.check)  # before the store: a missing token is the first thing to hear about
    services = _services(config)
    _run(lambda: reallocate_if_needed(services.shared))  # the rules may have changed
    bolt_app = _run(lambda: build_bolt_app(services, slack))
    # A deploy's SIGTERM stops the bot as Ctrl-C does, rather than killing it mid-answer.
    signal.signal(signal.SIGTERM, _interrupt)
    jobs = _job_scheduler(services) if scheduler else None
    if jobs is not None:
        jobs.start()
    outbox = services.outbox_delivery(_notifier()).start_loop()
    try:
        if slack.socket_mode:
            serve_socket_mode(bolt_app, slack)
        else:
            serve_http(bolt_app, slack, lambda: health(services))
    finally:
        outbox.set()
        if jobs is not None:
            jobs.shutdown(wait=True)  # a running job finishes, or its lease lapses


@app.command()
def worker(config: ConfigOption = None) -> None:
    """Run only the schedule (source snapshots), no Slack: one or more beside `run --no-scheduler`.

    Any number of workers and bots may share one PostgreSQL store: each run happens once.
    """
    _start_logging()
    from bot.scheduler import run_until_stopped

    services = _services(config)
    _run(lambda: reallocate_if_needed(services.shared))  # the rules may have changed
    signal.signal(signal.SIGTERM, _interrupt)
    outbox = services.outbox_delivery(_notifier()).start_loop()
    try:
        run_until_stopped(_job_scheduler(services))
    finally:
        outbox.set()


def _job_scheduler(services: Services) -> CostbotScheduler:
    notifier = _notifier()
    return build_job_scheduler(services, snapshot_then_tell(services, notifier), notifier)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the local Slack sandbox (127.0.0.1).")] = 3000,
    data_dir: Annotated[Path, typer.Option(help="Demo billing files (written if missing).")] = Path(
        "demo-data"
    ),
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="COSTBOT_DEMO_DATABASE_URL",
            show_envvar=True,
            help="The demo's own store (default: sqlite:///costbot-demo.db in this folder); "
            "never COSTBOT_DATABASE_URL, and refused if it holds other billing data.",
        ),
    ] = None,
    behind_days: Annotated[
        int,
        typer.Option(min=0, max=60, help="Start this many days behind today, then catch up."),
    ] = 3,
    advance_seconds: Annotated[
        int, typer.Option(min=10, max=86400, help="Add the next day this often.")
    ] = 30,
    config: ConfigOption = None,
) -> None:
    """Run the bot against a local Slack sandbox in your browser, with demo data that grows."""
    _start_logging()
    from bot.demo import DEMO_DATABASE_URL, run_demo_forever, start_demo
    from bot.sources.demo import DEMO_PROJECT

    settings = Settings(database_url=database_url or DEMO_DATABASE_URL)
    running = _run(
        lambda: start_demo(
            settings=settings,
            data_dir=data_dir,
            port=port,
            behind_days=behind_days,
            advance_seconds=advance_seconds,
            config_path=config,
        )
    )
    # What the data holds, as `costbot top` and `costbot cost` print it, before the sandbox.
    costs = running.services.costs
    this_month = parse_period("mtd", costs.today())
    typer.echo(render_top_report(costs.top("project", this_month, 10)))
    typer.echo(render_cost_report(costs.cost("project", DEMO_PROJECT, this_month)))
    typer.echo(f"costbot sandbox: open {running.url} and type /cost {DEMO_PROJECT} (Ctrl-C stops)")
    run_demo_forever(running)


@app.command("demo-data")
def demo_data(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write FOCUS 1.2 CSV files into.")],
    days: Annotated[int, typer.Option(min=1, max=1000, help="How many days, ending today.")] = 90,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    end: Annotated[
        str | None, typer.Option(help="Last day (YYYY-MM-DD, UTC); default today.")
    ] = None,
) -> None:
    """Write a fictional ML organisation's billing data as FOCUS 1.2 CSV files."""
    from bot.sources.demo import write_demo_data

    last = _run(lambda: _parse_day(end)) if end else Settings().today
    files = write_demo_data(out_dir, days=days, seed=seed, end=last)
    for path in files:
        typer.echo(str(path))


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f'"{text}" is not a date; use YYYY-MM-DD.') from None


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
