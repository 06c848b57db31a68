"""Benchmark: one alert evaluation of 1,000 and 10,000 budgets over a year of daily cost.

    python bench/alerts.py                          # 365 days x 10,000 resources, SQLite
    python bench/alerts.py --db postgres --repeat 3
    python bench/alerts.py --days 40 --resources 300 --budgets 50,200 --repeat 1   # quick check

The cost store is bench/query.py's (cached under /tmp/costbot_bench, loaded through the real
ingest write path). Budgets are every value of project, team, owner, model, environment,
service, account and region, then resources, up to the count asked, with amounts that let a
share of them cross a threshold or forecast over. Each repeat evaluates on a fresh alert ledger
(its own SQLite file beside the cost store, so a repeat's claims do not make the next one
quiet): "first" claims every alert due (and judges anomalies of project, team and service);
"again" is the evaluation right after it, which finds everything claimed. Nothing is posted
(no Slack token): messages wait in the ledger's outbox. How current the store is (Freshness:
read once per data version, shared with answers) is timed on its own. Target: under 5 s at
10,000 budgets, growing linearly.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from _common import CACHE_DIR, code_version, median, print_table, write_results
from query import store

from bot.app import build_services
from bot.domain.budgets import Budget, BudgetScope
from bot.services.alert_routing import AlertRouter
from bot.services.alert_rules.anomalies import AnomalyRule
from bot.services.alerts import AlertService
from bot.services.budgets import BudgetService
from bot.services.freshness import Freshness
from bot.services.spend import SpendReader
from bot.settings import Settings
from bot.settings_alerts import AlertsConfig, ChannelsConfig
from handlers.blocks.alerts import describe_alert
from storage.db import create_store_engine, make_session_factory, upgrade_store
from storage.locks import SqlNamedLocks
from storage.repositories.alerts import SqlAlertLedger

DIMENSIONS = ("project", "team", "owner", "model", "environment", "service", "account", "region")


class NoStoredBudgets:
    """Only the benchmark's budgets: none set from Slack."""

    def stored_budgets(self) -> list:
        return []


def budgets_for(services, count: int) -> list[Budget]:
    names = [(d, n) for d in DIMENSIONS for n in services.cost_store.known_names(d)]
    names += [("resource", n) for n in services.cost_store.known_names("resource")]
    if len(names) < count:
        sys.exit(f"the store has {len(names):,} scopes; ask for at most that many budgets")
    budgets = []
    for index, (dimension, name) in enumerate(names[:count]):
        # From $2 to $20,000 a month: small scopes go over, big ones stay under.
        amount = Decimal(2) * Decimal(10) ** (Decimal(index * 7919 % 4000) / 1000)
        budgets.append(
            Budget(BudgetScope(dimension, name), amount.quantize(Decimal("0.01")), "USD")
        )
    return budgets


def alert_service(
    services, budgets: list[Budget], ledger_url: str, freshness: Freshness
) -> AlertService:
    engine = create_store_engine(ledger_url)
    upgrade_store(engine)
    sessions = make_session_factory(engine)
    alerts = AlertsConfig()
    today = datetime.now(UTC).date()
    budget_service = BudgetService(
        budgets,
        NoStoredBudgets(),
        SpendReader(services.cost_store, "effective"),
        today=lambda: today,
        complete_through=freshness.complete_through,
        editors=frozenset(),
    )
    anomalies = AnomalyRule(
        services.cost_store,
        "effective",
        alerts.anomaly.settings(),
        alerts.anomaly.dimensions,
        default_currency="USD",
    )
    return AlertService(
        budget_service,
        SqlAlertLedger(sessions),
        SqlNamedLocks(sessions),
        AlertRouter(ChannelsConfig(default="#costs", by_team={"team-1": "#team-1"}), None),
        describe_alert,
        anomalies=anomalies,
        complete_through=freshness.complete_through,
    )


def bench(db: str, args: argparse.Namespace) -> list[dict]:
    url, built = store(db, args.days, args.resources, args.rebuild)
    services = build_services(Settings(database_url=url))
    results = []
    for count in args.budgets:
        budgets = budgets_for(services, count)
        first, again, fresh, claimed = [], [], [], 0
        for repeat in range(args.repeat):
            with tempfile.TemporaryDirectory(dir=CACHE_DIR) as scratch:
                ledger = f"sqlite:///{Path(scratch) / f'ledger-{repeat}.db'}"
                # Read once per data version (after each ingest) and shared with answers:
                # timed on its own, it is the same whatever the number of budgets.
                freshness = Freshness(services.cost_store)
                started = time.perf_counter()
                freshness.complete_through(datetime.now(UTC).date())
                fresh.append(time.perf_counter() - started)
                alerts = alert_service(services, budgets, ledger, freshness)
                started = time.perf_counter()
                report = alerts.evaluate()
                first.append(time.perf_counter() - started)
                started = time.perf_counter()
                quiet = alerts.evaluate()
                again.append(time.perf_counter() - started)
                claimed = sum(1 for a in report.alerts if a.status == "pending")
                assert not [a for a in quiet.alerts if a.status == "pending"]
        results.append(
            {
                "db": db,
                "budgets": count,
                "first_s": median(first),
                "again_s": median(again),
                "freshness_s": median(fresh),
                "first_all": [round(t, 3) for t in first],
                "again_all": [round(t, 3) for t in again],
                "alerts_claimed": claimed,
                "build_seconds": round(built, 1),
            }
        )
        print(f"  {db} {count:,} budgets: first {median(first):.2f} s, again "
              f"{median(again):.2f} s, freshness {median(fresh):.2f} s, {claimed} alerts",
              flush=True)  # fmt: skip
    services.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--budgets", default="1000,10000", help="budget counts, comma-separated")
    parser.add_argument("--db", default="sqlite", help="sqlite, postgres or both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached stores")
    args = parser.parse_args()
    args.budgets = [int(n) for n in args.budgets.split(",")]
    dbs = [d.strip() for d in args.db.split(",")]
    print(f"code under test: {code_version()}")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    results = [r for db in dbs for r in bench(db, args)]
    print(f"\n{args.days} days x {args.resources:,} resources; median of {args.repeat} "
          "repeats; target < 5 s at 10,000 budgets, linear\n")  # fmt: skip
    print_table(
        ["db", "budgets", "first s", "again s", "freshness s", "alerts"],
        [[r["db"], f"{r['budgets']:,}", f"{r['first_s']:.2f}", f"{r['again_s']:.2f}",
          f"{r['freshness_s']:.2f}", r["alerts_claimed"]] for r in results],
    )  # fmt: skip
    for db in dbs:
        mine = {r["budgets"]: r for r in results if r["db"] == db}
        low, high = min(mine), max(mine)
        if low != high:
            ratio = mine[high]["first_s"] / mine[low]["first_s"]
            print(f"{db}: {high:,} / {low:,} budgets = {ratio:.2f}x the time "
                  f"(linear would be {high / low:.0f}x or less)")  # fmt: skip
    print(f"\nJSON: {write_results('alerts', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
