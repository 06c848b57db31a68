"""Config for idle machines (`idle:`): the policy, who may approve, the controllers; each key
fails at load with a message naming it and the fix."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.cloud.registry import ControllerConfig, parse_controller_config
from bot.domain.idle.policy import IdlePolicy
from bot.domain.idle.windows import WEEKDAYS, ExclusionWindow
from bot.domain.schedules import parse_every
from bot.settings_alerts import check_mentions

_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
DEFAULT_EXCLUDE_TAGS = ("costbot:keep=true", "do-not-stop")


class IdlePolicyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cpu_below_percent: Decimal = Field(default=Decimal(5), gt=0, le=100)
    gpu_below_percent: Decimal = Field(default=Decimal(5), gt=0, le=100)
    minutes: int = Field(default=30, ge=10, le=7 * 24 * 60)

    def policy(self) -> IdlePolicy:
        return IdlePolicy(self.cpu_below_percent, self.gpu_below_percent, self.minutes)


class ApproversConfig(BaseModel):
    """Who may approve a stop besides the machine's owner: user ids (U...) and user-group ids
    (S...), for every team (`default`) and per team (`by_team`, added to the default)."""

    model_config = ConfigDict(extra="forbid")

    default: list[str] = Field(default_factory=list)
    by_team: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("default", mode="before")
    @classmethod
    def _default(cls, value: Any) -> Any:
        value = [value] if isinstance(value, str) else value
        return check_mentions(value) if isinstance(value, list) else value

    @field_validator("by_team", mode="before")
    @classmethod
    def _by_team(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        teams = {}
        for team, ids in value.items():
            ids = [ids] if isinstance(ids, str) else ids
            teams[str(team)] = check_mentions(ids) if isinstance(ids, list) else ids
        return teams

    def all_ids(self) -> set[str]:
        return set(self.default).union(*self.by_team.values())

    def for_team(self, team: str | None) -> frozenset[str]:
        """The default approvers and the team's (team names match whatever their case)."""
        ids = set(self.default)
        if team is not None:
            wanted = team.lower()
            for name, extra in self.by_team.items():
                if name.lower() == wanted:
                    ids.update(extra)
        return frozenset(ids)


class WindowConfig(BaseModel):
    """A weekly window (UTC) in which no machine is proposed for a stop."""

    model_config = ConfigDict(extra="forbid")

    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS))
    start: time = time(0, 0)
    end: time = time(23, 59, 59)

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        value = [value] if isinstance(value, str) else value
        if isinstance(value, list):
            for day in value:
                if str(day).lower()[:3] not in WEEKDAYS:
                    raise ValueError(f"{day!r} is not a weekday; write mon, tue, ... sun")
            return [str(day).lower()[:3] for day in value]
        return value

    def window(self) -> ExclusionWindow:
        return ExclusionWindow(
            frozenset(WEEKDAYS.index(day) for day in self.days), self.start, self.end
        )


class IdleConfig(BaseModel):
    """Idle machines: found by utilisation, proposed in the team's channel, stopped on approval."""

    model_config = ConfigDict(extra="forbid")

    # The whole flow without any cloud call until an operator turns this off.
    dry_run: bool = True
    every: str = "15m"
    policy: IdlePolicyConfig = Field(default_factory=IdlePolicyConfig)
    approvers: ApproversConfig = Field(default_factory=ApproversConfig)
    # Owner tag values (names, e-mails) that are not Slack ids, mapped to Slack user ids;
    # e-mails not listed here are looked up with users.lookupByEmail.
    owners: dict[str, str] = Field(default_factory=dict)
    # A tag `key=value` (value case-insensitive) or a bare `key` (present) keeps a machine out.
    exclude_tags: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE_TAGS))
    exclude_windows: list[WindowConfig] = Field(default_factory=list)
    # How long a proposal waits for a decision before its buttons are removed.
    proposal_ttl: str = "24h"
    # A CSV (instance_type,hourly,currency,gpus) whose rows replace the shipped EC2 price
    # table's, type by type (bot/cloud/aws_ec2/prices.py reads it).
    price_file: Path | None = None
    controllers: list[ControllerConfig] = Field(default_factory=list)

    @field_validator("every", "proposal_ttl")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_every(value)  # raises a ScheduleError (a ValueError) saying what is wrong
        return value

    @field_validator("owners")
    @classmethod
    def _owners(cls, value: dict[str, str]) -> dict[str, str]:
        for owner, user in value.items():
            if not _USER.match(user):
                raise ValueError(
                    f"owners: {owner!r} maps to {user!r}, which is not a Slack user id (U...)"
                )
        return {owner.lower(): user for owner, user in value.items()}

    @field_validator("controllers", mode="before")
    @classmethod
    def _typed_controllers(cls, raw: object) -> list[ControllerConfig]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise ValueError("controllers is a list, e.g. [{type: aws_ec2, regions: [us-east-1]}]")
        return [parse_controller_config(entry) for entry in raw]

    @model_validator(mode="after")
    def _unique_controller_names(self) -> IdleConfig:
        names = [c.controller_name for c in self.controllers]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"controllers: {', '.join(repeated)} appears twice; give each a distinct `name`"
            )
        return self

    @property
    def ttl(self) -> timedelta:
        return parse_every(self.proposal_ttl)

    @property
    def interval(self) -> timedelta:
        return parse_every(self.every)

    def windows(self) -> list[ExclusionWindow]:
        return [entry.window() for entry in self.exclude_windows]
