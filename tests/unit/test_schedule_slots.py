"""Slots: every replica computes the same fire times from the schedule alone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.domain.schedules import Schedule
from bot.jobs import snapshot_jobs
from bot.scheduler import EPOCH, cron_problem, latest_slot, next_run, slot_text
from bot.sources.registry import SourceConfig


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "latest", "following"),
    [
        ("2026-12-02T06:30:00", "2026-12-02T06:00:00", "2026-12-02T12:00:00"),
        ("2026-12-02T06:00:00", "2026-12-02T06:00:00", "2026-12-02T12:00:00"),
        ("2026-12-02T05:59:59.999999", "2026-12-02T00:00:00", "2026-12-02T06:00:00"),
    ],
)
def test_every_six_hours_fires_at_midnight_six_noon_and_eighteen_utc(now, latest, following):
    six_hours = Schedule(every=timedelta(hours=6))

    assert latest_slot(six_hours, at(now)) == at(latest)
    assert next_run(six_hours, at(now)) == at(following)


def test_an_interval_that_does_not_divide_a_day_still_gives_every_replica_the_same_slots():
    seven_hours = Schedule(every=timedelta(hours=7))
    now = at("2026-12-02T10:11:12")

    slot = latest_slot(seven_hours, now)

    assert (slot - EPOCH) % timedelta(hours=7) == timedelta(0)
    assert slot <= now < slot + timedelta(hours=7) == next_run(seven_hours, now)


@pytest.mark.parametrize(
    ("now", "latest", "following"),
    [
        ("2026-12-02T06:14:59", "2026-12-02T00:15:00", "2026-12-02T06:15:00"),
        ("2026-12-02T06:15:00", "2026-12-02T06:15:00", "2026-12-02T12:15:00"),
        ("2026-12-01T00:00:00", "2026-11-30T18:15:00", "2026-12-01T00:15:00"),
    ],
)
def test_a_cron_line_fires_on_its_minutes_in_utc(now, latest, following):
    cron = Schedule(cron="15 */6 * * *")

    assert latest_slot(cron, at(now)) == at(latest)
    assert next_run(cron, at(now)) == at(following)


def test_a_rare_cron_line_finds_its_last_fire_years_back():
    leap_day = Schedule(cron="0 0 29 2 *")

    assert latest_slot(leap_day, at("2027-03-01T00:00:00")) == at("2024-02-29T00:00:00")
    assert next_run(leap_day, at("2027-03-01T00:00:00")) == at("2028-02-29T00:00:00")


@pytest.mark.parametrize("line", ["*/7 3-5 * * 1-5", "0 0 1 * *", "45 23 * * 0", "* * * * *"])
def test_the_latest_cron_slot_is_a_fire_time_with_no_other_before_now(line):
    trigger = CronTrigger.from_crontab(line, timezone=UTC)
    cron = Schedule(cron=line)
    rng = random.Random(line)
    for _ in range(50):
        now = at("2026-01-01T00:00:00") + timedelta(seconds=rng.randrange(366 * 86400))
        slot = latest_slot(cron, now)

        assert trigger.get_next_fire_time(None, slot) == slot  # a fire time itself
        assert slot <= now < next_run(cron, slot)  # and none between it and now
        assert next_run(cron, now) == next_run(cron, slot)


def test_a_cron_line_that_never_fires_is_refused():
    assert "never fires" in cron_problem("0 0 30 2 *")
    assert "not a cron line" in cron_problem("0 0 32 * *")
    assert cron_problem("15 */6 * * *") is None


def test_slots_are_iso_text_in_utc():
    assert slot_text(at("2026-12-02T06:00:00")) == "2026-12-02T06:00:00Z"


def test_each_configured_source_gets_a_snapshot_job_on_its_schedule():
    sources = [
        SourceConfig(name="aws", type="aws_cost_explorer", schedule={"every": "6h"}),
        SourceConfig(name="k8s", type="opencost", schedule={"cron": "15 * * * *"}),
    ]
    calls = []

    jobs = snapshot_jobs(sources, lambda name, slot: calls.append((name, slot)))
    jobs[1].run("2026-12-02T06:15:00Z")

    assert [(j.id, j.schedule) for j in jobs] == [
        ("snapshot:aws", Schedule(every=timedelta(hours=6))),
        ("snapshot:k8s", Schedule(cron="15 * * * *")),
    ]
    assert calls == [("k8s", "2026-12-02T06:15:00Z")]
