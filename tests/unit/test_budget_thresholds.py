"""Threshold alerts: once per level per period, the highest of a jump, floors, period resets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.budget_thresholds import (
    ReachedLevel,
    ThresholdEvent,
    below_floor,
    crossed,
    threshold_alert_key,
    withheld_by_floor,
)
from bot.domain.budgets import Budget, BudgetPeriod, BudgetScope

D = Decimal
FRAUD = BudgetScope("project", "fraud-detection")
JAN = date(2026, 1, 1)
FEB = date(2026, 2, 1)


def budget(**changes) -> Budget:
    fields = {"scope": FRAUD, "amount": D(1000), "currency": "USD", **changes}
    return Budget(**fields)


def run(b: Budget, start: date, spends: list[str], level: ReachedLevel | None = None):
    """Evaluate spends in order, remembering the level as a store would; return the events."""
    events: list[ThresholdEvent] = []
    for spent in spends:
        event = crossed(b, start, level, D(spent))
        if event is not None:
            events.append(event)
            level = event.level
    return events, level


def test_nothing_reached_no_event():
    assert crossed(budget(), JAN, None, D("499.99")) is None


def test_first_threshold_fires_once():
    event = crossed(budget(), JAN, None, D(500))
    assert event is not None
    assert (event.threshold, event.reached, event.spent) == (50, (50,), D(500))
    assert event.level == ReachedLevel(BudgetPeriod.MONTHLY, JAN, 50)
    assert crossed(budget(), JAN, event.level, D(600)) is None


def test_jump_over_several_thresholds_gives_one_event_for_the_highest():
    event = crossed(budget(), JAN, None, D(1200))
    assert event is not None
    assert event.threshold == 100
    assert event.reached == (50, 80, 100)
    assert event.key == "budget:project=fraud-detection:monthly:2026-01-01:threshold:100"
    assert event.covered_keys == tuple(
        f"budget:project=fraud-detection:monthly:2026-01-01:threshold:{n}" for n in (50, 80, 100)
    )
    # Nothing further in the period: the lower thresholds count as sent.
    assert crossed(budget(), JAN, event.level, D(850)) is None


def test_jump_from_a_reached_level_names_only_newer_thresholds():
    level = ReachedLevel(BudgetPeriod.MONTHLY, JAN, 50)
    event = crossed(budget(), JAN, level, D(1000))
    assert event is not None and event.reached == (80, 100)


def test_falling_then_rising_again_does_not_repeat():
    events, level = run(budget(), JAN, ["850", "400", "0", "-50", "810", "850"])
    assert [e.threshold for e in events] == [80]
    assert level == ReachedLevel(BudgetPeriod.MONTHLY, JAN, 80)
    # Rising past a higher threshold afterwards still alerts, once.
    events, level = run(budget(), JAN, ["300", "1000", "1000"], level)
    assert [e.threshold for e in events] == [100]


def test_a_new_period_starts_fresh():
    january = ReachedLevel(BudgetPeriod.MONTHLY, JAN, 100)
    assert crossed(budget(), JAN, january, D(5000)) is None
    event = crossed(budget(), FEB, january, D(500))
    assert event is not None and event.threshold == 50
    assert event.key.endswith(":monthly:2026-02-01:threshold:50")


def test_a_level_of_another_period_kind_does_not_count():
    monthly = ReachedLevel(BudgetPeriod.MONTHLY, JAN, 100)
    event = crossed(budget(period=BudgetPeriod.QUARTERLY), JAN, monthly, D(600))
    assert event is not None and event.threshold == 50
    assert event.key == "budget:project=fraud-detection:quarterly:2026-01-01:threshold:50"


@pytest.mark.parametrize(
    ("kind", "last_day", "first_day"),
    [
        (BudgetPeriod.MONTHLY, date(2023, 2, 28), date(2023, 3, 1)),
        (BudgetPeriod.MONTHLY, date(2024, 2, 29), date(2024, 3, 1)),
        (BudgetPeriod.MONTHLY, date(2026, 4, 30), date(2026, 5, 1)),
        (BudgetPeriod.MONTHLY, date(2026, 1, 31), date(2026, 2, 1)),
        (BudgetPeriod.QUARTERLY, date(2026, 3, 31), date(2026, 4, 1)),
        (BudgetPeriod.YEARLY, date(2024, 12, 31), date(2025, 1, 1)),
    ],
)
def test_crossings_at_period_boundaries(kind, last_day, first_day):
    b = budget(period=kind)
    old_start, _ = kind.period_containing(last_day)
    new_start, _ = kind.period_containing(first_day)
    assert new_start == first_day
    last = crossed(b, old_start, None, D(1000))
    assert last is not None and last.threshold == 100
    # The next day belongs to a new period: the same spend alerts again under a new key.
    first = crossed(b, new_start, last.level, D(1000))
    assert first is not None and first.threshold == 100 and first.key != last.key


def test_period_start_must_start_a_period():
    with pytest.raises(ValueError, match="2026-01-15 is not the start of a monthly period"):
        crossed(budget(), date(2026, 1, 15), None, D(600))
    with pytest.raises(ValueError, match="2026-02-01 is not the start of a quarterly period"):
        crossed(budget(period=BudgetPeriod.QUARTERLY), FEB, None, D(600))


def test_floor_withholds_the_event_without_advancing_the_level():
    small = budget(amount=D(10), floor=D(50))
    assert below_floor(small, D("49.99")) and not below_floor(small, D(50))
    assert crossed(small, JAN, None, D(20)) is None
    assert withheld_by_floor(small, JAN, None, D(20)) == 100
    # The level was not advanced, so reaching the floor alerts for the highest threshold then.
    event = crossed(small, JAN, None, D(50))
    assert event is not None and event.threshold == 100 and event.reached == (50, 80, 100)
    assert withheld_by_floor(small, JAN, None, D(50)) is None
    assert withheld_by_floor(small, JAN, event.level, D(20)) is None


def test_no_floor_never_withholds():
    assert not below_floor(budget(), D(-5))
    assert withheld_by_floor(budget(), JAN, None, D(900)) is None


def test_thresholds_above_100():
    b = budget(thresholds=(100, 150, 200))
    events, _ = run(b, JAN, ["999", "1000", "1499.99", "2100"])
    assert [(e.threshold, e.reached) for e in events] == [(100, (100,)), (200, (150, 200))]


def test_exact_decimal_threshold():
    b = budget(amount=D("0.375"))
    event = crossed(b, JAN, None, D("0.1") + D("0.2"))
    assert event is not None and event.threshold == 80


def test_alert_keys_never_collide():
    colon = Budget(BudgetScope("project", "a:monthly"), D(1), "USD")
    plain = Budget(BudgetScope("project", "a"), D(1), "USD")
    everything = Budget(BudgetScope.everything(), D(1), "USD")
    keys = {threshold_alert_key(b, JAN, n) for b in (colon, plain, everything) for n in (50, 100)}
    assert len(keys) == 6
    assert threshold_alert_key(everything, JAN, 80) == "budget:all:monthly:2026-01-01:threshold:80"


@given(
    st.lists(st.decimals(min_value=-500, max_value=3000, places=2), max_size=30),
    st.sampled_from([None, D(0), D(300), D(900)]),
)
@example([D(600), D(200), D(950)], D(900))  # reached under the floor, then over it
@example([D(850), D(100), D(820), D(1000)], None)  # fall and rise, then a higher level
@settings(max_examples=300)
def test_each_threshold_alerts_at_most_once_per_period(spends, floor):
    b = budget(floor=floor)
    events, level = run(b, JAN, [str(s) for s in spends])
    sent = [n for e in events for n in e.reached]
    assert sent == sorted(set(sent))  # each once, in rising order
    assert all(e.threshold == e.reached[-1] for e in events)
    # Every event's spend really reached its threshold and was not under the floor.
    assert all(e.spent * 100 >= b.amount * e.threshold for e in events)
    assert all(floor is None or e.spent >= floor for e in events)
    # The highest threshold alerted is the highest reached by any spend at or over the floor.
    eligible = [s for s in spends if floor is None or s >= floor]
    reached = [n for n in b.thresholds for s in eligible if s * 100 >= b.amount * n]
    assert (level.threshold if level else None) == (max(reached) if reached else None)
