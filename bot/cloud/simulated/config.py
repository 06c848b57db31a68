"""The `simulated` controller's config: an in-process fleet whose machines go idle over time."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.cloud.registry import ControllerConfig

MACHINE_STATES = ("running", "stopped")


class SimulatedMachine(BaseModel):
    """One machine of the fleet, as it is when the fleet starts.

    When it goes idle: `busy: true` never (until a test makes it so); else `idle_from_minutes`
    after the fleet starts (negative: it was idle before, so it is provably idle at once), or,
    unset, the controller's `idle_after_minutes`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    type: str = Field(min_length=1, max_length=64)
    gpus: int = Field(default=0, ge=0, le=64)
    hourly_cost: Decimal = Field(ge=0)
    currency: str = "USD"
    state: Literal["running", "stopped"] = "running"
    region: str = "us-east-1"
    tags: dict[str, str] = Field(default_factory=dict)
    launched_minutes_ago: int = Field(default=6 * 60, ge=0)  # before the fleet starts
    busy: bool = False
    idle_from_minutes: int | None = None

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError(f"currency {value!r}: write an ISO 4217 code such as USD")
        return value.upper()


class SimulatedControllerConfig(ControllerConfig):
    """`{type: simulated}`: the demo's fleet (or `fleet:`), with utilisation made up from the
    clock: the same time gives the same datapoints, every `period_seconds`."""

    type: Literal["simulated"] = "simulated"
    # None: the demo organisation's fleet (bot/cloud/simulated/demo_fleet.py).
    fleet: list[SimulatedMachine] | None = None
    # How long after the fleet starts a machine without its own `idle_from_minutes` goes idle.
    idle_after_minutes: int = Field(default=5, ge=0, le=7 * 24 * 60)
    period_seconds: int = Field(default=60, ge=10, le=3600)
    # The noise of the datapoints, and the demo data whose stalled machine the fleet runs
    # (`costbot demo --seed`).
    seed: int = 7

    @model_validator(mode="after")
    def _unique_ids(self) -> SimulatedControllerConfig:
        ids = [machine.id for machine in self.fleet or ()]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"fleet: {', '.join(repeated)} appears twice; give each its own id")
        return self
