"""`type: focus_export`: FOCUS exports in a local folder or under an S3 prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from bot.services.snapshot_ports import SnapshotSource, SourceContext
from bot.sources.focus_export.source import FocusExportSource
from bot.sources.objects import S3_PERMISSIONS, check_export_path, open_object_store
from bot.sources.registry import SourceConfig, SourceType


class FocusExportConfig(SourceConfig):
    type: Literal["focus_export"]
    # A local folder, or s3://bucket/prefix (credentials from boto3's default chain).
    path: str

    @field_validator("path")
    @classmethod
    def _path(cls, path: str) -> str:
        return check_export_path(path)


def build_focus_export(config: SourceConfig, context: SourceContext) -> SnapshotSource:
    if not isinstance(config, FocusExportConfig):
        raise TypeError(f"focus_export is built from a FocusExportConfig, not {type(config)}")
    return FocusExportSource(config.name, open_object_store(config.path), context.rules)


SOURCE_TYPE = SourceType(
    name="focus_export",
    config=FocusExportConfig,
    build=build_focus_export,
    description=(
        "FOCUS files delivered by AWS Data Exports, Azure Cost Management exports or by hand, "
        "in a folder or an S3 prefix; each billing period is re-read only when its files change"
    ),
    permissions=S3_PERMISSIONS,
)
