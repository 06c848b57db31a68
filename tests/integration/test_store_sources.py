"""Which sources a store holds, as `costbot demo` asks before it writes anything."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.store_sources import other_sources
from storage.db import make_session_factory
from storage.models import IngestRun


def test_an_empty_store_and_a_demo_only_store_hold_no_other_source(store, focus_file):
    assert store.services.sources.sources() == set()
    store.services.ingest.ingest([focus_file], source="demo")
    assert other_sources(store.services.sources, "demo") == []


def test_cost_rows_of_another_source_are_found(store, focus_file):
    store.services.ingest.ingest([focus_file], source="demo")
    store.services.ingest.ingest([focus_file], source="aws")
    assert store.services.sources.sources() == {"demo", "aws"}
    assert other_sources(store.services.sources, "demo") == ["aws"]


def test_an_ingest_run_that_stored_no_rows_still_counts(store):
    # A refused or empty ingest leaves a run and no rows: the store is someone's all the same.
    with make_session_factory(store.services.engine).begin() as session:
        session.add(
            IngestRun(
                source="focus",
                status="failed",
                cost_basis="effective",
                started_at=datetime.now(UTC),
            )
        )
    assert other_sources(store.services.sources, "demo") == ["focus"]
