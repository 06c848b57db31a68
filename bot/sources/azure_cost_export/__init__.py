"""`type: azure_cost_export`: Azure EA/MCA actual or amortized cost exports (non-FOCUS CSV) in a
local folder or under an S3 prefix (a synced copy of the storage account's container)."""

from __future__ import annotations

from typing import Literal

from bot.services.snapshot_ports import SnapshotSource, SourceContext
from bot.sources.registry import ExportSourceConfig, SourceConfig, SourceType


class AzureCostExportConfig(ExportSourceConfig):
    type: Literal["azure_cost_export"]
    # Which cost the export holds: `auto` reads it from the file name (ActualCost /
    # AmortizedCost) or else from the rows (unused reservations, amortised commitment usage).
    cost_type: Literal["actual", "amortized", "auto"] = "auto"


def build_azure_cost_export(config: SourceConfig, context: SourceContext) -> SnapshotSource:
    from bot.sources.azure_cost_export.files import azure_input
    from bot.sources.azure_cost_export.layout import find_azure_periods
    from bot.sources.native_export import NativeExportSource
    from bot.sources.objects import open_object_store

    if not isinstance(config, AzureCostExportConfig):
        raise TypeError(f"azure_cost_export is built from its config, not {type(config)}")
    cost_type = config.cost_type
    return NativeExportSource(
        config.name,
        open_object_store(config.path),
        context.rules,
        layout=find_azure_periods,
        opener=lambda local, rules, uri: azure_input(local, rules, cost_type, label=uri),
    )


SOURCE_TYPE = SourceType(
    name="azure_cost_export",
    config=AzureCostExportConfig,
    build=build_azure_cost_export,
    description=(
        "Azure EA/MCA actual or amortized cost exports in a folder or an S3 prefix; the newest "
        "run of each billing period wins, and a period is re-read only when its files change"
    ),
    permissions=("s3:ListBucket", "s3:GetObject"),
)
