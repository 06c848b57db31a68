"""The `aws_cost_explorer` source type: daily costs by one tag and SERVICE from Cost Explorer."""

from __future__ import annotations

from bot.services.snapshot_ports import SourceContext
from bot.sources.aws_cost_explorer.client import PERMISSION
from bot.sources.aws_cost_explorer.config import CostExplorerConfig
from bot.sources.aws_cost_explorer.source import CostExplorerSource
from bot.sources.registry import SourceConfig, SourceType


def build_cost_explorer_source(config: SourceConfig, context: SourceContext) -> CostExplorerSource:
    assert isinstance(config, CostExplorerConfig)
    return CostExplorerSource(config, context)


SOURCE_TYPE = SourceType(
    name="aws_cost_explorer",
    config=CostExplorerConfig,
    build=build_cost_explorer_source,
    description=(
        "AWS Cost Explorer GetCostAndUsage: daily amortised and unblended cost by one cost "
        "allocation tag and SERVICE over the last lookback_days days"
    ),
    permissions=(PERMISSION,),
    paid_calls=True,
)

__all__ = ["SOURCE_TYPE", "CostExplorerConfig", "CostExplorerSource"]
