"""The source types costbot can take snapshots from: one registered spec per type.

Each type lives in its own package under `bot/sources/` and exposes `SOURCE_TYPE`. The list
below is the registry; a meta-test walks it and fails any type without a config model, a
builder, a description or its declared permissions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.domain.cost_rows import source_name_problem
from bot.domain.schedules import Schedule, ScheduleError, parse_every
from bot.services.snapshot_ports import SnapshotSource, SourceContext

# The packages that define a source type, in the order `costbot status` lists types.
SOURCE_MODULES: tuple[str, ...] = (
    "bot.sources.focus_export",
    "bot.sources.aws_cost_explorer",
    "bot.sources.opencost",
    "bot.sources.aws_cur",
    "bot.sources.azure_cost_export",
    "bot.sources.demo_source",
)


class ScheduleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    every: str | None = None
    cron: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ScheduleConfig:
        self.schedule()  # raises a ScheduleError (a ValueError) saying what is wrong
        return self

    def schedule(self) -> Schedule:
        """The schedule; a cron line's fields are checked by the scheduler when config loads."""
        every = parse_every(self.every) if self.every is not None else None
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ScheduleError(f'cron: {self.cron!r} needs five fields, e.g. "15 */6 * * *"')
        return Schedule(every=every, cron=self.cron)


class SourceConfig(BaseModel):
    """The keys every source has; each type's model adds its own (and forbids any other)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: str
    schedule: ScheduleConfig = Field(default_factory=lambda: ScheduleConfig(every="6h"))

    @field_validator("name")
    @classmethod
    def _source_name(cls, name: str) -> str:
        if problem := source_name_problem(name):
            raise ValueError(problem)
        return name


class ExportSourceConfig(SourceConfig):
    """A source of exported files: `path` is a local folder or s3://bucket/prefix (credentials
    from boto3's default chain, never the config)."""

    path: str

    @field_validator("path")
    @classmethod
    def _export_path(cls, path: str) -> str:
        path = path.strip()
        if not path:
            raise ValueError("path: give a folder or s3://bucket/prefix")
        if path.startswith("s3://") and not path.removeprefix("s3://").split("/", 1)[0]:
            raise ValueError(f"path: {path!r} names no bucket; write s3://bucket/prefix")
        if "://" in path and not path.startswith("s3://"):
            raise ValueError(f"path: {path!r}: only local folders and s3:// are read")
        return path


@dataclass(frozen=True)
class SourceType:
    """A kind of source: how it is configured, built, and what it may touch."""

    name: str  # the config's `type:`
    config: type[SourceConfig]
    build: Callable[[SourceConfig, SourceContext], SnapshotSource]
    description: str
    # What the source needs of the cloud, as IAM actions or HTTP endpoints: the least it asks.
    permissions: tuple[str, ...]
    # Whether each run calls a paid API (its calls are counted in `costbot status`).
    paid_calls: bool = False


@cache
def source_types() -> dict[str, SourceType]:
    """Every registered source type by name (imported on first use: boto3 is slow to load)."""
    types: dict[str, SourceType] = {}
    for module_name in SOURCE_MODULES:
        spec: SourceType = importlib.import_module(module_name).SOURCE_TYPE
        types[spec.name] = spec
    return types


def parse_source_config(raw: object) -> SourceConfig:
    """Validate one `sources:` entry with its type's model; unknown types name the valid ones."""
    if not isinstance(raw, dict):
        raise ValueError("each source is a mapping with name, type and schedule")
    kind = raw.get("type")
    types = source_types()
    if kind not in types:
        raise ValueError(f"unknown source type {kind!r}; valid types: {', '.join(types)}")
    return types[kind].config.model_validate(raw)
