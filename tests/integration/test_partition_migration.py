"""The 0003 migration on a store with data: partitions gain their billing account, the
rollups are rebuilt from the facts, and a re-ingest after the upgrade replaces, never doubles."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from alembic import command
from sqlalchemy import Engine, inspect, text

from bot.app import build_services
from bot.domain.cost_rows import account_digest
from bot.settings import Settings
from storage.db import _alembic_config
from tests.helpers import FOCUS_HEADER, write_focus_csv
from tests.integration.test_migrations import empty_engine  # noqa: F401 (a fixture)

AWS = "123456789012"
OCI = "ocid1.tenancy.oc1..aaaaaaaalnpeq6xok1okj8vknc9pzancima2g8bwvk2kk9jgwhgycacrie2q"
WITH_PERIOD = [*FOCUS_HEADER, "BillingAccountId", "BillingPeriodStart"]
WITHOUT_PERIOD = [*FOCUS_HEADER, "BillingAccountId"]


def _rows(account: str, cost: str, days: int, *, period: str | None) -> list[dict]:
    first = date(2026, 11, 1)
    return [
        {
            "EffectiveCost": cost,
            "BilledCost": cost,
            "ChargePeriodStart": f"{first + timedelta(days=n)}T00:00:00Z",
            "ChargePeriodEnd": f"{first + timedelta(days=n + 1)}T00:00:00Z",
            "BillingAccountId": account,
            "BillingPeriodStart": period or "",
            "ResourceId": f"{account[:6]}-{n % 3}",
            "Tags": '{"team": "ml"}' if n % 2 else "",
        }
        for n in range(days)
    ]


def _files(tmp_path) -> list:
    """AWS and OCI November with billing periods, a keyless file, and days without periods."""
    return [
        write_focus_csv(tmp_path / "aws.csv", _rows(AWS, "10.5", 30, period="2026-11-01"),
                        WITH_PERIOD),
        write_focus_csv(tmp_path / "oci.csv", _rows(OCI, "3.25", 30, period="2026-11-01"),
                        WITH_PERIOD),
        write_focus_csv(tmp_path / "oci-days.csv", _rows(OCI, "1", 5, period=None),
                        WITHOUT_PERIOD),
        write_focus_csv(tmp_path / "plain.csv", [{"EffectiveCost": "2"}], FOCUS_HEADER),
    ]  # fmt: skip


def _contents(engine: Engine) -> dict[str, list]:
    queries = {
        "facts": "SELECT k.key_hash, d.day, d.source, d.partition, d.billed_cost, "
        "d.effective_cost, d.list_cost, d.usage_quantity "
        "FROM cost_daily d JOIN cost_keys k ON k.id = d.key_id",
        "rollups": "SELECT source, partition, day, dimension, value, service_name, currency, "
        "billed_cost, effective_cost FROM cost_rollup_daily",
    }
    with engine.connect() as connection:
        rows = {
            name: sorted(
                (tuple(str(v) for v in row) for row in connection.execute(text(sql))), key=repr
            )
            for name, sql in queries.items()
        }
    # Rollup rows are sums: two rows of one group (the old per-flush rows) read as their sum.
    summed: dict[tuple, list[Decimal]] = {}
    for row in rows["rollups"]:
        totals = summed.setdefault(row[:-2], [Decimal(0), Decimal(0)])
        totals[0] += Decimal(row[-2])
        totals[1] += Decimal(row[-1])
    rows["rollups"] = sorted((*k, *map(str, v)) for k, v in summed.items())
    return rows


def _partitions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text("SELECT DISTINCT partition FROM cost_daily")).scalars())


def _services(engine: Engine):
    return build_services(Settings(database_url=engine.url.render_as_string(False)))


def test_upgrade_rewrites_partitions_per_account_and_reingest_replaces(empty_engine, tmp_path):  # noqa: F811
    files = _files(tmp_path)
    services = _services(empty_engine)  # at head
    for path in files:
        services.ingest.ingest([path])
    fresh = _contents(empty_engine)
    services.engine.dispose()
    aws, oci = account_digest(AWS), account_digest(OCI)
    assert _partitions(empty_engine) == {
        f"bp:2026-11-01:{aws}",
        f"bp:2026-11-01:{oci}",
        f"days:{oci}",
        "days",
    }

    config = _alembic_config(empty_engine)
    command.downgrade(config, "0002")
    # As 0002 stored them: one partition for every account's November, one for all days.
    assert _partitions(empty_engine) == {"bp:2026-11-01", "days"}
    old = _contents(empty_engine)
    assert len(old["facts"]) == len(fresh["facts"])
    with empty_engine.connect() as connection:
        assert "replaced" not in {c["name"] for c in _columns(connection, "ingest_runs")}

    command.upgrade(config, "head")

    assert _contents(empty_engine) == fresh
    with empty_engine.connect() as connection:
        runs = connection.execute(text("SELECT replaced, null_costs FROM ingest_runs")).all()
    assert [tuple(_json(v) for v in run) for run in runs] == [({}, {})] * len(files)

    # A re-ingest after the upgrade replaces what the old version stored.
    services = _services(empty_engine)
    summaries = [services.ingest.ingest([path]).record.replaced for path in files]
    services.engine.dispose()
    assert _contents(empty_engine) == fresh
    assert [(s["removed"], s["added"]) for s in summaries] == [
        ({"USD": "315.000000000"}, {"USD": "315.000000000"}),  # AWS: 30 days x 10.5
        # OCI's November replaces OCI's own days without a period too (5 x 1 on Nov 1-5).
        ({"USD": "102.500000000"}, {"USD": "97.500000000"}),
        ({"USD": "0.000000000"}, {"USD": "5.000000000"}),
        ({"USD": "2.000000000"}, {"USD": "2.000000000"}),
    ]
    assert _contents(empty_engine) == fresh


def test_a_restatement_after_the_upgrade_replaces_one_account_only(empty_engine, tmp_path):  # noqa: F811
    files = _files(tmp_path)
    config = _alembic_config(empty_engine)
    services = _services(empty_engine)
    for path in files:
        services.ingest.ingest([path])
    services.engine.dispose()
    command.downgrade(config, "0002")
    command.upgrade(config, "head")

    restated = write_focus_csv(
        tmp_path / "aws-restated.csv", _rows(AWS, "9", 30, period="2026-11-01"), WITH_PERIOD
    )
    services = _services(empty_engine)
    summary = services.ingest.ingest([restated])
    totals = services.cost_store.sum_cost(
        date(2026, 11, 1), date(2026, 11, 30), "effective", group_by=("billing_account_id",)
    )
    services.engine.dispose()

    assert summary.record.replaced["removed"] == {"USD": "315.000000000"}  # 30 x 10.5
    assert summary.record.replaced["added"] == {"USD": "270.000000000"}  # 30 x 9
    assert {account: cost for account, _currency, cost in totals} == {
        AWS: Decimal(270),
        OCI: Decimal("97.5") + Decimal(5),  # 30 x 3.25, and 5 days x 1 without a period
    }


def _columns(connection, table: str) -> list[dict]:
    return inspect(connection).get_columns(table)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value
