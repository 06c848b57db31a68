"""Config for shared cost (`allocation.shared:`) and the tag policy
(`allocation.required_tags:`); each key fails at load with a message naming it and the fix."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.domain.allocation import TAG_DIMENSIONS, normalise_tag_key, normalise_tag_value
from bot.domain.shared.rules import (
    OPENCOST_USAGE_UNITS,
    RECEIVING_DIMENSIONS,
    RULE_NAME_CHARS,
    SharedMatch,
    SharedRule,
    SplitMethod,
    UsageMeasure,
)

_MATCH_FIELDS = ("service", "account", "resource", "opencost")
_UNALLOCATED = ("(unallocated)", "unallocated", "")


class UsageColumnsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: str = "day"
    receiver: str = "receiver"
    quantity: str = "quantity"


class UsageFileConfig(BaseModel):
    """`usage: {file: gpu-hours.csv, columns: {day, receiver, quantity}, label: GPU hours}`."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    opencost: str | None = None
    columns: UsageColumnsConfig = Field(default_factory=UsageColumnsConfig)
    label: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> UsageFileConfig:
        if (self.file is None) == (self.opencost is None):
            raise ValueError("usage: give either file: (CSV or Parquet) or opencost: (gpu_hours)")
        if self.opencost is not None and self.opencost not in OPENCOST_USAGE_UNITS:
            raise ValueError(
                f"usage.opencost: {self.opencost!r} is not measured by OpenCost; use "
                + " or ".join(OPENCOST_USAGE_UNITS)
            )
        return self

    def measure(self) -> UsageMeasure:
        return UsageMeasure(
            opencost=self.opencost,
            file=self.file,
            day_column=self.columns.day,
            receiver_column=self.columns.receiver,
            quantity_column=self.columns.quantity,
            label=self.label,
        )


class SharedRuleConfig(BaseModel):
    """One rule: `match` what is shared, `split` how, `among` whom (see costbot.example.yml)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=RULE_NAME_CHARS)
    match: dict[str, Any]
    split: SplitMethod
    among: str | list[str] | dict[str, list[str]] = "project"
    weights: dict[str, Decimal] = Field(default_factory=dict)
    usage: str | UsageFileConfig | None = None
    fallback: SplitMethod = SplitMethod.PROPORTIONAL

    @field_validator("match")
    @classmethod
    def _known_criteria(cls, value: dict[str, Any]) -> dict[str, Any]:
        known = (*TAG_DIMENSIONS, *_MATCH_FIELDS, "tag", "tags")
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"match: unknown key(s) {unknown}; use {', '.join(known)}")
        if not value:
            raise ValueError("match: say which cost is shared, e.g. {project: shared-platform}")
        for key in ("tag", "tags"):
            if key in value and not isinstance(value[key], dict):
                raise ValueError(f"match.{key}: a mapping of tag key to value, e.g. {{team: ml}}")
        return value

    @field_validator("usage", mode="before")
    @classmethod
    def _usage_shorthand(cls, value: Any) -> Any:
        # `usage: gpu_hours` is short for `usage: {opencost: gpu_hours}`.
        if isinstance(value, str):
            return {"opencost": value}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SharedRuleConfig:
        if self.split is SplitMethod.FIXED and not self.weights:
            raise ValueError("split: fixed needs weights: {receiver: weight, ...}")
        if self.weights and any(weight < 0 for weight in self.weights.values()):
            raise ValueError("weights must not be negative")
        if self.weights and sum(self.weights.values()) <= 0:
            raise ValueError("weights must add up to more than 0")
        self._folded_weights()
        if self.split is SplitMethod.USAGE and self.usage is None:
            raise ValueError(
                "split: usage needs usage: gpu_hours, cpu_core_hours, or {file: ..., columns: ...}"
            )
        if self.fallback is SplitMethod.USAGE:
            raise ValueError("fallback: use even, proportional or fixed")
        if self.fallback is SplitMethod.FIXED and not self.weights:
            raise ValueError("fallback: fixed needs weights")
        self._among()
        return self

    def _among(self) -> tuple[str, tuple[str, ...]]:
        among = self.among
        if isinstance(among, str):
            dimension, values = among, []
        elif isinstance(among, list):
            dimension, values = "project", among
        elif len(among) == 1:
            dimension, values = next(iter(among.items()))
        else:
            raise ValueError("among: one dimension, e.g. {project: [fraud-detection, recsys]}")
        if dimension not in RECEIVING_DIMENSIONS:
            raise ValueError(
                f"among: {dimension!r} cannot receive cost; use {', '.join(RECEIVING_DIMENSIONS)}"
            )
        folded = tuple(v for v in (normalise_tag_value(v) for v in values) if v is not None)
        return dimension, folded

    def _folded_weights(self) -> dict[str, Decimal]:
        """The weights by receiver as allocation stores it (values are folded): two names
        that fold to one receiver are refused, not silently one of them."""
        folded: dict[str, Decimal] = {}
        named: dict[str, str] = {}
        for name, weight in self.weights.items():
            receiver = str(normalise_tag_value(name))
            if receiver in folded:
                raise ValueError(
                    f"weights: {named[receiver]!r} and {name!r} are the same receiver "
                    f"({receiver!r}); give it one weight"
                )
            folded[receiver], named[receiver] = weight, name
        return folded

    def rule(self, index: int) -> SharedRule:
        dimension, receivers = self._among()
        match = _match(self.match)
        return SharedRule(
            name=(self.name or _default_name(self.match, index)).strip(),
            match=match,
            method=self.split,
            among=dimension,
            receivers=receivers,
            weights=self._folded_weights(),
            usage=self.usage.measure() if isinstance(self.usage, UsageFileConfig) else None,
            fallback=self.fallback,
        )


def shared_rules(configs: list[SharedRuleConfig]) -> tuple[SharedRule, ...]:
    """The rules in config order; two rules with one name are refused (answers name rules)."""
    rules = tuple(config.rule(index) for index, config in enumerate(configs, start=1))
    names = [rule.name for rule in rules]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise ValueError(f"allocation.shared: two rules are named {', '.join(doubled)}; rename one")
    return rules


def check_required_tags(value: list[str]) -> list[str]:
    folded = [normalise_tag_key(tag) for tag in value]
    if any(not tag for tag in folded):
        raise ValueError("allocation.required_tags: a tag key cannot be empty")
    return list(dict.fromkeys(folded))


def _match(raw: dict[str, Any]) -> SharedMatch:
    dimensions = {dim: _dimension_value(raw[dim]) for dim in TAG_DIMENSIONS if dim in raw}
    tags = {**(raw.get("tags") or {}), **(raw.get("tag") or {})}
    return SharedMatch(
        dimensions=dimensions,
        tags={normalise_tag_key(str(k)): str(v).strip() for k, v in tags.items()},
        **{name: str(raw[name]).strip() for name in _MATCH_FIELDS if name in raw},
    )


def _default_name(match: dict[str, Any], index: int) -> str:
    # Cut to what a stored rule name holds: a long project name still names its rule.
    for value in match.values():
        if isinstance(value, str) and value.strip():
            return value.strip().lower()[:RULE_NAME_CHARS].strip()
    return f"rule {index}"


def _dimension_value(value: object) -> str | None:
    """A dimension value as stored (folded); "(unallocated)" or empty is the untagged cost."""
    text = str(value if value is not None else "").strip().lower()
    return None if text in _UNALLOCATED else text
