"""The keys of an `aws_cost_explorer` source. No credentials: boto3's default chain has them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from bot.sources.registry import SourceConfig

# AWS tag keys are at most 128 characters; Cost Explorer names tag groups "key$value".
_TAG_KEY_CHARACTERS = 128


class CostExplorerConfig(SourceConfig):
    type: Literal["aws_cost_explorer"]
    # The cost allocation tag whose values feed an allocation dimension (by `allocation:
    # tag_keys`; "project" feeds the project dimension). It must be activated in Billing.
    tag_key: str = "project"
    # AWS restates recent days, so each run re-reads this many days up to today.
    lookback_days: int = Field(default=14, ge=1, le=365)
    # Cost Explorer's API is served from us-east-1 (cn-northwest-1 in the China partition).
    region: str = "us-east-1"

    @field_validator("tag_key")
    @classmethod
    def _tag_key(cls, tag_key: str) -> str:
        if not tag_key.strip():
            raise ValueError("tag_key is empty; name a cost allocation tag, e.g. project")
        if "$" in tag_key or len(tag_key) > _TAG_KEY_CHARACTERS:
            raise ValueError(
                f"tag_key {tag_key[:40]!r} is no AWS tag key (at most "
                f"{_TAG_KEY_CHARACTERS} characters, no '$')"
            )
        return tag_key
