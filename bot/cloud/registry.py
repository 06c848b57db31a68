"""The controller types costbot can find idle machines with: one registered spec per type.

Each type lives in its own package under `bot/cloud/` and exposes `CONTROLLER_TYPE`. The list
below is the registry; a meta-test walks it and fails any type without a config model, a
builder, a description or its declared permissions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from bot.services.idle_ports import Controller

CONTROLLER_MODULES: tuple[str, ...] = (
    "bot.cloud.aws_ec2",
    "bot.cloud.kubernetes",
    "bot.cloud.simulated",
)


class ControllerConfig(BaseModel):
    """The keys every controller has; each type's model adds its own (and forbids any other).

    `name` tells two controllers of one type apart (default: the type)."""

    model_config = ConfigDict(extra="forbid")

    type: str
    name: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"name {value!r}: use letters, digits, - and _ only")
        return value

    @property
    def controller_name(self) -> str:
        return self.name or self.type


@dataclass(frozen=True)
class ControllerContext:
    """What a controller may use besides its config."""

    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # `idle.price_file`: its rows may list instance types' GPU counts besides their prices.
    price_file: Path | None = None


@dataclass(frozen=True)
class ControllerType:
    name: str  # the config's `type:`
    config: type[ControllerConfig]
    build: Callable[[ControllerConfig, ControllerContext], Controller]
    description: str
    # What it needs of the cloud: IAM actions, Kubernetes verbs, HTTP endpoints. The README's
    # policy documents list the same.
    permissions: tuple[str, ...]


@cache
def controller_types() -> dict[str, ControllerType]:
    """Every registered controller type by name (imported on first use: SDKs load slowly)."""
    types: dict[str, ControllerType] = {}
    for module_name in CONTROLLER_MODULES:
        # An optional extra's SDK (kubernetes) is imported by its builder, not here.
        spec: ControllerType = importlib.import_module(module_name).CONTROLLER_TYPE
        types[spec.name] = spec
    return types


def parse_controller_config(raw: object) -> ControllerConfig:
    """Validate one `idle.controllers` entry with its type's model."""
    if not isinstance(raw, dict):
        raise ValueError("each controller is a mapping with a type: aws_ec2, kubernetes, simulated")
    kind = raw.get("type")
    types = controller_types()
    if kind not in types:
        raise ValueError(f"unknown controller type {kind!r}; valid types: {', '.join(types)}")
    return types[kind].config.model_validate(raw)


def build_controllers(
    configs: list[ControllerConfig], context: ControllerContext
) -> list[Controller]:
    types = controller_types()
    return [types[config.type].build(config, context) for config in configs]
