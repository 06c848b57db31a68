"""How an `opencost` source is configured: the API, the window, and which OpenCost property
feeds which allocation dimension."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from bot.domain.allocation import TAG_DIMENSIONS
from bot.sources.registry import SourceConfig

# The `aggregate` values OpenCost's allocation API accepts (ParseAggregationProperties).
AGGREGATE_PROPERTIES: tuple[str, ...] = (
    "cluster",
    "node",
    "namespace",
    "controllerKind",
    "controller",
    "daemonset",
    "statefulset",
    "deployment",
    "job",
    "service",
    "pod",
    "container",
    "department",
    "environment",
    "owner",
    "product",
    "team",
)
# The properties of an allocation a dimension can be read from (besides label:/annotation:).
DIMENSION_PROPERTIES: tuple[str, ...] = (
    "cluster",
    "node",
    "namespace",
    "controllerKind",
    "controller",
    "service",
    "pod",
    "container",
)
KEYED_PREFIXES: tuple[str, ...] = ("label:", "annotation:")

# OpenCost's window syntax (core/pkg/opencost/window.go parseWindow).
_WINDOW_WORDS = ("today", "yesterday", "week", "month", "lastweek", "lastmonth")
_RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
_WINDOW_FORMS = (
    re.compile(r"^\d+[mhdw]$"),
    re.compile(r"^\d+[mhdw] offset \d+[mhdw]$"),
    re.compile(r"^\d+[,-]\d+$"),
    re.compile(rf"^{_RFC3339},{_RFC3339}$"),
)
_WHOLE_DAYS = re.compile(r"^(\d+)d$")
MAX_WINDOW_DAYS = 400
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class OpenCostConfig(SourceConfig):
    """An OpenCost (or Kubecost cost-model) API, read as daily allocations."""

    type: Literal["opencost"]
    url: str  # the API base, e.g. http://opencost.opencost:9003
    window: str = "7d"
    aggregate: str = "namespace"
    # costbot dimension -> OpenCost property: namespace, controller, label:team, ...
    dimensions: dict[str, str] = Field(default_factory=lambda: {"project": "namespace"})
    cluster: str | None = None
    currency: str = "USD"
    timeout_seconds: float = Field(default=30, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"url {url!r} is not an http(s) URL; give the OpenCost API base, "
                "e.g. http://opencost.opencost:9003"
            )
        if parts.query or parts.fragment:
            raise ValueError(f"url {url!r}: give the API base only, without ?query or #fragment")
        return url.strip().rstrip("/")

    @field_validator("window")
    @classmethod
    def _opencost_window(cls, window: str) -> str:
        window = window.strip()
        if window in _WINDOW_WORDS or any(form.match(window) for form in _WINDOW_FORMS):
            days = _WHOLE_DAYS.match(window)
            if days and not 1 <= int(days.group(1)) <= MAX_WINDOW_DAYS:
                raise ValueError(f"window {window!r}: use 1d to {MAX_WINDOW_DAYS}d")
            return window
        raise ValueError(
            f"window {window!r} is no OpenCost window; use e.g. 7d, 48h, yesterday, lastweek "
            "or 2026-11-01T00:00:00Z,2026-11-08T00:00:00Z"
        )

    @field_validator("aggregate")
    @classmethod
    def _aggregate(cls, aggregate: str) -> str:
        entries = [entry.strip() for entry in aggregate.split(",")]
        for entry in entries:
            if entry in AGGREGATE_PROPERTIES or _keyed(entry):
                continue
            valid = ", ".join(AGGREGATE_PROPERTIES)
            raise ValueError(
                f"aggregate {entry!r} is no OpenCost property; use {valid}, label:<name> or "
                "annotation:<name>, comma-separated"
            )
        return ",".join(entries)

    @field_validator("dimensions")
    @classmethod
    def _dimensions(cls, dimensions: dict[str, str]) -> dict[str, str]:
        for dimension, prop in dimensions.items():
            if dimension not in TAG_DIMENSIONS:
                raise ValueError(
                    f"dimensions: {dimension!r} is no allocation dimension; "
                    f"use {', '.join(TAG_DIMENSIONS)}"
                )
            if prop.strip() not in DIMENSION_PROPERTIES and not _keyed(prop.strip()):
                raise ValueError(
                    f"dimensions.{dimension}: {prop!r} is no OpenCost property; use "
                    f"{', '.join(DIMENSION_PROPERTIES)}, label:<name> or annotation:<name>"
                )
        return {dimension: prop.strip() for dimension, prop in dimensions.items()}

    @field_validator("currency")
    @classmethod
    def _currency(cls, currency: str) -> str:
        code = currency.strip().upper()
        if not _CURRENCY.match(code):
            raise ValueError(f"currency {currency!r} is no ISO 4217 code such as USD or EUR")
        return code

    @property
    def aggregate_properties(self) -> tuple[str, ...]:
        return tuple(self.aggregate.split(","))


def _keyed(entry: str) -> bool:
    prefix = next((p for p in KEYED_PREFIXES if entry.startswith(p)), None)
    return prefix is not None and bool(entry[len(prefix) :].strip())


def request_window(window: str, now: datetime) -> str:
    """The window to ask OpenCost for: `Nd` becomes the N whole UTC days ending with today.

    Current OpenCost rounds `7d` to midnight itself; older versions (and the recorded 2023
    responses) start `7d` at the present moment, so each `step=1d` set would straddle two UTC
    days. Sending the days explicitly gives every set one UTC day on any version. Other
    windows go as written.
    """
    days = _WHOLE_DAYS.match(window)
    if not days:
        return window
    now = now.astimezone(UTC) if now.tzinfo else now
    end = datetime(now.year, now.month, now.day) + timedelta(days=1)
    start = end - timedelta(days=int(days.group(1)))
    return f"{start:%Y-%m-%dT%H:%M:%SZ},{end:%Y-%m-%dT%H:%M:%SZ}"
