"""The idle rule: every datapoint under the limits, and datapoints covering the whole window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.domain.idle.policy import (
    Datapoint,
    IdlePolicy,
    Utilisation,
    judge_idle,
    matching_exclusion,
)
from bot.domain.idle.proposals import ProposalState, may_move, saved_between
from bot.domain.idle.windows import ExclusionWindow, covering_window

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = IdlePolicy(Decimal(5), Decimal(5), 30)


def series(values, *, every=5, end=NOW):
    points = []
    for index, value in enumerate(reversed(values)):
        points.append(Datapoint(end - timedelta(minutes=every * index), Decimal(value)))
    return list(reversed(points))


def test_every_datapoint_under_the_limit_over_the_window_is_idle():
    cpu = series([1, 2, 1, 0.5, 1, 2, 1])
    verdict = judge_idle(Utilisation(300, cpu=cpu), POLICY, NOW, has_gpus=False)
    assert verdict.idle
    assert verdict.idle_minutes == 30
    assert verdict.cpu_max == Decimal(2)
    assert verdict.since == NOW - timedelta(minutes=30)


def test_one_busy_datapoint_is_not_idle_and_says_which_metric():
    cpu = series([1, 2, 1, 40, 1, 2, 1])
    verdict = judge_idle(Utilisation(300, cpu=cpu), POLICY, NOW, has_gpus=False)
    assert not verdict.idle
    assert "CPU reached 40.0%" in verdict.reason


def test_a_stalled_job_holding_a_gpu_is_idle_only_when_the_gpu_is_quiet_too():
    cpu = series([1] * 7)
    busy_gpu = series([0, 0, 0, 97, 0, 0, 0])
    quiet_gpu = series([0] * 7)
    assert not judge_idle(Utilisation(300, cpu=cpu, gpu=busy_gpu), POLICY, NOW, has_gpus=True).idle
    assert judge_idle(Utilisation(300, cpu=cpu, gpu=quiet_gpu), POLICY, NOW, has_gpus=True).idle


def test_missing_or_sparse_metrics_are_never_idle():
    gpu_machine_without_gpu_metrics = Utilisation(300, cpu=series([0] * 7))
    assert not judge_idle(gpu_machine_without_gpu_metrics, POLICY, NOW, has_gpus=True).idle
    assert not judge_idle(Utilisation(300), POLICY, NOW, has_gpus=False).idle
    gap = series([0] * 7)
    del gap[2:5]  # 20 minutes without a datapoint, more than two 5-minute periods
    verdict = judge_idle(Utilisation(300, cpu=gap), POLICY, NOW, has_gpus=False)
    assert not verdict.idle and "gap" in verdict.reason


def test_datapoints_must_reach_both_ends_of_the_window():
    recent_only = series([0, 0, 0])  # the last 10 minutes
    assert not judge_idle(Utilisation(300, cpu=recent_only), POLICY, NOW, has_gpus=False).idle
    stale = series([0] * 7, end=NOW - timedelta(minutes=20))
    assert not judge_idle(Utilisation(300, cpu=stale), POLICY, NOW, has_gpus=False).idle


def test_exclusion_tags_by_value_or_presence():
    rules = ["costbot:keep=true", "do-not-stop"]
    assert matching_exclusion({"costbot:keep": "TRUE"}, rules) == "costbot:keep=true"
    assert matching_exclusion({"costbot:keep": "false"}, rules) is None
    assert matching_exclusion({"Do-Not-Stop": ""}, rules) == "do-not-stop"
    assert matching_exclusion({"project": "x"}, rules) is None


def test_windows_cover_their_days_and_run_past_midnight():
    from datetime import time

    nightly = ExclusionWindow(frozenset({4}), time(22, 0), time(6, 0))  # Friday night
    friday_late = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    saturday_early = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    saturday_late = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    assert nightly.covers(friday_late) and nightly.covers(saturday_early)
    assert not nightly.covers(saturday_late)
    assert covering_window(NOW, [nightly]) is None


def test_only_the_state_machine_transitions_exist():
    assert may_move(ProposalState.PROPOSED, ProposalState.APPROVED)
    assert may_move(ProposalState.STOPPING, ProposalState.STOPPED)
    assert not may_move(ProposalState.PROPOSED, ProposalState.STOPPING)
    assert not may_move(ProposalState.EXPIRED, ProposalState.APPROVED)
    assert not may_move(ProposalState.STOPPED, ProposalState.STOPPING)


def test_savings_count_the_hours_stopped_inside_the_span():
    stopped = datetime(2026, 11, 1, 12, tzinfo=UTC)
    started = datetime(2026, 11, 3, 0, tzinfo=UTC)
    span = (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    assert saved_between(Decimal("32.77"), stopped, started, *span) == Decimal("786.48")
    assert saved_between(Decimal("1"), stopped, None, *span) == Decimal(28 * 24)
