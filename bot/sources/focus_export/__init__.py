"""`type: focus_export`: FOCUS exports in a local folder or under an S3 prefix."""

from __future__ import annotations

from typing import Literal

from bot.services.snapshot_ports import SnapshotSource, SourceContext
from bot.sources.focus_export.source import FocusExportSource
from bot.sources.objects import S3_PERMISSIONS, open_object_store
from bot.sources.registry import ExportSourceConfig, SourceConfig, SourceType


class FocusExportConfig(ExportSourceConfig):
    type: Literal["focus_export"]


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
