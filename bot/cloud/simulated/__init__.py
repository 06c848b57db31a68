"""`simulated`: an in-process fleet of GPU machines that go idle over time, for `make demo`
and the tests. Nothing leaves the process: stop and start change the fleet's own state."""

from __future__ import annotations

from bot.cloud.registry import ControllerConfig, ControllerContext, ControllerType
from bot.cloud.simulated.config import SimulatedControllerConfig, SimulatedMachine
from bot.cloud.simulated.controller import (
    SimulatedController,
    fleet_for,
    forget_fleet,
    simulated_fleet,
)
from bot.cloud.simulated.fleet import SimulatedFleet

__all__ = [
    "CONTROLLER_TYPE",
    "SimulatedController",
    "SimulatedControllerConfig",
    "SimulatedFleet",
    "SimulatedMachine",
    "build_simulated_controller",
    "forget_fleet",
    "simulated_fleet",
]


def build_simulated_controller(
    config: ControllerConfig, context: ControllerContext
) -> SimulatedController:
    if not isinstance(config, SimulatedControllerConfig):
        raise TypeError(
            f"a simulated controller needs a SimulatedControllerConfig, not {type(config).__name__}"
        )
    return SimulatedController(config, fleet_for(config, context.now))


CONTROLLER_TYPE = ControllerType(
    name="simulated",
    config=SimulatedControllerConfig,
    build=build_simulated_controller,
    description=(
        "An in-process fleet of GPU machines whose utilisation is made up from the clock "
        "(the demo organisation's, or `fleet:`): some go idle, one stalls, one stays busy; "
        "stop and start change only the fleet's own state"
    ),
    permissions=("none: it calls no cloud",),
)
