"""The `simulated` controller: the `Controller` port over a `SimulatedFleet`.

Fleets are kept per process by controller name (`fleet_for`): the demo's services, a second
app instance in the same process and the tests that click through the fake Slack all reach the
same machines, so a test can say `simulated_fleet("simulated").make_busy(...)` and see the
service's stop counted once. A changed config under the same name gets a new fleet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.cloud.simulated.config import SimulatedControllerConfig
from bot.cloud.simulated.demo_fleet import demo_fleet
from bot.cloud.simulated.fleet import SimulatedFleet
from bot.domain.idle.policy import Utilisation
from bot.services.idle_ports import ActionResult, CloudInstance

_FLEETS: dict[str, tuple[SimulatedControllerConfig, SimulatedFleet]] = {}
_FLEETS_LOCK = threading.Lock()


class SimulatedController:
    kind = "simulated"

    def __init__(self, config: SimulatedControllerConfig, fleet: SimulatedFleet) -> None:
        self.name = config.controller_name
        self.config = config
        self.fleet = fleet

    def inventory(self) -> list[CloudInstance]:
        return self.fleet.instances()

    def utilisation(
        self, instances: Sequence[CloudInstance], start: datetime, end: datetime
    ) -> dict[str, Utilisation]:
        return self.fleet.utilisation([i.instance_id for i in instances], start, end)

    def describe(self, instance_id: str) -> CloudInstance | None:
        return self.fleet.describe(instance_id)

    def stop(self, instance: CloudInstance) -> ActionResult:
        return self.fleet.stop(instance.instance_id)

    def start(self, instance: CloudInstance, undo: Mapping[str, Any]) -> ActionResult:
        return self.fleet.start(instance.instance_id)


def fleet_for(config: SimulatedControllerConfig, now: Callable[[], datetime]) -> SimulatedFleet:
    """This process's fleet for the config's controller name: made on first use (its machines
    start then), the same one afterwards while the config stays the same."""
    with _FLEETS_LOCK:
        known = _FLEETS.get(config.controller_name)
        if known is not None and known[0] == config:
            known[1].use_clock(now)
            return known[1]
        fleet = SimulatedFleet(
            config.fleet if config.fleet is not None else demo_fleet(config.seed),
            now=now,
            idle_after_minutes=config.idle_after_minutes,
            period_seconds=config.period_seconds,
            seed=config.seed,
        )
        _FLEETS[config.controller_name] = (config, fleet)
        return fleet


def simulated_fleet(name: str = "simulated") -> SimulatedFleet:
    """The fleet of the controller named `name` in this process (KeyError before it is built)."""
    with _FLEETS_LOCK:
        if name not in _FLEETS:
            raise KeyError(f"no simulated controller named {name!r} was built in this process")
        return _FLEETS[name][1]


def forget_fleet(name: str = "simulated") -> None:
    """Drop the fleet of `name`: the next controller built under it starts a fresh one."""
    with _FLEETS_LOCK:
        _FLEETS.pop(name, None)
