"""Composition root: build the store, sources and services from settings. Wires; holds no rules."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.allocation import AllocationRules
from bot.services.alert_ports import ChannelDirectory
from bot.services.alert_routing import AlertRouter
from bot.services.alert_rules.anomalies import AnomalyRule
from bot.services.alerts import AlertService
from bot.services.budgets import BudgetService
from bot.services.costs import CostService
from bot.services.coverage import CoverageService
from bot.services.deliveries import DeliveryService
from bot.services.digests import DigestResult, DigestService
from bot.services.freshness import Freshness
from bot.services.health import HealthCheck
from bot.services.idle import IdleService
from bot.services.idle_ports import AuditLog, MessageEditor, PriceBook
from bot.services.idle_prices import ChainedPriceBook
from bot.services.idle_scan import IdleRules
from bot.services.idle_shares import SavingShares
from bot.services.ingest import IngestService
from bot.services.outbox import Notifier, OutboxDelivery
from bot.services.shared import SharedCostService
from bot.services.shared_refresh import ReallocateAfterIngest
from bot.services.shared_usage import PandasUsageFileReader
from bot.services.snapshot_ports import CallCounter, SourceContext, SourceError
from bot.services.snapshots import ConfiguredSource, SnapshotService, SourceRunResult
from bot.services.source_status import SourceStatusService
from bot.services.spend import SpendReader
from bot.services.store_sources import SourceCatalog
from bot.services.tag_policy import TagPolicyService
from bot.settings import CostbotConfig, Settings, SlackSettings, load_config
from bot.settings_alerts import DigestConfig
from bot.sources.aws_cur.files import AwsCurFiles
from bot.sources.azure_cost_export.files import AzureExportFiles
from bot.sources.focus.source import FocusSource
from bot.sources.registry import source_types
from handlers.blocks.alerts import describe_alert
from handlers.blocks.digests import describe_digest
from handlers.blocks.source_health import describe_source_health
from storage.db import create_store_engine, make_session_factory, upgrade_store
from storage.locks import SqlNamedLocks
from storage.repositories.alerts import SqlAlertLedger
from storage.repositories.audit import SqlAuditLog
from storage.repositories.budgets import SqlBudgetStore
from storage.repositories.costs import SqlCostStore
from storage.repositories.deliveries import SqlDeliveryLedger
from storage.repositories.idle import SqlIdleStore
from storage.repositories.ingest import SqlIngestStore
from storage.repositories.paid_prices import SqlPaidPrices
from storage.repositories.shared import SqlSharedCostStore
from storage.repositories.shared_parts import SqlSharedParts
from storage.repositories.snapshots import SqlOutbox, SqlSnapshotState
from storage.repositories.sources import SqlSourceCatalog
from storage.repositories.tags import SqlTagStore

logger = logging.getLogger("costbot.app")

if TYPE_CHECKING:
    from bot.jobs import RunDigest, RunSource
    from bot.scheduler import CostbotScheduler


@dataclass
class Services:
    settings: Settings
    config: CostbotConfig
    engine: Engine
    costs: CostService
    coverage: CoverageService
    ingest: IngestService
    cost_store: SqlCostStore
    health: HealthCheck
    deliveries: DeliveryService
    sources: SourceCatalog
    snapshots: SnapshotService
    source_status: SourceStatusService
    outbox: SqlOutbox
    # Slack's user groups are given to it once the Slack app exists (bot/slack_app.py).
    budgets: BudgetService
    digests: DigestService
    alerts: AlertService
    idle: IdleService
    audit: AuditLog
    shared: SharedCostService
    tag_policy: TagPolicyService

    def outbox_delivery(self, notifier: Notifier | None) -> OutboxDelivery:
        """Posts what the outbox holds through `notifier` (None: this process cannot post)."""
        return OutboxDelivery(self.outbox, notifier)


def build_services(
    settings: Settings | None = None,
    config_path: Path | None = None,
    *,
    config: CostbotConfig | None = None,
) -> Services:
    """Open (and upgrade) the store and build every service on it."""
    settings = settings or Settings()
    config = config or load_config(config_path or settings.config)
    engine = create_store_engine(
        settings.database_url,
        statement_seconds=settings.statement_seconds,
        connect_seconds=settings.connect_seconds,
    )
    upgrade_store(engine)
    sessions = make_session_factory(engine)
    rules = config.allocation.rules()
    cost_store = SqlCostStore(sessions)
    # One reading of how current the store is, shared by answers and status.
    freshness = Freshness(cost_store, [source.name for source in config.sources])
    pinned_today = settings.today
    today = (lambda: pinned_today) if pinned_today else (lambda: datetime.now(UTC).date())
    costs = CostService(
        cost_store,
        rules=rules,
        cost_basis=config.cost_basis,
        default_currency=config.currency,
        today=today,
        cache=settings.answer_cache,
        cache_bytes=int(settings.answer_cache_mb * 2**20),
        freshness=freshness,
    )
    tag_store = SqlTagStore(sessions)
    coverage = CoverageService(
        cost_store,
        tag_store,
        cost_basis=config.cost_basis,
        default_currency=config.currency,
        today=today,
        freshness=freshness,
    )
    shared = build_shared_service(config, sessions)
    ingest = IngestService(
        SqlIngestStore(sessions),
        {
            "focus": FocusSource(rules),
            "aws-cur": AwsCurFiles(rules),
            "azure": AzureExportFiles(rules),
        },
        cost_basis=config.cost_basis,
        after_publish=ReallocateAfterIngest(shared),
    )
    health = HealthCheck(coverage)
    deliveries = DeliveryService(SqlDeliveryLedger(sessions))
    sources = SqlSourceCatalog(sessions)
    configured = build_configured_sources(config, SourceContextFactory(rules, pinned_today))
    state = SqlSnapshotState(sessions)
    snapshots = SnapshotService(
        configured,
        ingest,
        state,
        SqlNamedLocks(sessions),
        alert_after=config.alert_after_failures,
        ops_channel=config.ops_channel,
        describe_event=describe_source_health,
    )
    from bot.scheduler import next_run  # the one module that knows APScheduler

    source_status = SourceStatusService(
        configured, state, cost_store, next_run, freshness, today=today
    )
    budgets = build_budget_service(config, sessions, cost_store, freshness, today)
    # Real UTC time even when COSTBOT_TODAY pins the answers' day: leases and expiries end.
    idle = build_idle_service(config, sessions, lambda: datetime.now(UTC))
    alerts = build_alert_service(
        config,
        sessions,
        cost_store,
        freshness,
        budgets,
        SourceContextFactory(rules, pinned_today).now,
    )
    return Services(
        settings,
        config,
        engine,
        costs,
        coverage,
        ingest,
        cost_store,
        health,
        deliveries,
        sources,
        snapshots,
        source_status,
        SqlOutbox(sessions),
        budgets,
        DigestService(
            config.digests,
            cost_store,
            budgets,
            SqlAlertLedger(sessions),
            describe=describe_digest,
            complete_through=freshness.complete_through,
            untagged=coverage.untagged_totals,
            cost_basis=config.cost_basis,
            fallback_channel=config.channels.default,
            idle=idle.digest_part if idle.configured else None,
        ),
        alerts,
        idle,
        SqlAuditLog(sessions),
        shared,
        TagPolicyService(
            tag_store,
            freshness,
            required_tags=config.allocation.required_tags,
            cost_basis=config.cost_basis,
            today=today,
        ),
    )


def build_shared_service(
    config: CostbotConfig, sessions: sessionmaker[Session]
) -> SharedCostService:
    """The `allocation.shared` rules over the store, on the configured cost basis."""
    return SharedCostService(
        SqlSharedCostStore(sessions),
        config.allocation.shared_rules(),
        basis=config.cost_basis,
        usage_files=PandasUsageFileReader(),
        locks=SqlNamedLocks(sessions),
    )


def build_idle_service(
    config: CostbotConfig, sessions: sessionmaker[Session], clock: Callable[[], datetime]
) -> IdleService:
    """Idle machines on the configured controllers (none: scans find nothing to do)."""
    from bot.cloud.registry import ControllerContext, build_controllers
    from handlers.blocks.idle import describe_proposal

    idle = config.idle
    rules = IdleRules(
        policy=idle.policy.policy(),
        dry_run=idle.dry_run,
        ttl=idle.ttl,
        exclude_tags=tuple(idle.exclude_tags),
        windows=tuple(idle.windows()),
        approvers_for=idle.approvers.for_team,
        owners=idle.owners,
    )
    controllers = build_controllers(
        idle.controllers, ControllerContext(now=clock, price_file=idle.price_file)
    )
    return IdleService(
        controllers,
        SqlIdleStore(sessions),
        SqlNamedLocks(sessions),
        AlertRouter(config.channels, build_channel_directory(SlackSettings())),
        describe_proposal,
        rules,
        config.allocation.rules(),
        build_price_book(config, sessions, lambda: clock().date()),
        shares=SavingShares(
            SqlSharedParts(sessions),
            [rule.among for rule in config.allocation.shared_rules()],
            basis=config.cost_basis,
        ),
        clock=clock,
    )


def build_price_book(
    config: CostbotConfig,
    sessions: sessionmaker[Session],
    today: Callable[[], date] | None = None,
) -> PriceBook:
    """What a machine costs per hour: what was paid for it lately, else the controller's own
    price, else its kind's price table (EC2's, with `idle.price_file`'s rows), each saying
    which. A bad price file fails here, at start, naming its line."""
    from bot.cloud.aws_ec2.prices import Ec2PriceTable

    idle = config.idle
    return ChainedPriceBook(
        SqlPaidPrices(sessions),
        {"aws_ec2": Ec2PriceTable(idle.price_file)},
        kinds={c.controller_name: c.type for c in idle.controllers},
        today=today,
    )


def build_budget_service(
    config: CostbotConfig,
    sessions: sessionmaker[Session],
    cost_store: SqlCostStore,
    freshness: Freshness,
    today: Callable[[], date],
) -> BudgetService:
    """The config's budgets and those set from Slack."""
    return BudgetService(
        config.config_budgets(),
        SqlBudgetStore(sessions),
        SpendReader(cost_store, config.cost_basis),
        today=today,
        complete_through=freshness.complete_through,
        editors=frozenset(config.alerts.budget_editors),
        forecast_min_days=config.alerts.forecast_min_days,
        default_currency=config.currency,
    )


def build_alert_service(
    config: CostbotConfig,
    sessions: sessionmaker[Session],
    cost_store: SqlCostStore,
    freshness: Freshness,
    budgets: BudgetService,
    clock: Callable[[], datetime],
) -> AlertService:
    """Alerts on the store's ledger, routed through Slack's channel list when a token is set."""
    alerts = config.alerts
    anomalies = None
    if alerts.anomaly.enabled and alerts.anomaly.dimensions:
        anomalies = AnomalyRule(
            cost_store,
            config.cost_basis,
            alerts.anomaly.settings(),
            alerts.anomaly.dimensions,
            default_currency=config.currency,
        )
    return AlertService(
        budgets,
        SqlAlertLedger(sessions),
        SqlNamedLocks(sessions),
        AlertRouter(config.channels, build_channel_directory(SlackSettings())),
        describe_alert,
        anomalies=anomalies,
        complete_through=freshness.complete_through,
        forecast_step=alerts.forecast_step,
        forecast_min_days=alerts.forecast_min_days,
        max_per_channel=alerts.max_per_channel,
        clock=clock,
    )


def build_channel_directory(slack: SlackSettings) -> ChannelDirectory | None:
    """Slack's channel list (names to ids, membership); None without a bot token."""
    if slack.slack_bot_token is None or not slack.slack_bot_token.get_secret_value():
        return None
    from slack_sdk import WebClient

    from bot.slack_directory import SlackChannelDirectory

    client = WebClient(
        token=slack.slack_bot_token.get_secret_value(), base_url=slack.costbot_slack_api_url
    )
    return SlackChannelDirectory(client)


@dataclass(frozen=True)
class SourceContextFactory:
    rules: AllocationRules
    pinned_today: date | None = None  # COSTBOT_TODAY: the sources see that day too

    def __call__(self) -> SourceContext:
        return SourceContext(rules=self.rules, calls=CallCounter(), now=self.now)

    def now(self) -> datetime:
        now = datetime.now(UTC)
        if self.pinned_today is None:
            return now
        return datetime.combine(self.pinned_today, now.timetz())


def build_configured_sources(
    config: CostbotConfig, contexts: SourceContextFactory
) -> list[ConfiguredSource]:
    """Each `sources:` entry built by its registered type."""
    if not config.sources:
        return []  # the source modules (boto3 among them) load only when a source needs them
    types = source_types()
    built = []
    for entry in config.sources:
        spec = types[entry.type]
        context = contexts()
        built.append(
            ConfiguredSource(
                name=entry.name,
                type=entry.type,
                schedule=entry.schedule.schedule(),
                source=spec.build(entry, context),
                calls=context.calls,
                paid_calls=spec.paid_calls,
            )
        )
    return built


def build_job_scheduler(
    services: Services, run_source: RunSource, notifier: Notifier | None = None
) -> CostbotScheduler:
    """This replica's schedule: the configured jobs, each run claimed in the store first."""
    from bot.jobs import alert_jobs, digest_jobs, idle_jobs, snapshot_jobs
    from bot.scheduler import build_scheduler  # APScheduler loads only for commands that run jobs
    from storage.locks import SqlJobClaims

    claims = SqlJobClaims(make_session_factory(services.engine))
    jobs = snapshot_jobs(services.config.sources, run_source)
    jobs += digest_jobs(services.digests.digests, send_digest_then_tell(services, notifier))
    jobs += alert_jobs(services.config.alerts.every, evaluate_then_tell(services, notifier))
    if services.idle.configured:
        if isinstance(notifier, MessageEditor):  # Slack's: proposals are rewritten in place
            from bot.slack_directory import SlackOwnerDirectory
            from bot.slack_notifier import SlackNotifier

            owners = None
            if isinstance(notifier, SlackNotifier):
                owners = SlackOwnerDirectory(notifier.client, services.config.idle.owners)
            services.idle.use_slack(editor=notifier, owners=owners)
        jobs += idle_jobs(services.config.idle.every, scan_then_tell(services, notifier))
    return build_scheduler(jobs, claims)


def scan_then_tell(services: Services, notifier: Notifier | None) -> Callable[[str], object]:
    """A scheduled idle scan, then delivery of the proposals it made."""

    def scan(slot: str) -> object:
        report = services.idle.scan()
        services.outbox_delivery(notifier).deliver_pending()
        return report

    return scan


def send_digest_then_tell(services: Services, notifier: Notifier | None) -> RunDigest:
    """A scheduled digest: claim the one due at the slot's day, then post the outbox."""

    def run_digest(digest: DigestConfig, slot: str) -> DigestResult:
        day = datetime.fromisoformat(slot.replace("Z", "+00:00")).date()
        if services.settings.today is not None:  # COSTBOT_TODAY: the day answers are about
            day = min(day, services.settings.today)
        result = services.digests.send(digest, day)
        services.outbox_delivery(notifier).deliver_pending()
        return result

    return run_digest


def evaluate_then_tell(services: Services, notifier: Notifier | None) -> Callable[[str], object]:
    """A scheduled alert evaluation, then delivery of what it claimed."""

    def evaluate(slot: str) -> object:
        report = services.alerts.evaluate()
        services.outbox_delivery(notifier).deliver_pending()
        return report

    return evaluate


def snapshot_then_tell(services: Services, notifier: Notifier | None) -> RunSource:
    """A scheduled snapshot: run the source for its slot, evaluate alerts when it ingested
    something, then post what the outbox holds."""

    def run_source(name: str, slot: str) -> SourceRunResult:
        from bot.scheduler import still_held  # the one module that knows APScheduler

        result = services.snapshots.run_source(name, slot=slot, still_held=still_held)
        if result.status == "ok" and result.units_read:
            try:
                services.alerts.evaluate()
            except Exception:  # the snapshot stands; the alerts job evaluates again on schedule
                logger.exception("alert evaluation after snapshot %s failed", name)
        services.outbox_delivery(notifier).deliver_pending()
        if result.status == "failed":
            # Recorded in the source's health already; the slot's claim records it as failed.
            raise SourceError(f"source {name} failed: {result.error}")
        return result

    return run_source
