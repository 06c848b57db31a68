"""`costbot demo`: demo billing data, the real bot over HTTP, and a local Slack in the browser."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr
from slack_sdk import WebClient

from bot.app import Services, build_job_scheduler, build_services, snapshot_then_tell
from bot.demo_budgets import DEMO_CHANNELS, DEMO_DIGESTS, budget_configs, demo_budgets
from bot.domain.budget_records import budget_record
from bot.logs import hide_secret
from bot.sandbox import BackgroundServer, SandboxServer
from bot.server import EVENTS_PATH, build_wsgi_app
from bot.services.alert_ports import AuditEntry
from bot.services.freshness import Freshness
from bot.services.shared_refresh import reallocate_if_needed
from bot.services.spend import SpendReader
from bot.services.store_sources import other_sources
from bot.settings import ConfigError, CostbotConfig, Settings, SlackSettings, load_config
from bot.settings_alerts import BudgetConfig, ChannelsConfig, DigestConfig
from bot.settings_idle import IdleConfig
from bot.settings_shared import SharedRuleConfig
from bot.slack_app import build_bolt_app, health
from bot.slack_directory import SlackChannelDirectory
from bot.slack_notifier import SlackNotifier
from bot.sources.demo import GPU_POOL_PROJECT, usage_file_for
from bot.sources.demo_source import DemoSourceConfig
from bot.sources.registry import ScheduleConfig
from storage.db import make_session_factory
from storage.repositories.budgets import SqlBudgetStore

if TYPE_CHECKING:
    from bot.scheduler import CostbotScheduler

SANDBOX_BOT_TOKEN = "xoxb-0000000000-sandbox"
DEMO_SOURCE = "demo"
# The demo's own store, in the working folder: never production's COSTBOT_DATABASE_URL.
DEMO_DATABASE_URL = "sqlite:///costbot-demo.db"
DEMO_DATABASE_ENV = "COSTBOT_DEMO_DATABASE_URL"
# How often the demo source adds a day (until it reaches today).
ADVANCE_SECONDS = 30
DEMO_OPS_CHANNEL = "C0COSTOPS1"  # the sandbox's #costbot-ops
DEMO_ACTOR = "demo"  # who set the demo's budgets, in the audit log
# The sandbox's @budget-editors user group (Ada, its default user, is in it; Ben is not).
DEMO_BUDGET_EDITOR = "S0BUDGET01"
DEMO_IDLE_APPROVER = "U0SANDBOX1"  # Ada approves stops; Ben and Chen may not


class DemoStoreInUse(ConfigError):
    """The store named for the demo holds other billing data; nothing was written to it."""


@dataclass
class RunningDemo:
    """The sandbox (what the browser opens) and the bot it talks to."""

    sandbox: SandboxServer
    bot_server: BackgroundServer
    services: Services
    signing_secret: str
    jobs: CostbotScheduler | None = None  # the demo source's schedule
    outbox: threading.Event | None = None  # set to stop posting the outbox

    @property
    def url(self) -> str:
        """What a person opens: the sandbox page with its per-run key."""
        return self.sandbox.page_url

    def stop(self) -> None:
        if self.outbox is not None:
            self.outbox.set()
        if self.jobs is not None:
            self.jobs.shutdown(wait=True)
        self.bot_server.stop()
        self.sandbox.stop()
        self.services.engine.dispose()


def refuse_a_store_in_use(services: Services) -> None:
    """Stop before writing when the store holds any source but the demo's own."""
    others = other_sources(services.sources, DEMO_SOURCE)
    if others:
        store = services.engine.url.render_as_string(hide_password=True)
        raise DemoStoreInUse(
            f"the store {store} already holds other billing data (source: {', '.join(others)}), "
            "so costbot demo wrote nothing to it: demo rows would add to every real answer. "
            f"Leave out --database-url and {DEMO_DATABASE_ENV} (the demo then uses "
            f"{DEMO_DATABASE_URL} in this folder), or name an empty store."
        )


def demo_config(
    config: CostbotConfig,
    data_dir: Path,
    *,
    days: int = 90,
    seed: int = 7,
    behind_days: int = 0,
    advance_seconds: int = ADVANCE_SECONDS,
) -> CostbotConfig:
    """The config with the demo source as its only source: the demo store holds nothing else."""
    source = DemoSourceConfig(
        name=DEMO_SOURCE,
        path=data_dir,
        days=days,
        seed=seed,
        behind_days=behind_days,
        schedule=ScheduleConfig(every=f"{advance_seconds}s"),
    )
    # The sandbox's budget editors may change budgets from Slack, unless the config names some.
    alerts = config.alerts
    if not alerts.budget_editors:
        alerts = alerts.model_copy(update={"budget_editors": [DEMO_BUDGET_EDITOR]})
    update: dict[str, object] = {
        "sources": [source],
        "ops_channel": config.ops_channel or DEMO_OPS_CHANNEL,
        "alerts": alerts,
    }
    # The sandbox's channels and a daily digest, unless the config routes alerts itself.
    if config.channels == ChannelsConfig():
        update["channels"] = ChannelsConfig.model_validate(DEMO_CHANNELS)
    if not config.digests:
        update["digests"] = [DigestConfig.model_validate(d) for d in DEMO_DIGESTS]
    # The platform's and the GPU pool's cost split among projects, unless the config has rules.
    if not config.allocation.shared:
        update["allocation"] = config.allocation.model_copy(
            update={"shared": demo_shared_rules(data_dir)}
        )
    # The simulated fleet's idle machines, unless the config names controllers itself.
    if not config.idle.controllers:
        update["idle"] = demo_idle(seed)
    return config.model_copy(update=update)


def demo_shared_rules(data_dir: Path) -> list[SharedRuleConfig]:
    """The demo organisation's shared cost: the platform team's clusters and tools serve every
    project (split in proportion to each project's own cost), and its GPU pool is split by the
    GPU hours the job scheduler measured (its export runs a day behind: that day falls back)."""
    return [
        SharedRuleConfig.model_validate(rule)
        for rule in (
            {"name": "platform", "match": {"project": "platform"}, "split": "proportional"},
            {
                "name": GPU_POOL_PROJECT,
                "match": {"project": GPU_POOL_PROJECT},
                "split": "usage",
                "usage": {
                    "file": str(usage_file_for(data_dir)),
                    "columns": {"day": "day", "receiver": "project", "quantity": "gpu_hours"},
                    "label": "GPU hours",
                },
            },
        )
    ]


def demo_idle(seed: int) -> IdleConfig:
    """Idle machines on the simulated fleet, scanned every minute: a stop there changes no
    cloud, so it is no dry run. Its stalled machine is the one the billing data of `seed`
    shows in the cost anomaly."""
    return IdleConfig.model_validate(
        {
            "dry_run": False,
            "every": "1m",
            "approvers": {"default": [DEMO_IDLE_APPROVER]},
            "controllers": [{"type": "simulated", "seed": seed}],
        }
    )


def add_demo_budgets(services: Services) -> None:
    """Store the demo's budgets, as if set from Slack (so Edit works on them), sized from the
    cost just loaded (see bot/demo_budgets.py); nothing when any budget exists already."""
    config = services.config
    store = SqlBudgetStore(make_session_factory(services.engine))
    if config.budgets or store.stored_budgets():
        return
    today = services.costs.today()
    complete = Freshness(services.cost_store, [DEMO_SOURCE]).complete_through(today)
    chosen = demo_budgets(SpendReader(services.cost_store, config.cost_basis), today, complete)
    for entry in budget_configs(chosen, config.currency):
        budget = BudgetConfig.model_validate(entry).budget(config.currency)
        change = AuditEntry(
            actor=DEMO_ACTOR,
            action="budget.set",
            subject=budget.scope.key(),
            at=datetime.now(UTC),
            after=budget_record(budget),
        )
        store.put_budget(budget, change)


def build_demo_services(
    settings: Settings, data_dir: Path, *, config_path: Path | None = None, **demo: int
) -> Services:
    """Services on the demo store, with the demo source configured (see `demo_config`)."""
    config = demo_config(load_config(config_path or settings.config), data_dir, **demo)
    return build_services(settings, config=config)


def ensure_demo_data(services: Services) -> None:
    """Write the demo's billing files and load them: the demo source's first run."""
    refuse_a_store_in_use(services)
    result = services.snapshots.run_source(DEMO_SOURCE)
    if result.status == "failed":
        raise ConfigError(f"the demo data could not be written or loaded: {result.error}")


def start_demo(
    *,
    settings: Settings,
    data_dir: Path,
    port: int = 3000,
    days: int = 90,
    seed: int = 7,
    behind_days: int = 0,
    advance_seconds: int = ADVANCE_SECONDS,
    config_path: Path | None = None,
) -> RunningDemo:
    """Start the sandbox on 127.0.0.1:port and the bot on a free port, wired to each other.

    The demo starts `behind_days` behind today and its source catches up one day every
    `advance_seconds`, so the sandbox shows data arriving.
    """
    services = build_demo_services(
        settings,
        data_dir,
        config_path=config_path,
        days=days,
        seed=seed,
        behind_days=behind_days,
        advance_seconds=advance_seconds,
    )
    try:
        ensure_demo_data(services)
        reallocate_if_needed(services.shared)  # the rules may have changed since the last run
        add_demo_budgets(services)
    except BaseException:
        services.engine.dispose()
        raise
    signing_secret = secrets.token_hex(16)
    hide_secret(signing_secret)
    sandbox = SandboxServer(bot_token=SANDBOX_BOT_TOKEN, signing_secret=signing_secret, port=port)
    sandbox.start()
    slack = SlackSettings(
        slack_bot_token=SecretStr(SANDBOX_BOT_TOKEN),
        slack_signing_secret=SecretStr(signing_secret),
        slack_app_token=None,
        costbot_slack_api_url=sandbox.api_url,
    )
    client = WebClient(token=SANDBOX_BOT_TOKEN, base_url=sandbox.api_url)
    # Alert channels are resolved through the sandbox's channel list.
    services.alerts = services.alerts.routed_through(SlackChannelDirectory(client))
    bolt_app = build_bolt_app(services, slack)
    bot_server = BackgroundServer(build_wsgi_app(bolt_app, lambda: health(services)))
    sandbox.bot_url = bot_server.start() + EVENTS_PATH
    # The demo source advances on the real schedule, telling the sandbox's #costbot-ops.
    notifier = SlackNotifier(client)
    tell_what_is_due(services, notifier)
    jobs = build_job_scheduler(services, snapshot_then_tell(services, notifier), notifier)
    jobs.start()
    outbox = services.outbox_delivery(notifier).start_loop()
    return RunningDemo(sandbox, bot_server, services, signing_secret, jobs, outbox)


def tell_what_is_due(services: Services, notifier: SlackNotifier) -> None:
    """Evaluate the alerts, scan for idle machines and send today's digests now, as the
    schedule would, and post them: the sandbox shows them at once instead of at the next slot
    (the stalled GPU machine's proposal in #recsys). Each is claimed once, so a restarted demo
    posts only what is new."""
    services.alerts.evaluate()
    if services.idle.configured:
        services.idle.scan()
    today = services.costs.today()
    for digest in services.config.digests:
        services.digests.send(digest, today)
    services.outbox_delivery(notifier).deliver_pending()


def run_demo_forever(demo: RunningDemo) -> None:
    """Block until interrupted, then stop both servers."""
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        demo.stop()
