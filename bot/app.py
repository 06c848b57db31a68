"""Composition root: build the store, sources and services from settings. Wires; holds no rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.services.costs import CostService
from bot.services.coverage import CoverageService
from bot.services.deliveries import DeliveryService
from bot.services.health import HealthCheck
from bot.services.ingest import IngestService
from bot.services.store_sources import SourceCatalog
from bot.settings import CostbotConfig, Settings, load_config
from bot.sources.focus.source import FocusSource
from storage.db import create_store_engine, make_session_factory, upgrade_store
from storage.repositories.costs import SqlCostStore
from storage.repositories.deliveries import SqlDeliveryLedger
from storage.repositories.ingest import SqlIngestStore
from storage.repositories.sources import SqlSourceCatalog

if TYPE_CHECKING:
    from bot.jobs import RunSource
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


def build_services(settings: Settings | None = None, config_path: Path | None = None) -> Services:
    """Open (and upgrade) the store and build every service on it."""
    settings = settings or Settings()
    config = load_config(config_path or settings.config)
    engine = create_store_engine(
        settings.database_url,
        statement_seconds=settings.statement_seconds,
        connect_seconds=settings.connect_seconds,
    )
    upgrade_store(engine)
    sessions = make_session_factory(engine)
    rules = config.allocation.rules()
    cost_store = SqlCostStore(sessions)
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
    )
    coverage = CoverageService(
        cost_store, cost_basis=config.cost_basis, default_currency=config.currency, today=today
    )
    ingest = IngestService(
        SqlIngestStore(sessions),
        {"focus": FocusSource(rules)},
        cost_basis=config.cost_basis,
    )
    health = HealthCheck(coverage)
    deliveries = DeliveryService(SqlDeliveryLedger(sessions))
    sources = SqlSourceCatalog(sessions)
    return Services(
        settings, config, engine, costs, coverage, ingest, cost_store, health, deliveries, sources
    )


def build_job_scheduler(services: Services, run_source: RunSource) -> CostbotScheduler:
    """This replica's schedule: the configured jobs, each run claimed in the store first."""
    from bot.jobs import snapshot_jobs
    from bot.scheduler import build_scheduler  # APScheduler loads only for commands that run jobs
    from storage.locks import SqlJobClaims

    claims = SqlJobClaims(make_session_factory(services.engine))
    return build_scheduler(snapshot_jobs(services.config.sources, run_source), claims)
