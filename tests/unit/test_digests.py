"""Digests: the days they cover, their changes and movers, currencies apart, blocks and chart."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.domain.budgets import BudgetScope
from bot.domain.digests import DigestEvery, DigestShared, digest_sections, digest_window
from bot.domain.reports import SharedShare
from bot.services.digests import Digest, OpenAnomaly
from handlers.blocks.digests import build_digest_blocks, describe_digest
from handlers.blocks.elements import to_payload

D = Decimal
DAY = timedelta(days=1)
# Tuesday 1 December 2026 is the last complete day.
THROUGH = date(2026, 12, 1)


def flat(first: date, days: int, amount: str) -> dict[date, Decimal]:
    return {first + n * DAY: D(amount) for n in range(days)}


def test_daily_covers_the_last_complete_day_against_the_same_weekday():
    window = digest_window(DigestEvery.DAILY, THROUGH)
    assert (window.start, window.end) == (THROUGH, THROUGH)
    assert window.previous_start == window.previous_end == date(2026, 11, 24)
    assert window.previous_start.weekday() == THROUGH.weekday()
    assert window.week == (date(2026, 11, 25), THROUGH)
    assert window.week_before == (date(2026, 11, 18), date(2026, 11, 24))
    assert digest_window(DigestEvery.DAILY, None) is None


@pytest.mark.parametrize(
    ("through", "monday"),
    [
        (date(2026, 11, 29), date(2026, 11, 23)),  # a Sunday: its own week is complete
        (date(2026, 11, 30), date(2026, 11, 23)),  # Monday: last week
        (date(2026, 12, 5), date(2026, 11, 23)),  # Saturday: this week is not complete yet
        (date(2026, 12, 6), date(2026, 11, 30)),
    ],
)
def test_weekly_covers_the_last_complete_monday_to_sunday(through, monday):
    window = digest_window(DigestEvery.WEEKLY, through)
    assert window.start == monday and window.start.weekday() == 0
    assert window.end == monday + 6 * DAY and window.end.weekday() == 6
    assert (window.previous_start, window.previous_end) == (monday - 7 * DAY, monday - DAY)
    assert window.week == (window.start, window.end)


def small_store():
    """Two projects in USD over 30 days, one in EUR; fraud rose, recsys fell this week."""
    first = THROUGH - 29 * DAY
    fraud = flat(first, 30, "10")
    for n in range(7):
        fraud[THROUGH - n * DAY] = D("25")  # +15 a day over the last 7
    recsys = flat(first, 30, "8")
    for n in range(7):
        recsys[THROUGH - n * DAY] = D("5")  # -3 a day
    untagged = flat(first, 30, "2")
    berlin = flat(first, 30, "4")
    children = {
        "fraud-detection": {"USD": fraud},
        "recsys": {"USD": recsys},
        None: {"USD": untagged},
        "berlin": {"EUR": berlin},
    }
    scope: dict[str, dict[date, Decimal]] = {}
    for by_currency in children.values():
        for currency, daily in by_currency.items():
            into = scope.setdefault(currency, {})
            for day, cost in daily.items():
                into[day] = into.get(day, D(0)) + cost
    return scope, children


def test_changes_movers_and_currencies_apart():
    window = digest_window(DigestEvery.DAILY, THROUGH)
    scope, children = small_store()
    usd, eur = digest_sections(window, scope, children, {"USD": D("14"), "EUR": D(0)})
    assert usd.currency == "USD" and eur.currency == "EUR"  # largest first, never added
    assert usd.period.current == D("32") and usd.period.previous == D("20")
    assert usd.week.current == D("224") and usd.week.previous == D("140")
    assert usd.week.delta == D("84") and usd.period.percent == D("60")
    assert [(m.name, m.change.delta) for m in usd.rises] == [("fraud-detection", D("105"))]
    assert [(m.name, m.change.delta) for m in usd.falls] == [("recsys", D("-21"))]
    assert usd.untagged_share == D("14") / D("224") * 100
    assert eur.period.current == D("4") and eur.week.delta == 0 and not eur.rises
    # The chart's layers add up to the scope's cost on every day.
    assert len(usd.chart_days) == 30
    for index, day in enumerate(usd.chart_days):
        assert sum(layer.daily[index] for layer in usd.chart) == scope["USD"][day]


def test_weekly_compares_the_week_with_the_week_before():
    window = digest_window(DigestEvery.WEEKLY, date(2026, 11, 29))
    scope, children = small_store()
    (usd, _eur) = digest_sections(window, scope, children)
    # The week of 23-29 Nov holds 5 raised days (25-29) and 2 flat ones.
    assert usd.period.current == D(5 * 32 + 2 * 20)
    assert usd.period.previous == D(7 * 20)
    assert usd.period == usd.week
    assert usd.untagged is None


def digest(every=DigestEvery.DAILY, anomalies=(), shared=None, scope=None) -> Digest:
    window = digest_window(every, THROUGH)
    store, children = small_store()
    return Digest(
        key=f"digest:#cloud-costs:{every}:{window.start}",
        channel="#cloud-costs",
        every=every,
        scope=scope or BudgetScope.everything(),
        child_dimension="service" if scope else "project",
        window=window,
        sections=digest_sections(window, store, children, {"USD": D("14")}, shared),
        budgets=(),
        anomalies=tuple(anomalies),
        cost_basis="effective",
        untagged_meaning="no project and no team",
    )


def test_blocks_say_spend_movers_untagged_and_the_days_covered():
    anomaly = OpenAnomaly(
        "anomaly:x", "project=fraud-detection", date(2026, 11, 28), "USD", D("80"), D("10")
    )
    text, blocks, image = describe_digest(digest(anomalies=[anomaly]))
    body = json.dumps(blocks, ensure_ascii=False)
    assert text.startswith("Daily digest · all cost · Tue 2026-12-01")
    assert "$32.00" in text and "60.0%" in text
    assert "fraud-detection +$105.00" in body and "recsys -$21.00" in body
    assert "Untagged* 6% of the last 7 days" in body
    assert "project fraud-detection on Sat 2026-11-28: $80.00" in body
    assert "covers Tue 2026-12-01, compared with Tue 2026-11-24" in body
    assert "*EUR*" in body and "€4.00" in body
    assert image is not None and image.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.name == "costbot-daily-digest-2026-12-01.png"


def test_blocks_stay_within_limits_with_many_anomalies_and_a_hostile_name():
    many = [
        OpenAnomaly(f"a{n}", f"project=<!channel>{'x' * 300}{n}", THROUGH, "USD", D(n), None)
        for n in range(200)
    ]
    blocks = build_digest_blocks(digest(anomalies=many))
    payload = to_payload(blocks)  # slack_sdk validates every limit here
    assert len(payload) < 50  # room for the image block the delivery adds
    assert "<!channel>" not in json.dumps(payload)


def test_an_empty_digest_still_describes_itself():
    empty = Digest(**{**digest().__dict__, "sections": ()})
    text, blocks, image = describe_digest(empty)
    assert image is None and "No cost in" in json.dumps(blocks)
    assert text.startswith("Daily digest")


def test_one_job_per_digest_at_its_time():
    from datetime import UTC, datetime

    from bot.jobs import digest_jobs
    from bot.scheduler import latest_slot, next_run
    from bot.settings_alerts import DigestConfig

    daily = DigestConfig(channel="#cloud-costs", every="daily", at="9:05")
    weekly = DigestConfig(channel="C0MLPLATF1", every="weekly", at="08:30", scope={"team": "ml"})
    calls = []
    jobs = digest_jobs([daily, weekly], lambda digest, slot: calls.append((digest, slot)))
    assert [job.id for job in jobs] == ["digest:#cloud-costs:daily", "digest:C0MLPLATF1:weekly"]
    assert [job.schedule.cron for job in jobs] == ["5 9 * * *", "30 8 * * mon"]
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday
    assert latest_slot(jobs[0].schedule, now) == datetime(2026, 12, 2, 9, 5, tzinfo=UTC)
    assert latest_slot(jobs[1].schedule, now) == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    assert next_run(jobs[1].schedule, now) == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    jobs[1].run("2026-11-30T08:30:00Z")
    assert calls == [(weekly, "2026-11-30T08:30:00Z")]


POOL = SharedShare("gpu-pool", "gpu-pool", "usage: GPU hours", D("30"))
PLATFORM = SharedShare("platform", "platform", "proportional", D("10.5"))


def test_the_all_cost_digest_says_the_shared_part_of_its_child_numbers():
    shared = {"USD": DigestShared(received=(POOL, PLATFORM))}
    text, blocks, _image = describe_digest(digest(shared=shared))
    body = json.dumps(blocks, ensure_ascii=False)
    assert (
        "*Shared cost* on Tue 2026-12-01: project numbers include $40.50 of shared cost split "
        "by rules gpu-pool (usage: GPU hours), platform (proportional); the total is unchanged."
    ) in body
    assert "projects include $40.50 shared cost" in text
    # Only the currency that had shared cost says so.
    eur = body.split("*EUR*")[1]
    assert "Shared cost" not in eur
    weekly = json.dumps(describe_digest(digest(DigestEvery.WEEKLY, shared=shared))[1])
    assert "*Shared cost* this week: project numbers include $40.50" in weekly


def test_a_scoped_digest_says_what_it_received_and_gave_and_nothing_when_none():
    scope = BudgetScope("project", "recsys")
    given = SharedShare("datasets", "recsys", "even", D("7"))
    shared = {"USD": DigestShared(received=(PLATFORM,), given=(given,))}
    text, blocks, _image = describe_digest(digest(shared=shared, scope=scope))
    body = json.dumps(blocks, ensure_ascii=False)
    assert (
        "*Shared cost* on Tue 2026-12-01: includes $10.50 shared cost (rule platform "
        "(proportional)); $7.00 of its cost was shared among its receivers by rule datasets "
        "(even)."
    ) in body
    assert "includes $10.50 shared cost, $7.00 shared among its receivers" in text
    plain, blocks, _image = describe_digest(digest(scope=scope))
    assert "shared" not in plain and "Shared cost" not in json.dumps(blocks)


def test_an_open_anomaly_says_the_shared_part_its_ledger_record_kept():
    anomaly = OpenAnomaly(
        "anomaly:x", "project=recsys", date(2026, 11, 28), "USD", D("80"), D("10"), D("52")
    )
    body = json.dumps(describe_digest(digest(anomalies=[anomaly]))[1], ensure_ascii=False)
    assert (
        "project recsys on Sat 2026-11-28: $80.00 (includes $52.00 shared cost) where about "
        "$10.00 was expected"
    ) in body


def test_hostile_rule_names_stay_escaped_and_within_limits():
    many = tuple(
        SharedShare(f"<!here> {n} " + "y" * 300, None, "even", D(n + 1)) for n in range(60)
    )
    shared = {"USD": DigestShared(received=many, given=many)}
    scope = BudgetScope("project", "recsys")
    for digest_ in (digest(shared=shared), digest(shared=shared, scope=scope)):
        text, blocks, _image = describe_digest(digest_)
        assert "<!here>" not in json.dumps(blocks) and "<!here>" not in text
        assert len(blocks) < 50
