"""The simulated fleet: the demo's machines idle (or not) as described, judged by the real
idle rule; its utilisation is the clock's; stop and start are counted, safe across threads,
and fail when told to."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.cloud.registry import ControllerContext, build_controllers, parse_controller_config
from bot.cloud.simulated import SimulatedController, forget_fleet, simulated_fleet
from bot.cloud.simulated.demo_fleet import (
    KEPT_ID,
    NOTEBOOK_ID,
    STALLED_ID,
    TRAINING_ID,
    demo_fleet,
)
from bot.domain.idle.policy import IdlePolicy, judge_idle, matching_exclusion
from bot.services.idle_ports import CloudActionError, CloudErrorKind
from bot.sources.demo import stalled_nodes

START = datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC)
POLICY = IdlePolicy()  # CPU and GPU under 5% for 30 minutes


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


def controller(clock: Clock, name: str = "sim-unit", **config) -> SimulatedController:
    forget_fleet(name)
    raw = {"type": "simulated", "name": name, **config}
    (built,) = build_controllers([parse_controller_config(raw)], ControllerContext(now=clock))
    assert isinstance(built, SimulatedController)
    return built


def verdicts(sim: SimulatedController, now: datetime):
    running = [i for i in sim.inventory() if i.state == "running"]
    metrics = sim.utilisation(running, now - timedelta(minutes=POLICY.minutes), now)
    return {
        i.instance_id: judge_idle(metrics[i.instance_id], POLICY, now, has_gpus=i.gpus > 0)
        for i in running
    }


def test_the_demo_fleet_is_the_demo_organisations(clock):
    sim = controller(clock)
    machines = {i.instance_id: i for i in sim.inventory()}
    assert set(machines) == {STALLED_ID, NOTEBOOK_ID, TRAINING_ID, KEPT_ID}
    stalled = machines[STALLED_ID]
    assert (stalled.type, stalled.gpus, stalled.state) == ("p4d.24xlarge", 8, "running")
    assert stalled.hourly_cost == Decimal("32.7726") and stalled.currency == "USD"
    assert stalled.tags["project"] == "recsys" and stalled.tags["team"] == "personalization"
    assert machines[NOTEBOOK_ID].tags["owner"] == "ada@example.com"
    assert {i.tags["project"] for i in machines.values()} == {
        "recsys",
        "fraud-detection",
        "llm-chat",
    }
    assert all(set(i.tags) >= {"project", "team", "owner", "Name"} for i in machines.values())
    assert matching_exclusion(machines[KEPT_ID].tags, ["costbot:keep=true"]) is not None


def test_the_stalled_machine_is_the_demo_datas_stalled_node_for_the_seed():
    for seed in (7, 8):
        (stalled, *_) = demo_fleet(seed)
        assert (stalled.name, stalled.id) == stalled_nodes(seed)[0]
        assert stalled.tags["Name"] == stalled.name and stalled.id.startswith("i-0")
    assert demo_fleet(7)[0].id != demo_fleet(8)[0].id and demo_fleet(7)[0].id == STALLED_ID


def test_the_stalled_machine_is_provably_idle_at_start_and_the_busy_one_never(clock):
    sim = controller(clock)
    judged = verdicts(sim, START)
    assert judged[STALLED_ID].idle, judged[STALLED_ID].reason
    assert judged[STALLED_ID].gpu_max == 0 and judged[STALLED_ID].cpu_max < 5
    assert judged[KEPT_ID].idle  # idle, but its tag keeps it out (the service's exclusion)
    assert not judged[TRAINING_ID].idle and "CPU reached" in judged[TRAINING_ID].reason
    assert not judged[NOTEBOOK_ID].idle  # busy for its first minutes


def test_the_notebook_goes_idle_after_start_and_is_proven_so_a_window_later(clock):
    sim = controller(clock, idle_after_minutes=5)
    assert not verdicts(sim, START + timedelta(minutes=34))[NOTEBOOK_ID].idle
    later = verdicts(sim, START + timedelta(minutes=36))[NOTEBOOK_ID]
    assert later.idle, later.reason
    assert later.gpu_max == 0


def test_datapoints_come_every_period_from_the_clock_and_repeat(clock):
    sim = controller(clock, period_seconds=60)
    (stalled,) = [i for i in sim.inventory() if i.instance_id == STALLED_ID]
    window = (START - timedelta(minutes=10), START)
    first = sim.utilisation([stalled], *window)[STALLED_ID]
    assert first.period_seconds == 60
    assert [p.at.second for p in first.cpu] == [0] * 10  # epoch-aligned minutes
    assert len(first.cpu) == len(first.gpu) == 10
    again = controller(clock, name="sim-unit-2").utilisation([stalled], *window)[STALLED_ID]
    assert again.cpu == first.cpu  # a pure function of seed, machine and time
    # Another seed, other noise (and another stalled machine: that seed's demo data's).
    kept = [i for i in sim.inventory() if i.instance_id == KEPT_ID]
    other = controller(clock, name="sim-unit-3", seed=8).utilisation(kept, *window)
    assert other[KEPT_ID].cpu != sim.utilisation(kept, *window)[KEPT_ID].cpu
    busy = sim.utilisation([i for i in sim.inventory() if i.instance_id == TRAINING_ID], *window)
    assert min(p.value for p in busy[TRAINING_ID].cpu) >= 35
    assert min(p.value for p in busy[TRAINING_ID].gpu) >= 70


def test_make_busy_makes_the_next_datapoints_high(clock):
    sim = controller(clock)
    clock.at = START + timedelta(minutes=1)
    sim.fleet.make_busy(STALLED_ID)
    clock.at = START + timedelta(minutes=3)
    judged = verdicts(sim, clock.at)[STALLED_ID]
    assert not judged.idle and "reached" in judged.reason


def test_stop_and_start_change_the_state_and_are_counted(clock):
    sim = controller(clock)
    stalled = sim.describe(STALLED_ID)
    assert sim.stop(stalled).state == "stopped"
    assert sim.describe(STALLED_ID).state == "stopped"
    assert sim.fleet.stop_calls == 1 and sim.fleet.state(STALLED_ID) == "stopped"
    with pytest.raises(CloudActionError) as twice:
        sim.stop(stalled)
    assert twice.value.kind == CloudErrorKind.INVALID_STATE and sim.fleet.stop_calls == 2
    # Stopped: no datapoints, so never judged idle (nor even listed as running).
    clock.at = START + timedelta(minutes=40)
    gone = sim.utilisation([stalled], clock.at - timedelta(minutes=30), clock.at)[STALLED_ID]
    assert gone.cpu == [] and gone.gpu == []
    assert STALLED_ID not in verdicts(sim, clock.at)
    assert sim.start(sim.describe(STALLED_ID), {}).state == "running"
    assert sim.fleet.start_calls == 1 and sim.fleet.calls[-1] == ("start", STALLED_ID)
    clock.at += timedelta(minutes=10)
    # Started to be used: busy (and only ten minutes of history since the start).
    assert not verdicts(sim, clock.at)[STALLED_ID].idle


def test_fail_next_raises_once_of_its_kind(clock):
    sim = controller(clock)
    stalled = sim.describe(STALLED_ID)
    sim.fleet.fail_next("stop", CloudErrorKind.THROTTLED)
    with pytest.raises(CloudActionError) as throttled:
        sim.stop(stalled)
    assert throttled.value.kind == CloudErrorKind.THROTTLED and "Rate exceeded" in str(
        throttled.value
    )
    assert sim.fleet.state(STALLED_ID) == "running"
    sim.fleet.fail_next("describe", CloudErrorKind.ACCESS_DENIED)
    with pytest.raises(CloudActionError, match="not authorized"):
        sim.describe(STALLED_ID)
    assert sim.stop(stalled).state == "stopped"
    with pytest.raises(ValueError, match="operation"):
        sim.fleet.fail_next("reboot", CloudErrorKind.OTHER)


def test_a_terminated_machine_is_gone(clock):
    sim = controller(clock)
    sim.fleet.terminate(NOTEBOOK_ID)
    assert sim.describe(NOTEBOOK_ID) is None
    assert NOTEBOOK_ID not in {i.instance_id for i in sim.inventory()}
    with pytest.raises(CloudActionError) as gone:
        sim.fleet.stop(NOTEBOOK_ID)
    assert gone.value.kind == CloudErrorKind.NOT_FOUND


def test_two_stops_at_once_stop_once(clock):
    sim = controller(clock)
    stalled = sim.describe(STALLED_ID)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def stop() -> None:
        barrier.wait()
        try:
            outcomes.append(sim.stop(stalled).state)
        except CloudActionError as error:
            outcomes.append(str(error.kind))

    threads = [threading.Thread(target=stop) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["invalid_state"] * 7 + ["stopped"]
    assert sim.fleet.stop_calls == 8


def test_one_fleet_per_controller_name_and_config(clock):
    first = controller(clock, name="sim-shared")
    (second,) = build_controllers(
        [parse_controller_config({"type": "simulated", "name": "sim-shared"})],
        ControllerContext(now=clock),
    )
    assert second.fleet is first.fleet is simulated_fleet("sim-shared")
    (changed,) = build_controllers(
        [parse_controller_config({"type": "simulated", "name": "sim-shared", "seed": 9})],
        ControllerContext(now=clock),
    )
    assert changed.fleet is not first.fleet and simulated_fleet("sim-shared") is changed.fleet
    with pytest.raises(KeyError, match="no simulated controller"):
        simulated_fleet("never-built")


def test_a_custom_fleet_and_bad_config_are_told():
    config = parse_controller_config(
        {
            "type": "simulated",
            "fleet": [
                {"id": "i-1", "name": "a", "type": "t3.small", "hourly_cost": "0.02", "busy": True}
            ],
        }
    )
    assert config.fleet[0].hourly_cost == Decimal("0.02")
    with pytest.raises(ValueError, match="appears twice"):
        parse_controller_config(
            {
                "type": "simulated",
                "fleet": [
                    {"id": "i-1", "name": "a", "type": "t3", "hourly_cost": "1"},
                    {"id": "i-1", "name": "b", "type": "t3", "hourly_cost": "1"},
                ],
            }
        )
    with pytest.raises(ValueError, match="extra"):
        parse_controller_config({"type": "simulated", "regions": ["us-east-1"]})
