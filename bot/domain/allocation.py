"""Allocation of cost to projects, teams, owners, models and environments from resource tags."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.cost_rows import COST_KEY_FIELDS

UNALLOCATED = "(unallocated)"

TAG_DIMENSIONS: tuple[str, ...] = ("project", "team", "owner", "model", "environment")
BILLING_DIMENSIONS: tuple[str, ...] = ("service", "account", "region", "resource")
DIMENSIONS: tuple[str, ...] = TAG_DIMENSIONS + BILLING_DIMENSIONS

# Each key in the spellings providers use: AWS and Azure tags often `cost_center` or
# `CostCenter`, GCP labels `cost-center` (labels allow only lower case, digits, `-` and `_`),
# OCI's automatic defined tag `Oracle-Tags.CreatedBy` (folded to `createdby`).
DEFAULT_TAG_KEYS: dict[str, tuple[str, ...]] = {
    "project": ("project", "project_name", "project-name", "proj", "application", "app"),
    "team": (
        "team",
        "team_name",
        "team-name",
        "business_unit",
        "business-unit",
        "department",
        "cost_center",
        "cost-center",
        "costcenter",
    ),
    "owner": ("owner", "created_by", "created-by", "createdby", "creator", "contact"),
    "model": ("model", "model_name", "model-name", "ml_model", "ml-model"),
    "environment": ("environment", "env", "stage"),
}

# Fields of a billing row that a fallback rule may test, by the name used in the config file:
# every descriptive field except the allocation itself.
FALLBACK_FIELDS: tuple[str, ...] = tuple(
    f for f in COST_KEY_FIELDS if f not in (*TAG_DIMENSIONS, "tags")
)


def normalise_tag_key(key: str) -> str:
    """Fold a tag key for matching: trim, lower-case, drop a provider prefix like `user:` and
    an OCI defined tag's namespace (`Finance.CostCenter` matches as `costcenter`)."""
    key = key.strip().lower()
    # AWS cost allocation tags arrive as `user:project`, Azure as `ms:...`: the prefix is noise.
    if ":" in key:
        key = key.rsplit(":", 1)[1].strip()
    # OCI writes a defined tag as `Namespace.Key`; neither part may hold a period, and the key
    # is what says what the tag means. Keys with a `/` (Kubernetes' `app.kubernetes.io/name`)
    # or more than one period are no OCI defined tags and are kept whole.
    if key.count(".") == 1 and "/" not in key:
        namespace, name = (part.strip() for part in key.split("."))
        if namespace and name:
            key = name
    return key


def normalise_tag_value(value: object) -> str | None:
    """Fold a tag value for grouping: trimmed and lower-case; empty means no value."""
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


@dataclass(frozen=True)
class FallbackRule:
    """Give a dimension a value when no tag did, from another field of the billing row."""

    dimension: str
    when: Mapping[str, str]
    value: str

    def matches(self, row: Mapping[str, object]) -> bool:
        return all(
            str(row.get(name) or "").strip().lower() == expected.strip().lower()
            for name, expected in self.when.items()
        )


@dataclass(frozen=True)
class AllocationRules:
    """Which tag keys feed each dimension, in priority order, and the fallbacks."""

    tag_keys: Mapping[str, Sequence[str]] = field(default_factory=lambda: dict(DEFAULT_TAG_KEYS))
    fallbacks: Sequence[FallbackRule] = ()

    def __post_init__(self) -> None:
        unknown = set(self.tag_keys) - set(TAG_DIMENSIONS)
        if unknown:
            raise ValueError(
                f"Unknown tag dimension(s) {sorted(unknown)}; use {', '.join(TAG_DIMENSIONS)}."
            )
        folded = {
            dim: tuple(dict.fromkeys(normalise_tag_key(k) for k in keys))
            for dim, keys in self.tag_keys.items()
        }
        object.__setattr__(self, "_folded_keys", folded)

    def keys_for(self, dimension: str) -> tuple[str, ...]:
        """Folded tag keys that feed `dimension`, highest priority first."""
        return self._folded_keys.get(dimension, ())  # type: ignore[attr-defined]

    def allocate_tags(self, tags: Mapping[str, object]) -> dict[str, str | None]:
        """Read every tag dimension from one resource's tags; the first listed key wins."""
        folded = fold_tags(tags)
        allocation: dict[str, str | None] = {}
        for dimension in TAG_DIMENSIONS:
            allocation[dimension] = next(
                (
                    normalise_tag_value(folded[key])
                    for key in self.keys_for(dimension)
                    if key in folded
                ),
                None,
            )
        return allocation


def fold_tags(tags: Mapping[str, object]) -> dict[str, object]:
    """One resource's tags by folded key (`normalise_tag_key`), values as given; tags with
    no value are left out.

    A key spelled plainly wins over one that matched only once a provider prefix or namespace
    was dropped (`project` over `Finance.Project`); among equals, on a clash of spellings
    ("Project" and " project"), the first non-empty value wins.
    """
    folded: dict[str, object] = {}
    for plain_pass in (True, False):
        for key, value in tags.items():
            name = normalise_tag_key(str(key))
            if not name or (name == str(key).strip().lower()) != plain_pass:
                continue
            if normalise_tag_value(value) is not None and name not in folded:
                folded[name] = value
    return folded


def tags_as_billed(tags: Mapping[str, object]) -> dict[str, str]:
    """The tags costbot stores for a resource: folded key -> trimmed value, sorted by key.

    Values keep their case (a creator's name, an id); only keys are folded, so `Owner` and
    `user:owner` are one tag. A value that is no text (a number, a nested object) is kept as
    its JSON.
    """
    return {key: _tag_text(value) for key, value in sorted(fold_tags(tags).items())}


def canonical_tags(tags: Mapping[str, object]) -> str | None:
    """`tags_as_billed` as canonical JSON (sorted keys, no spaces); None for no tags.

    One spelling per set of tags, so two rows with the same tags get the same stored key.
    """
    kept = tags_as_billed(tags)
    if not kept:
        return None
    text = json.dumps(kept, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate from a JSON escape ("\ud800") is no character: neither UTF-8 text
        # nor PostgreSQL's jsonb can hold it, so it becomes U+FFFD, as a decoder would show it.
        text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def _tag_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


_AZURE_BARE_OBJECT = re.compile(r'^\s*"')


def parse_tags(raw: object) -> dict[str, object]:
    """Parse a FOCUS `Tags` value: a JSON object, Azure's object without braces, or a mapping.

    Raises:
        ValueError: the text is not a JSON object in any of those spellings.
    """
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, list):
        # Parquet maps arrive as a list of (key, value) pairs.
        return {str(k): v for k, v in raw}
    text = str(raw).strip()
    if not text or text.upper() == "NULL":
        return {}
    if _AZURE_BARE_OBJECT.match(text):
        # Azure cost exports write `"CostCenter": "1234","env": "prod"` without the braces.
        text = "{" + text + "}"
    try:
        parsed = json.loads(text)
    except RecursionError:  # nested thousands deep: no provider writes tags so
        raise ValueError(f"Tags are nested too deeply to be tags: {text[:80]!r}") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"Tags is not a JSON object: {text[:80]!r}")
    return parsed
