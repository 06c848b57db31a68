"""`type: aws_cur`: legacy AWS Cost and Usage Reports in a local folder or under an S3 prefix."""

from __future__ import annotations

from typing import Literal

from bot.services.snapshot_ports import SnapshotSource, SourceContext
from bot.sources.registry import ExportSourceConfig, SourceConfig, SourceType


class AwsCurConfig(ExportSourceConfig):
    """`path`: the report's S3 prefix (s3://bucket/<prefix>/<report>) or a local copy of it."""

    type: Literal["aws_cur"]


def build_aws_cur(config: SourceConfig, context: SourceContext) -> SnapshotSource:
    # Imported here: boto3 and the converters load only when a source of this type is built.
    from bot.sources.aws_cur.files import cur_input
    from bot.sources.aws_cur.layout import find_cur_periods
    from bot.sources.native_export import NativeExportSource
    from bot.sources.objects import open_object_store

    if not isinstance(config, AwsCurConfig):
        raise TypeError(f"aws_cur is built from an AwsCurConfig, not {type(config)}")
    return NativeExportSource(
        config.name,
        open_object_store(config.path),
        context.rules,
        layout=find_cur_periods,
        opener=lambda local, rules, uri: cur_input(local, rules, label=uri),
    )


SOURCE_TYPE = SourceType(
    name="aws_cur",
    config=AwsCurConfig,
    build=build_aws_cur,
    description=(
        "Legacy AWS Cost and Usage Reports (CSV, gzip or Parquet) in a folder or an S3 prefix, "
        "amortised as AWS does; each billing period is re-read only when its files change"
    ),
    permissions=("s3:ListBucket", "s3:GetObject"),
)
