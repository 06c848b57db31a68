"""Settings from the environment (COSTBOT_*) and the YAML config file; fail fast and clearly."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.allocation import (
    DEFAULT_TAG_KEYS,
    FALLBACK_FIELDS,
    TAG_DIMENSIONS,
    AllocationRules,
    FallbackRule,
)

DEFAULT_CONFIG_FILE = Path("costbot.yml")


class ConfigError(ValueError):
    """The configuration is wrong; the message names the file, the key and the fix."""


class Settings(BaseSettings):
    """Process settings from the environment."""

    model_config = SettingsConfigDict(env_prefix="COSTBOT_", extra="ignore")

    database_url: str = "sqlite:///costbot.db"
    config: Path | None = Field(default=None, description="YAML config file (COSTBOT_CONFIG)")
    # Pins "today" for reproducible answers in demos and tests; unset in production.
    today: date | None = None


class FallbackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    when: dict[str, str]
    value: str

    @field_validator("when")
    @classmethod
    def _known_fields(cls, when: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(when) - set(FALLBACK_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; use {', '.join(FALLBACK_FIELDS)}")
        if not when:
            raise ValueError("needs at least one field to match")
        return when


class AllocationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag_keys: dict[str, list[str]] = Field(default_factory=dict)
    fallbacks: dict[str, list[FallbackConfig]] = Field(default_factory=dict)

    @field_validator("tag_keys", "fallbacks")
    @classmethod
    def _known_dimensions(cls, value: dict) -> dict:
        unknown = sorted(set(value) - set(TAG_DIMENSIONS))
        if unknown:
            raise ValueError(f"unknown dimension(s) {unknown}; use {', '.join(TAG_DIMENSIONS)}")
        return value

    def rules(self) -> AllocationRules:
        keys = {dim: tuple(self.tag_keys.get(dim, DEFAULT_TAG_KEYS[dim])) for dim in TAG_DIMENSIONS}
        fallbacks = tuple(
            FallbackRule(dimension=dim, when=rule.when, value=rule.value)
            for dim, rules in self.fallbacks.items()
            for rule in rules
        )
        return AllocationRules(tag_keys=keys, fallbacks=fallbacks)


class CostbotConfig(BaseModel):
    """The YAML config file (see costbot.example.yml for every key)."""

    model_config = ConfigDict(extra="forbid")

    cost_basis: Literal["effective", "billed"] = "effective"
    currency: str = Field(default="USD", min_length=3, max_length=3)
    allocation: AllocationConfig = Field(default_factory=AllocationConfig)


def load_config(path: Path | None) -> CostbotConfig:
    """Load the config file; with no path, `costbot.yml` if present, else the defaults."""
    if path is None:
        if not DEFAULT_CONFIG_FILE.exists():
            return CostbotConfig()
        path = DEFAULT_CONFIG_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"Config file {path} does not exist (set by COSTBOT_CONFIG or --config)."
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {path} is not valid YAML: {exc}") from exc
    try:
        return CostbotConfig.model_validate(raw or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"Config file {path} has errors: {problems}") from exc
