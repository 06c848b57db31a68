"""Settings from the environment (COSTBOT_*) and the YAML config file; fail fast and clearly."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.allocation import (
    DEFAULT_TAG_KEYS,
    FALLBACK_FIELDS,
    TAG_DIMENSIONS,
    AllocationRules,
    FallbackRule,
)
from bot.domain.budgets import Budget, BudgetError
from bot.domain.shared.rules import SharedRule
from bot.settings_alerts import AlertsConfig, BudgetConfig, ChannelsConfig, DigestConfig
from bot.settings_idle import IdleConfig
from bot.settings_shared import SharedRuleConfig, check_required_tags, shared_rules
from bot.sources.registry import SourceConfig, parse_source_config, source_types

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
    # Keep finished answers until the next ingest (COSTBOT_ANSWER_CACHE=0 to always recompute).
    answer_cache: bool = True
    # Memory the kept answers may use, in megabytes (estimated); one answer at most a quarter.
    answer_cache_mb: float = Field(default=64, ge=0)
    # Time one Slack answer may take before the asker is told to ask something smaller.
    answer_seconds: float = Field(default=20, ge=0)
    # Answers computed at once (and as many more waiting); past that, "busy, try again".
    answer_workers: int = Field(default=0, ge=0, description="0: chosen from the CPU count")
    # Longest any statement may run, answer or ingest (PostgreSQL); 0 for no limit.
    statement_seconds: float = Field(default=300, ge=0)
    # How long to wait for PostgreSQL to accept a connection before saying it is unreachable.
    connect_seconds: float = Field(default=5, gt=0)


_SLACK_HELP = {
    "SLACK_BOT_TOKEN": "OAuth & Permissions > Bot User OAuth Token (starts with xoxb-)",
    "SLACK_SIGNING_SECRET": "Basic Information > App Credentials > Signing Secret",
    "SLACK_APP_TOKEN": (
        "Basic Information > App-Level Tokens, with the connections:write scope (starts with xapp-)"
    ),
}
_PLACEHOLDER_MARKS = ("...", "changeme", "change-me", "your-", "your_", "<", "placeholder")
# "xoxb-xxxx-xxxx": a part made only of x's. Not "xxx" anywhere: a real token's random part may
# hold it (about one bot token in 1,400, case-insensitively), and must not be refused.
_PLACEHOLDER_PART = re.compile(r"(?:^|[-_])x{3,}(?:$|[-_])", re.IGNORECASE)
_TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


class SlackSettings(BaseSettings):
    """Slack credentials and the bot's network settings, from the environment."""

    model_config = SettingsConfigDict(extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # Only this machine by default: the bot is reached through a reverse proxy (or Socket Mode);
    # COSTBOT_HOST=0.0.0.0 listens on every interface.
    costbot_host: str = "127.0.0.1"
    costbot_port: int = Field(default=3000, ge=0, le=65535)
    costbot_slack_api_url: str = "https://slack.com/api/"
    # The workspace and app requests must be for; learnt from the bot token when unset.
    slack_team_id: str | None = None
    slack_app_id: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None and bool(self.slack_app_token.get_secret_value())

    def check(self) -> None:
        """Fail fast, naming each missing variable and where Slack shows its value."""
        needed = [
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN" if self.socket_mode else "SLACK_SIGNING_SECRET",
        ]
        problems = [problem for name in needed if (problem := self._problem(name))]
        if problems:
            raise ConfigError(
                "costbot cannot start:\n"
                + "\n".join(f"  - {p}" for p in problems)
                + "\nFind them in your app's settings at https://api.slack.com/apps."
            )

    def _problem(self, name: str) -> str | None:
        secret = getattr(self, name.lower())
        value = secret.get_secret_value().strip() if secret is not None else ""
        where = _SLACK_HELP[name]
        if not value:
            return f"{name} is not set: copy it from {where}."
        placeholder = any(mark in value.lower() for mark in _PLACEHOLDER_MARKS)
        if placeholder or _PLACEHOLDER_PART.search(value):
            return f"{name} is still a placeholder: copy the real value from {where}."
        prefix = _TOKEN_PREFIXES.get(name)
        if prefix and not value.startswith(prefix):
            return f"{name} must start with {prefix}: copy it from {where}."
        return None


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
    # Cost no single tag owns, split among receivers by rules applied in order.
    shared: list[SharedRuleConfig] = Field(default_factory=list)
    # Tag keys every resource must carry (`costbot tags report` lists those missing any).
    required_tags: list[str] = Field(default_factory=list)

    @field_validator("required_tags")
    @classmethod
    def _required_tags(cls, value: list[str]) -> list[str]:
        return check_required_tags(value)

    @model_validator(mode="after")
    def _shared_rules_named_once(self) -> AllocationConfig:
        shared_rules(self.shared)
        return self

    def shared_rules(self) -> tuple[SharedRule, ...]:
        return shared_rules(self.shared)

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
    # Where costbot collects cost by itself, each on its schedule (see costbot.example.yml).
    sources: list[SourceConfig] = Field(default_factory=list)
    # The channel told when a source keeps failing (and when it recovers); unset: logs only.
    ops_channel: str | None = None
    alert_after_failures: int = Field(default=3, ge=1, le=1000)
    # Budgets (more can be set from Slack; one here wins over Slack's for the same scope).
    budgets: list[BudgetConfig] = Field(default_factory=list)
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    digests: list[DigestConfig] = Field(default_factory=list)
    # Idle machines: found by utilisation, proposed in the team's channel, stopped on approval.
    idle: IdleConfig = Field(default_factory=IdleConfig)

    @model_validator(mode="after")
    def _usable_budgets(self) -> CostbotConfig:
        seen: dict[str, int] = {}
        for index, entry in enumerate(self.budgets):
            try:
                budget = entry.budget(self.currency)
            except BudgetError as error:
                raise ValueError(f"budgets[{index}]: {error}") from None
            scope = budget.scope.key()  # case-folded: Fraud and fraud are one scope
            if scope in seen:
                raise ValueError(
                    f"budgets[{index}]: {budget.scope} already has a budget "
                    f"(budgets[{seen[scope]}]); keep one budget per scope"
                )
            seen[scope] = index
        return self

    @model_validator(mode="after")
    def _one_digest_per_channel_and_kind(self) -> CostbotConfig:
        seen: dict[tuple[str, str], int] = {}
        for index, digest in enumerate(self.digests):
            key = (digest.channel.removeprefix("#").lower(), digest.every)
            if key in seen:
                raise ValueError(
                    f"digests[{index}]: {digest.channel} already has a {digest.every} digest "
                    f"(digests[{seen[key]}]); keep one {digest.every} digest per channel"
                )
            seen[key] = index
        return self

    def config_budgets(self) -> list[Budget]:
        """The budgets of the config file, as the domain knows them."""
        return [entry.budget(self.currency) for entry in self.budgets]

    @field_validator("sources", mode="before")
    @classmethod
    def _typed_sources(cls, raw: object) -> list[SourceConfig]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise ValueError("sources is a list of sources, each with name, type and schedule")
        return [parse_source_config(entry) for entry in raw]

    @model_validator(mode="after")
    def _unique_schedulable_sources(self) -> CostbotConfig:
        names = [source.name for source in self.sources]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"sources: each name must be unique; repeated: {', '.join(repeated)}")
        from bot.scheduler import cron_problem  # the one module that knows APScheduler

        for source in self.sources:
            cron = source.schedule.cron
            if cron is not None and (problem := cron_problem(cron)):
                raise ValueError(f"sources: {source.name}: schedule: cron {cron!r} {problem}")
            if source_types()[source.type].paid_calls:
                _at_most_hourly(source)
        return self


PAID_SOURCE_EVERY = timedelta(hours=1)


def _at_most_hourly(source: SourceConfig) -> None:
    """A source billed per API call runs at most hourly: `every: 10s` would cost $86 a day."""
    from bot.scheduler import next_run

    schedule = source.schedule.schedule()
    first = next_run(schedule, datetime(2026, 1, 1, tzinfo=UTC))
    gap = next_run(schedule, first) - first
    if gap < PAID_SOURCE_EVERY:
        raise ValueError(
            f"sources: {source.name}: {source.type} is billed per API call; schedule it at "
            f"most hourly (e.g. every: 6h), not {schedule.text}"
        )


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
