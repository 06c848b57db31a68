"""`opencost`: daily Kubernetes cost allocations from an OpenCost API (/allocation/compute)."""

from __future__ import annotations

from bot.services.snapshot_ports import SnapshotSource, SourceContext
from bot.sources.opencost.config import OpenCostConfig
from bot.sources.opencost.source import OpenCostSource
from bot.sources.registry import SourceConfig, SourceType


def build_opencost_source(config: SourceConfig, context: SourceContext) -> SnapshotSource:
    if not isinstance(config, OpenCostConfig):
        raise TypeError(f"an opencost source needs an OpenCostConfig, not {type(config).__name__}")
    return OpenCostSource(config, context)


SOURCE_TYPE = SourceType(
    name="opencost",
    config=OpenCostConfig,
    build=build_opencost_source,
    description=(
        "Kubernetes cost allocations from OpenCost, by day: namespaces, controllers and labels "
        "feed the allocation dimensions; idle capacity stays visible as __idle__"
    ),
    permissions=("GET /allocation/compute",),
)
