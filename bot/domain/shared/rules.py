"""What a shared-cost rule says: which cost is shared, among whom, and how it is split."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from bot.domain.allocation import TAG_DIMENSIONS


class SplitMethod(StrEnum):
    EVEN = "even"
    PROPORTIONAL = "proportional"
    FIXED = "fixed"
    USAGE = "usage"


# Usage OpenCost measures per namespace and day, by the unit its rows carry.
OPENCOST_USAGE_UNITS: dict[str, tuple[str, str]] = {
    "gpu_hours": ("GPU-Hours", "GPU hours"),
    "cpu_core_hours": ("Core-Hours", "CPU core hours"),
}
# How long the stored description of a split may be (`cost_shared_daily.method`); a fixed
# split's weights are named until they would pass it, less room for a fallback's reason.
METHOD_CHARS = 300
RULE_NAME_CHARS = 64  # a rule's name, stored with every line of its split
_FIXED_CHARS = METHOD_CHARS - 60
# Dimensions that may receive shared cost: the tag dimensions (billing fields are facts, not
# owners).
RECEIVING_DIMENSIONS: tuple[str, ...] = TAG_DIMENSIONS


@dataclass(frozen=True)
class SharedMatch:
    """Which cost a rule shares. Every criterion given must hold; values compare folded.

    - `dimensions`: allocation dimension values (`project: shared-platform`); None matches
      the unallocated cost of that dimension.
    - `service`, `account` (the sub account's name or id), `resource` (its id).
    - `tags`: tag key and value as billed (keys folded like allocation's).
    - `opencost`: an OpenCost allocation name (`__idle__`, a namespace).
    """

    dimensions: Mapping[str, str | None] = field(default_factory=dict)
    service: str | None = None
    account: str | None = None
    resource: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    opencost: str | None = None

    def __post_init__(self) -> None:
        if not (
            self.dimensions
            or self.service
            or self.account
            or self.resource
            or self.tags
            or self.opencost
        ):
            raise ValueError("a shared-cost match needs at least one criterion")

    def describe(self) -> str:
        parts = [f"{dim}={value or '(unallocated)'}" for dim, value in self.dimensions.items()]
        parts += [f"{name}={value}" for name, value in self._fields() if value]
        parts += [f"tag {key}={value}" for key, value in self.tags.items()]
        return ", ".join(parts)

    def _fields(self) -> tuple[tuple[str, str | None], ...]:
        return (
            ("service", self.service),
            ("account", self.account),
            ("resource", self.resource),
            ("opencost", self.opencost),
        )


@dataclass(frozen=True)
class UsageMeasure:
    """Where a usage split reads its quantity per receiver and day.

    `opencost`: a quantity OpenCost measured (a key of OPENCOST_USAGE_UNITS), read from the
    stored OpenCost rows. `file`: a CSV or Parquet file with day, receiver and quantity columns.
    """

    opencost: str | None = None
    file: str | None = None
    day_column: str = "day"
    receiver_column: str = "receiver"
    quantity_column: str = "quantity"
    label: str | None = None  # what the quantity is, for people ("GPU hours")

    def __post_init__(self) -> None:
        if (self.opencost is None) == (self.file is None):
            raise ValueError("usage is either an OpenCost quantity or a file, not both")
        if self.opencost is not None and self.opencost not in OPENCOST_USAGE_UNITS:
            raise ValueError(
                f"unknown OpenCost usage {self.opencost!r}; use "
                + " or ".join(OPENCOST_USAGE_UNITS)
            )

    @property
    def unit(self) -> str | None:
        """The stored usage unit OpenCost rows carry for this quantity."""
        return OPENCOST_USAGE_UNITS[self.opencost][0] if self.opencost else None

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.opencost:
            return OPENCOST_USAGE_UNITS[self.opencost][1]
        return self.quantity_column.replace("_", " ")


@dataclass(frozen=True)
class SharedRule:
    """One rule of `allocation.shared`, in the order the config lists them."""

    name: str
    match: SharedMatch
    method: SplitMethod
    among: str = "project"
    receivers: tuple[str, ...] = ()  # only these values receive; empty: any value of `among`
    weights: Mapping[str, Decimal] = field(default_factory=dict)  # fixed: value -> weight
    usage: UsageMeasure | None = None
    fallback: SplitMethod = SplitMethod.PROPORTIONAL  # usage: a day without usage data

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a shared-cost rule needs a name")
        if self.among not in RECEIVING_DIMENSIONS:
            raise ValueError(
                f"among: {self.among!r} cannot receive cost; use " + ", ".join(RECEIVING_DIMENSIONS)
            )
        if self.method is SplitMethod.FIXED:
            if not self.weights:
                raise ValueError(f"rule {self.name}: a fixed split needs weights")
            if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
                raise ValueError(f"rule {self.name}: weights must be positive")
        if self.method is SplitMethod.USAGE and self.usage is None:
            raise ValueError(f"rule {self.name}: a usage split needs usage")
        if self.fallback in (SplitMethod.USAGE,):
            raise ValueError(f"rule {self.name}: the fallback cannot be usage")
        if self.fallback is SplitMethod.FIXED and not self.weights:
            raise ValueError(f"rule {self.name}: a fixed fallback needs weights")

    def allows(self, receiver: str) -> bool:
        return not self.receivers or receiver in self.receivers

    def describe_method(self, method: SplitMethod | None = None) -> str:
        """How the rule splits, for people: "proportional", "usage: GPU hours",
        "fixed: recsys 50%, search 50%"."""
        method = method or self.method
        if method is SplitMethod.USAGE and self.usage is not None:
            return f"usage: {self.usage.describe()}"
        if method is SplitMethod.FIXED:
            total = sum(self.weights.values())
            shares = [f"{name} {_percent(weight / total)}" for name, weight in self.weights.items()]
            return "fixed: " + _named_until(shares, _FIXED_CHARS - len("fixed: "))
        return method.value


def _named_until(items: list[str], limit: int) -> str:
    """`a, b, c` while it fits in `limit`; then `a, b and 8 more`."""
    text = ", ".join(items)
    if len(text) <= limit:
        return text
    shown = [items[0][: limit // 2]]
    for index, item in enumerate(items[1:], start=1):
        more = f" and {len(items) - index - 1} more" if index + 1 < len(items) else ""
        if len(", ".join([*shown, item])) + len(more) > limit:
            return ", ".join(shown) + f" and {len(items) - index} more"
        shown.append(item)
    return ", ".join(shown)


def _percent(share: Decimal) -> str:
    value = (share * 100).quantize(Decimal("0.1"))
    text = f"{value:f}".rstrip("0").rstrip(".")
    return f"{text}%"
