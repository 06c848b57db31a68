"""Config for budgets, alert routing, alerts and digests (`budgets:`, `channels:`, `alerts:`,
`digests:`); each fails at load with a message naming the key and the fix."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.domain.allocation import DIMENSIONS
from bot.domain.anomaly import AnomalySettings
from bot.domain.budgets import (
    ALL_SCOPE,
    DEFAULT_THRESHOLDS,
    Budget,
    BudgetError,
    BudgetPeriod,
    BudgetScope,
)
from bot.domain.schedules import parse_every

# A Slack channel as config names it: an id (C..., G...) or a name with or without `#`.
_CHANNEL = re.compile(r"^#?[a-z0-9][a-z0-9._-]{0,79}$|^[CG][A-Z0-9]{2,}$")
_MENTION = re.compile(r"^[UWS][A-Z0-9]{2,}$")
ANOMALY_DIMENSIONS: tuple[str, ...] = ("project", "team", "service")


def check_channel(value: str) -> str:
    text = value.strip()
    if not _CHANNEL.match(text):
        raise ValueError(
            f"{value!r} is not a Slack channel: give its name (#fraud-detection) or its id "
            "(C0123ABCD, from the channel's About tab)"
        )
    return text


def check_mentions(values: list[str]) -> list[str]:
    for value in values:
        if not _MENTION.match(value):
            raise ValueError(
                f"{value!r} is not a Slack user or user-group id (U..., W... or S...); "
                "copy it from the person's or group's profile"
            )
    return values


class BudgetConfig(BaseModel):
    """One budget: `scope: all`, or one dimension key (`project: fraud-detection`)."""

    model_config = ConfigDict(extra="forbid")

    scope: Literal["all"] | None = None
    project: str | None = None
    team: str | None = None
    owner: str | None = None
    model: str | None = None
    environment: str | None = None
    service: str | None = None
    account: str | None = None
    region: str | None = None
    amount: Decimal = Field(gt=0)
    currency: str | None = None  # default: the config's `currency`
    period: BudgetPeriod = BudgetPeriod.MONTHLY
    thresholds: list[int] = Field(default_factory=lambda: list(DEFAULT_THRESHOLDS))
    channel: str | None = None
    mention: list[str] = Field(default_factory=list)
    floor: Decimal | None = Field(default=None, ge=0)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        return None if value is None else check_channel(value)

    @field_validator("mention", mode="before")
    @classmethod
    def _mention(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        return check_mentions(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _one_scope(self) -> BudgetConfig:
        named = [d for d in DIMENSIONS if d != "resource" and getattr(self, d, None) is not None]
        if len(named) + (self.scope is not None) != 1:
            raise ValueError(
                "a budget names exactly one scope: `scope: all`, or one of "
                f"{', '.join(d for d in DIMENSIONS if d != 'resource')} "
                "(e.g. `project: fraud-detection`)"
            )
        return self

    def budget_scope(self) -> BudgetScope:
        if self.scope == ALL_SCOPE:
            return BudgetScope.everything()
        dimension = next(d for d in DIMENSIONS if getattr(self, d, None) is not None)
        return BudgetScope(dimension, getattr(self, dimension))

    def budget(self, default_currency: str) -> Budget:
        """The domain budget; BudgetError (a ValueError) says what is wrong."""
        return Budget(
            scope=self.budget_scope(),
            amount=self.amount,
            currency=(self.currency or default_currency).upper(),
            period=self.period,
            thresholds=tuple(self.thresholds),
            channel=self.channel,
            mentions=tuple(self.mention),
            floor=self.floor,
        )


class ChannelsConfig(BaseModel):
    """Where alerts and digests go: a budget's own channel, else its scope's, else `default`."""

    model_config = ConfigDict(extra="forbid")

    default: str | None = None
    by_project: dict[str, str] = Field(default_factory=dict)
    by_team: dict[str, str] = Field(default_factory=dict)

    @field_validator("default")
    @classmethod
    def _default(cls, value: str | None) -> str | None:
        return None if value is None else check_channel(value)

    @field_validator("by_project", "by_team")
    @classmethod
    def _maps(cls, value: dict[str, str]) -> dict[str, str]:
        return {name: check_channel(channel) for name, channel in value.items()}

    def for_scope(self, dimension: str | None, value: str | None) -> str | None:
        """The channel configured for a scope, before the default."""
        if dimension == "project" and value is not None:
            return _lookup(self.by_project, value)
        if dimension == "team" and value is not None:
            return _lookup(self.by_team, value)
        return None


def _lookup(channels: dict[str, str], value: str) -> str | None:
    """Allocation lower-cases tag values, so a map key matches whatever its case."""
    wanted = value.lower()
    return next((c for name, c in channels.items() if name.lower() == wanted), None)


class AnomalyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    min_impact: Decimal = Field(default=Decimal(50), ge=0)
    sensitivity: Decimal = Field(default=Decimal(4), gt=0)
    baseline_days: int = Field(default=28, ge=7, le=366)
    dimensions: list[str] = Field(default_factory=lambda: list(ANOMALY_DIMENSIONS))

    @field_validator("dimensions")
    @classmethod
    def _dimensions(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - (set(DIMENSIONS) - {"resource"}))
        if unknown:
            raise ValueError(f"unknown dimension(s) {unknown}; use e.g. project, team, service")
        return value

    def settings(self) -> AnomalySettings:
        return AnomalySettings(
            baseline_days=self.baseline_days,
            sensitivity=self.sensitivity,
            min_impact=self.min_impact,
        )


class AlertsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Who may change budgets from Slack: user ids (U...) and user-group ids (S...). Empty: nobody.
    budget_editors: list[str] = Field(default_factory=list)
    # A forecast alert again only when the projection rose by this share of the budget, percent.
    forecast_step: Decimal = Field(default=Decimal(10), gt=0, le=1000)
    # No forecast before this many days of the period have passed.
    forecast_min_days: int = Field(default=5, ge=1, le=366)
    # How often alerts are evaluated besides after every snapshot.
    every: str = "1h"
    # Alerts posted one by one per channel and evaluation; the rest go in one summary.
    max_per_channel: int = Field(default=5, ge=1, le=50)
    anomaly: AnomalyConfig = Field(default_factory=AnomalyConfig)

    @field_validator("budget_editors", mode="before")
    @classmethod
    def _editors(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        return check_mentions(value) if isinstance(value, list) else value

    @field_validator("every")
    @classmethod
    def _every(cls, value: str) -> str:
        parse_every(value)  # raises a ScheduleError (a ValueError) saying what is wrong
        return value


class DigestConfig(BaseModel):
    """A daily or weekly summary posted to one channel."""

    model_config = ConfigDict(extra="forbid")

    channel: str
    every: Literal["daily", "weekly"] = "daily"
    at: str = "09:00"  # UTC; weekly digests go out on Mondays
    # The scope the digest is about: `all`, or one dimension value ({team: ml-platform}).
    scope: Literal["all"] | dict[str, str] = "all"

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return check_channel(value)

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if not match:
            raise ValueError(f"at: {value!r} is not a time of day; write HH:MM in UTC, e.g. 09:00")
        return f"{int(match[1]):02d}:{match[2]}"

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) != 1:
                raise ValueError("scope names one dimension value, e.g. {team: ml-platform}")
            ((dimension, name),) = value.items()
            try:
                BudgetScope(dimension, name)
            except BudgetError as error:
                raise ValueError(str(error)) from None
        return value

    def budget_scope(self) -> BudgetScope:
        if self.scope == ALL_SCOPE or not isinstance(self.scope, dict):
            return BudgetScope.everything()
        ((dimension, name),) = self.scope.items()
        return BudgetScope(dimension, name)

    @property
    def hour(self) -> int:
        return int(self.at[:2])

    @property
    def minute(self) -> int:
        return int(self.at[3:])
