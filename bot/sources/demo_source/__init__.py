"""The `demo` source type: the fictional ML organisation, advancing a day per run."""

from bot.sources.demo_source.source import DemoSource, DemoSourceConfig
from bot.sources.registry import SourceType

SOURCE_TYPE = SourceType(
    name="demo",
    config=DemoSourceConfig,
    build=lambda config, context: DemoSource(config, context),  # type: ignore[arg-type]
    description="The demo organisation's FOCUS files, one more day at each run.",
    permissions=("write the demo folder",),
)
