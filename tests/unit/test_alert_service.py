"""The alert service's logic on a real SQLite cost store, with the ledger in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import build_services
from bot.domain.budgets import Budget, BudgetScope
from bot.services.alert_ports import AlertKind, AlertState, ChannelRef
from bot.services.alert_routing import AlertRouter
from bot.services.alert_rules.anomalies import AnomalyRule
from bot.services.alerts import AlertService
from bot.services.budgets import BudgetService
from bot.services.errors import AlreadyDecidedError
from bot.services.freshness import Freshness
from bot.services.spend import SpendReader
from bot.settings import Settings
from bot.settings_alerts import AlertsConfig, ChannelsConfig
from handlers.blocks.alerts import describe_alert
from storage.db import make_session_factory
from storage.locks import SqlNamedLocks
from tests.alert_data import TODAY, ingest_rows, standard_rows
from tests.unit.memory_alert_ledger import MemoryAlertLedger, NoStoredBudgets

NOW = datetime(2024, 9, 20, 9, 0, tzinfo=UTC)


class Directory:
    """Slack's channel list as the fake knows it: the bot is in some channels only."""

    def __init__(self, channels: dict[str, bool]) -> None:
        self._channels = {
            f"C{n:03d}": ChannelRef(f"C{n:03d}", name, member)
            for n, (name, member) in enumerate(channels.items())
        }

    def resolve(self, channel: str) -> ChannelRef | None:
        name = channel.removeprefix("#")
        return next((c for c in self._channels.values() if name in (c.id, c.name)), None)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("alerts")
    services = build_services(Settings(database_url=f"sqlite:///{tmp / 'c.db'}"))
    ingest_rows(services, Path(tmp), standard_rows())
    yield services
    services.engine.dispose()


def service(store, ledger, budgets, *, directory=None, channels=None, alerts=None, now=NOW):
    alerts = alerts or AlertsConfig()
    channels = channels or ChannelsConfig(
        default="#costs",
        by_project={"spiky": "#ml-alerts", "fraud": "#risk"},
        by_team={"ml-platform": "#ml-team"},
    )
    freshness = Freshness(store.cost_store)
    budget_service = BudgetService(
        budgets,
        NoStoredBudgets(),
        SpendReader(store.cost_store, "effective"),
        today=lambda: now.date(),
        complete_through=freshness.complete_through,
        editors=frozenset(),
    )
    anomalies = AnomalyRule(
        store.cost_store,
        "effective",
        alerts.anomaly.settings(),
        alerts.anomaly.dimensions,
        default_currency="USD",
    )
    return AlertService(
        budget_service,
        ledger,
        SqlNamedLocks(make_session_factory(store.engine)),
        AlertRouter(channels, directory),
        describe_alert,
        anomalies=anomalies,
        complete_through=freshness.complete_through,
        forecast_step=alerts.forecast_step,
        forecast_min_days=alerts.forecast_min_days,
        max_per_channel=alerts.max_per_channel,
        clock=lambda: now,
    )


FRAUD = Budget(BudgetScope("project", "fraud"), Decimal(2000), "USD", mentions=("U123", "S999"))


def by_kind(report, kind):
    return [a for a in report.alerts if a.kind == kind]


def test_threshold_names_the_highest_and_covers_the_lower(store):
    ledger = MemoryAlertLedger()
    report = service(store, ledger, [FRAUD]).evaluate()
    (threshold,) = by_kind(report, "threshold")
    assert threshold.key == "budget:project=fraud:monthly:2024-09-01:threshold:80"
    assert (threshold.channel, threshold.status) == ("#risk", "pending")
    covered = ledger.record("budget:project=fraud:monthly:2024-09-01:threshold:50")
    assert covered is not None and covered.state is AlertState.COVERED
    message = next(m for m in ledger.outbox if m.key == f"alert:{threshold.key}")
    assert message.text.startswith("<@U123> <!subteam^S999> Budget alert:")
    assert "80% threshold" in message.text and "50%" in message.text
    assert message.fallback_channel == "#costs"


def test_a_second_evaluation_claims_nothing_new(store):
    ledger = MemoryAlertLedger()
    alerts = service(store, ledger, [FRAUD])
    first = alerts.evaluate()
    assert {a.status for a in first.alerts} == {"pending"}
    second = alerts.evaluate()
    assert [a for a in second.alerts if a.status != "already_sent"] == []
    assert len(ledger.outbox) == len(first.alerts)


def test_forecast_says_how_and_steps(store):
    ledger = MemoryAlertLedger()
    report = service(store, ledger, [FRAUD]).evaluate()
    (forecast,) = by_kind(report, "forecast")
    assert forecast.key == "budget:project=fraud:monthly:2024-09-01:forecast:1"
    text = next(m.text for m in ledger.outbox if m.key == f"alert:{forecast.key}")
    assert "projected to spend $3," in text and "range" in text
    assert "weekdays at $" in text and "rates from the last 14 complete days" in text
    # The same projection again is not a further step: nothing more.
    again = service(store, ledger, [FRAUD]).evaluate()
    assert not [a for a in by_kind(again, "forecast") if a.status != "already_sent"]


def test_no_forecast_before_min_days(store):
    early = datetime(2024, 9, 4, 9, tzinfo=UTC)
    report = service(store, MemoryAlertLedger(), [FRAUD], now=early).evaluate()
    assert by_kind(report, "forecast") == []


def test_below_floor_is_reported_not_claimed(store):
    floored = Budget(BudgetScope("project", "fraud"), Decimal(2000), "USD", floor=Decimal(5000))
    ledger = MemoryAlertLedger()
    report = service(store, ledger, [floored]).evaluate()
    (threshold,) = by_kind(report, "threshold")
    assert threshold.status == "below_floor"
    assert ledger.record(threshold.key) is None


def test_spike_found_with_drivers_ramp_weekly_and_fee_are_not(store):
    ledger = MemoryAlertLedger()
    report = service(store, ledger, []).evaluate()
    anomalies = by_kind(report, "anomaly")
    scopes = {a.scope for a in anomalies}
    assert "project=spiky" in scopes
    assert not scopes & {"project=ramping", "project=weekly", "project=feeful"}
    spiky = next(a for a in anomalies if a.scope == "project=spiky")
    assert spiky.key == "anomaly:project:spiky:2024-09-19" and spiky.channel == "#ml-alerts"
    text = next(m.text for m in ledger.outbox if m.key == f"alert:{spiky.key}")
    assert "2024-09-19" in text and "median of" in text
    assert "Amazon SageMaker +$600.00" in text and "ml-spiky +$600.00" in text
    assert ledger.state["anomaly:project:judged_through"] == "2024-09-19"
    # The next evaluation judges no day again.
    again = service(store, ledger, []).evaluate()
    assert by_kind(again, "anomaly") == []


def test_anomaly_uses_the_mentions_of_a_budget_of_its_scope(store):
    spiky = Budget(BudgetScope("project", "Spiky"), Decimal(100000), "USD", mentions=("U777",))
    ledger = MemoryAlertLedger()
    service(store, ledger, [spiky]).evaluate()
    text = next(m.text for m in ledger.outbox if m.key.startswith("alert:anomaly:project:spiky"))
    assert text.startswith("<@U777> Cost anomaly")


def test_snoozed_scope_is_claimed_snoozed(store):
    ledger = MemoryAlertLedger()
    alerts = service(store, ledger, [FRAUD])
    ledger.snoozed["project=fraud"] = NOW + timedelta(days=7)
    report = alerts.evaluate()
    assert {a.status for a in report.alerts if a.scope == "project=fraud"} == {"snoozed"}
    assert not [m for m in ledger.outbox if "fraud" in m.key]


def test_not_a_member_goes_to_default_and_says_so(store):
    directory = Directory({"costs": True, "risk": False, "ml-alerts": True})
    ledger = MemoryAlertLedger()
    report = service(store, ledger, [FRAUD], directory=directory).evaluate()
    (threshold,) = by_kind(report, "threshold")
    default_id = directory.resolve("#costs").id
    assert threshold.channel == default_id
    text = next(m.text for m in ledger.outbox if m.key == f"alert:{threshold.key}")
    assert "costbot is not in #risk" in text


def test_more_than_max_per_channel_are_summarised(store):
    budgets = [
        Budget(BudgetScope("project", name), Decimal(10), "USD", thresholds=(100,))
        for name in ("fraud", "spiky", "ramping", "weekly", "feeful")
    ]
    channels = ChannelsConfig(default="#costs")
    ledger = MemoryAlertLedger()
    alerts = AlertsConfig(max_per_channel=2, anomaly={"enabled": True, "dimensions": []})
    report = service(store, ledger, budgets, channels=channels, alerts=alerts).evaluate()
    thresholds = by_kind(report, "threshold")
    assert len(thresholds) == 5
    (summary,) = by_kind(report, "summary")
    summarised = [ledger.record(a.key).state for a in thresholds]
    assert summarised.count(AlertState.SUMMARISED) == 3
    assert len(ledger.outbox) == 3  # two alerts and the summary
    assert "3 more cost alerts" in ledger.outbox[-1].text
    assert ledger.record(summary.key).kind is AlertKind.SUMMARY


def test_dry_run_claims_nothing(store):
    ledger = MemoryAlertLedger()
    report = service(store, ledger, [FRAUD]).evaluate(dry_run=True)
    assert report.alerts and {a.status for a in report.alerts} == {"dry_run"}
    assert ledger.alerts == {} and ledger.outbox == [] and ledger.state == {}


def test_acknowledge_once_and_snooze(store):
    ledger = MemoryAlertLedger()
    alerts = service(store, ledger, [FRAUD])
    key = by_kind(alerts.evaluate(), "threshold")[0].key
    assert alerts.acknowledge(key, "U1").acknowledged_by == "U1"
    with pytest.raises(AlreadyDecidedError, match="already acknowledged by U1 at"):
        alerts.acknowledge(key, "U2")
    from bot.services.errors import NotAuthorisedError

    with pytest.raises(NotAuthorisedError, match="may snooze it"):
        alerts.snooze(key, "U2")  # neither a budget editor nor mentioned
    assert ledger.snoozed == {}
    until = alerts.snooze(key, "U123")  # the budget mentions U123
    assert until == NOW + timedelta(days=7)
    assert ledger.snoozed == {"project=fraud": until}
    assert [e.action for e in ledger.audit] == ["alert.acknowledge", "alert.snooze"]
    scope = alerts.scope_of(key)
    assert (scope.dimension, scope.value, scope.start, scope.end) == (
        "project",
        "fraud",
        TODAY.replace(day=1),
        TODAY,
    )


class Unreachable:
    def resolve(self, channel: str) -> ChannelRef | None:
        raise ConnectionError("Slack is unreachable")


def test_an_unreachable_channel_list_routes_by_the_config(store):
    ledger = MemoryAlertLedger()
    report = service(store, ledger, [FRAUD], directory=Unreachable()).evaluate()
    (threshold,) = by_kind(report, "threshold")
    assert threshold.channel == "#risk"
    message = next(m for m in ledger.outbox if m.key == f"alert:{threshold.key}")
    assert message.fallback_channel == "#costs"


def test_one_event_is_one_alert_however_many_dimensions_see_it(store):
    """The spike in project spiky is also team ml-platform's and SageMaker's: told once."""
    ledger = MemoryAlertLedger()
    anomalies = by_kind(service(store, ledger, []).evaluate(), "anomaly")
    assert [a.scope for a in anomalies if "2024-09-19" in a.key] == ["project=spiky"]
    alone = AlertsConfig.model_validate({"anomaly": {"dimensions": ["team"]}})
    team_only = by_kind(service(store, MemoryAlertLedger(), [], alerts=alone).evaluate(), "anomaly")
    assert [a.scope for a in team_only] == ["team=ml-platform"]  # alone, the team tells it


def test_an_unrelated_rise_on_the_same_day_is_its_own_alert():
    from types import SimpleNamespace as Seen

    from bot.services.alert_rules.anomalies import one_alert_per_event

    day = NOW.date()

    def seen(dimension, value, impact):
        facts = Seen(currency="USD", impact=Decimal(impact))
        return Seen(dimension=dimension, value=value, day=day, facts=facts)

    fraud, risk, search = (
        seen("project", "fraud", 1000),
        seen("team", "risk", 900),
        seen("team", "search", 900),
    )
    inside = {("fraud", "risk"): Decimal(1000), ("fraud", "search"): Decimal(0)}
    kept = one_alert_per_event([fraud, risk, search], lambda a, b: inside[(a.value, b.value)])
    assert kept == [fraud, search]


def test_a_period_that_just_ended_is_still_judged_on_its_late_days(store):
    """September's last days arrive in October: its thresholds still alert, then stop."""
    budget = Budget(BudgetScope("project", "fraud"), Decimal(2000), "USD")
    october = datetime(2024, 10, 2, 9, 0, tzinfo=UTC)
    ledger = MemoryAlertLedger()
    report = service(store, ledger, [budget], now=october).evaluate()
    keys = [a.key for a in by_kind(report, "threshold")]
    assert keys == ["budget:project=fraud:monthly:2024-09-01:threshold:80"]
    weeks_later = datetime(2024, 10, 20, 9, 0, tzinfo=UTC)
    assert (
        by_kind(
            service(store, MemoryAlertLedger(), [budget], now=weeks_later).evaluate(), "threshold"
        )
        == []
    )
