"""The stored split stays in step with the stored cost at the edges of the store, on SQLite
and PostgreSQL: an ingest that removes the last days of the store takes their split with them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tests.helpers import FOCUS_HEADER, write_focus_csv
from tests.integration.shared_data import allocated, day_totals, split_rows, write_config

WITH_PERIOD = [*FOCUS_HEADER, "BillingPeriodStart"]
FIRST = date(2024, 9, 1)
PROJECT_ROWS = ("fraud-detection", "recsys", "search", "shared-platform")


def _month_rows(days: int) -> list[dict]:
    rows = []
    for offset in range(days):
        day = FIRST + timedelta(days=offset)
        period = {
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
            "BillingPeriodStart": "2024-09-01T00:00:00Z",
        }
        for project, cost in (("shared-platform", "10"), ("fraud-detection", "6"), ("recsys", "4")):
            rows.append(
                period
                | {
                    "BilledCost": cost,
                    "EffectiveCost": cost,
                    "ListCost": cost,
                    "ResourceId": f"i-{project}",
                    "Tags": f'{{"project": "{project}"}}',
                }
            )
    return rows


def test_an_ingest_that_removes_the_last_stored_days_removes_their_split(store, tmp_path):
    config = write_config(
        tmp_path / "costbot.yml",
        [{"name": "platform", "match": {"project": "shared-platform"}, "split": "even"}],
    )
    services = store.build(config)
    services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", _month_rows(3), WITH_PERIOD)])
    assert {r.day for r in split_rows(services)} == {FIRST + timedelta(days=n) for n in range(3)}

    # The billing period again, restated: its third day is gone from the bill.
    services.ingest.ingest([write_focus_csv(tmp_path / "b.csv", _month_rows(2), WITH_PERIOD)])

    assert max(r.day for r in split_rows(services)) == FIRST + timedelta(days=1)
    after = allocated(services)
    assert not [key for key, cost in after.items() if key[0] == FIRST + timedelta(days=2)]
    assert day_totals(after) == {
        (FIRST, "USD"): 20,
        (FIRST + timedelta(days=1), "USD"): 20,
    }
    report = services.costs.cost("project", "recsys", _period())
    assert report.primary.total == 18  # two days of 4 + 5 shared


def _period():
    from bot.domain.periods import Period

    return Period(date(2024, 9, 1), date(2024, 9, 30), "2024-09")


def test_a_fixed_split_among_many_receivers_is_stored_and_named(store, tmp_path):
    """Weights for forty teams: the stored method fits its column on PostgreSQL too, and
    still says it is a fixed split with its largest weights."""
    weights = {f"analytics-team-{n:02d}": 1 for n in range(40)}
    config = write_config(
        tmp_path / "costbot.yml",
        [
            {
                "name": "platform",
                "match": {"project": "shared-platform"},
                "split": "fixed",
                "weights": weights,
            }
        ],
    )
    services = store.build(config)
    services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", _month_rows(1), WITH_PERIOD)])
    report = services.shared.reallocate()

    assert report.moved["platform"]["USD"] == 10
    methods = {r.method for r in split_rows(services)}
    assert len(methods) == 1
    (method,) = methods
    assert method.startswith("fixed: analytics-team-00 2.5%, ")
    assert len(method) <= 300
    assert day_totals(allocated(services)) == {(FIRST, "USD"): 20}


def test_a_rule_named_after_a_long_match_value_is_stored(store, tmp_path):
    """A rule without a name is named after its match; a long project name still fits the
    stored rule's column (64 characters) on PostgreSQL."""
    long_name = "shared-platform-" + "x" * 80
    rows = _month_rows(1)
    for row in rows:
        row["Tags"] = row["Tags"].replace("shared-platform", long_name)
    config = write_config(
        tmp_path / "costbot.yml", [{"match": {"project": long_name}, "split": "even"}]
    )
    services = store.build(config)
    services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", rows, WITH_PERIOD)])

    (rule,) = {r.rule for r in split_rows(services)}
    assert long_name.startswith(rule) and len(rule) <= 64
    assert day_totals(allocated(services)) == {(FIRST, "USD"): 20}


def test_the_chargeback_csv_rows_add_up_to_the_bill_as_printed(store, tmp_path):
    """$10 of platform split evenly among three projects is three shares of 3.333333333..:
    printed in cents, the rows' totals still add up to the bill the check line prints."""
    import csv
    import io

    from bot.cli_chargeback_render import CHECK_VALUE, chargeback_csv, chargeback_markdown
    from bot.cli_report import _chargeback_service
    from bot.domain.chargeback import Month

    rows = _month_rows(1)
    rows.append(
        rows[-1]
        | {
            "ResourceId": "i-search",
            "Tags": '{"project": "search"}',
            "BilledCost": "5",
            "EffectiveCost": "5",
            "ListCost": "5",
        }
    )
    config = write_config(
        tmp_path / "costbot.yml",
        [{"name": "platform", "match": {"project": "shared-platform"}, "split": "even"}],
    )
    services = store.build(config)
    services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", rows, WITH_PERIOD)])
    report = _chargeback_service(services).report(Month(2024, 9), "project")

    lines = list(csv.DictReader(io.StringIO(chargeback_csv(report))))
    (check,) = [line for line in lines if line["value"] == CHECK_VALUE]
    totals = [Decimal(line["total"]) for line in lines if line["value"] != CHECK_VALUE]
    assert check["bill"] == check["total"] == "25.00" and check["check"] == "ok"
    assert sum(totals) == Decimal("25.00")
    # Each row within a cent of its exact total: 9.333333334, 8.333333333, 7.333333333, 0.
    assert sorted(totals) == [Decimal("0.00"), Decimal("7.33"), Decimal("8.33"), Decimal("9.34")]
    markdown = chargeback_markdown(report)
    shown = [
        Decimal(line.split("|")[-4].strip())
        for line in markdown.splitlines()
        if line.split("|")[1:2] and line.split("|")[1].strip() in PROJECT_ROWS
    ]
    assert sum(shown) == Decimal("25.00")


def test_a_receiver_with_no_bill_of_its_own_can_be_asked_about(store, tmp_path):
    """A fixed weight names a project that has no cost of its own: `top project` lists what
    it received, and `/cost project research` answers it instead of "unknown name"."""
    config = write_config(
        tmp_path / "costbot.yml",
        [
            {
                "name": "platform",
                "match": {"project": "shared-platform"},
                "split": "fixed",
                "weights": {"fraud-detection": 1, "Research": 1},
            }
        ],
    )
    services = store.build(config)
    services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", _month_rows(1), WITH_PERIOD)])

    top = services.costs.top("project", _period())
    assert {row.name: row.cost for row in top.primary.rows}["research"] == 5
    report = services.costs.cost("project", "Research", _period())
    assert report.name == "research"
    assert report.primary.total == 5
    assert [(s.rule, s.origin, s.cost) for s in report.primary.shared_in] == [
        ("platform", "shared-platform", 5)
    ]


def test_a_report_whose_post_failed_is_posted_again_not_called_posted(store, tmp_path):
    """The outbox gave up on a post (costbot was not in the channel, say): asking again to
    post the same report queues it again, rather than answer that it was already posted."""
    from sqlalchemy import update

    from bot.cli_report import _chargeback_service, describe
    from bot.domain.chargeback import Month
    from storage.db import make_session_factory
    from storage.models import OutboxMessage
    from storage.repositories.report_outbox import SqlReportOutbox

    services = store.services
    services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", _month_rows(1), WITH_PERIOD)])
    charges = _chargeback_service(services)
    report = charges.report(Month(2024, 9), "project")
    outbox = SqlReportOutbox(make_session_factory(services.engine))

    first = charges.post(report, "#finance", describe, outbox)
    assert first.status == "pending"
    with services.engine.begin() as connection:
        connection.execute(
            update(OutboxMessage).values(status="failed", attempts=5, last_error="not_in_channel")
        )
    again = charges.post(report, "#finance", describe, outbox)
    assert again.status == "pending" and again.key == first.key
    assert outbox.status(first.key) == "pending"
    # Once sent, the same report is posted once.
    with services.engine.begin() as connection:
        connection.execute(update(OutboxMessage).values(status="sent"))
    assert charges.post(report, "#finance", describe, outbox).status == "already_posted"


def test_cli_answers_after_a_rule_change_use_the_new_rules(store, tmp_path, monkeypatch):
    """`costbot cost` and `costbot top` with a config whose rules changed answer with the new
    split (as the bot does at start), not with the split of the old rules."""
    import json

    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", "2024-09-30")
    platform = {"name": "platform", "match": {"project": "shared-platform"}}
    old = write_config(tmp_path / "old.yml", [platform | {"split": "even"}])
    store.build(old).ingest.ingest(
        [write_focus_csv(tmp_path / "a.csv", _month_rows(1), WITH_PERIOD)]
    )
    new = write_config(
        tmp_path / "new.yml", [platform | {"split": "fixed", "weights": {"recsys": 1}}]
    )
    runner = CliRunner()
    asked = ["cost", "project", "recsys", "--period", "2024-09", "--json", "--config", str(new)]
    result = runner.invoke(app, asked)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["shared"] == [
        {
            "rule": "platform",
            "from": "shared-platform",
            "method": "fixed: recsys 100%",
            "cost": 10.0,
        }
    ]
    assert body["total"] == 14.0
    top = runner.invoke(
        app, ["top", "project", "--period", "2024-09", "--json", "--config", str(old)]
    )
    assert top.exit_code == 0, top.output
    rows = {row["name"]: row["cost"] for row in json.loads(top.stdout)["rows"]}
    assert rows["recsys"] == 9.0 and rows["fraud-detection"] == 11.0
