"""Composition root: build the store, sources and services from settings. Wires; holds no rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.services.costs import CostService
from bot.services.coverage import CoverageService
from bot.services.deliveries import DeliveryService
from bot.services.health import HealthCheck
from bot.services.ingest import IngestService
from bot.services.store_sources import SourceCatalog
from bot.settings import CostbotConfig, Settings, load_config
from bot.sources.aws_cur.files import AwsCurFiles
from bot.sources.azure_cost_export.files import AzureExportFiles
from bot.sources.focus.source import FocusSource
from storage.db import create_store_engine, make_session_factory, upgrade_store
from storage.repositories.costs import SqlCostStore
from storage.repositories.deliveries import SqlDeliveryLedger
from storage.repositories.ingest import SqlIngestStore
from storage.repositories.sources import SqlSourceCatalog


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
        {
            "focus": FocusSource(rules),
            "aws-cur": AwsCurFiles(rules),
            "azure": AzureExportFiles(rules),
        },
        cost_basis=config.cost_basis,
    )
    health = HealthCheck(coverage)
    deliveries = DeliveryService(SqlDeliveryLedger(sessions))
    sources = SqlSourceCatalog(sessions)
    return Services(
        settings, config, engine, costs, coverage, ingest, cost_store, health, deliveries, sources
    )
