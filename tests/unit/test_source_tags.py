"""Every source path stores each resource's tags as billed, through the one FOCUS normaliser:
FOCUS files, the CUR and Azure converters, Cost Explorer pages, OpenCost allocations and the
demo's files."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pyarrow as pa
import pytest

from bot.domain.allocation import AllocationRules, canonical_tags, parse_tags
from bot.sources.aws_cost_explorer.conversion import Window, page_rows
from bot.sources.aws_cur.files import AwsCurFiles
from bot.sources.azure_cost_export.files import AzureExportFiles
from bot.sources.demo import write_demo_data
from bot.sources.focus.source import FocusSource
from bot.sources.focus.tables import FocusTablesFile
from bot.sources.opencost.response import read_steps
from bot.sources.opencost.rows import DimensionMap, allocation_rows, focus_table
from tests.conftest import FIXTURES, FOCUS_FIXTURES
from tests.helpers import aggregates_of, write_focus_csv
from tests.unit.test_aws_cur_convert import every_line_item_type_rows, write_cur_csv

RULES = AllocationRules()


def stored(frame: pd.DataFrame) -> set[str | None]:
    return {None if pd.isna(text) else text for text in frame["tags"]}


def tables_file(table: pa.Table) -> FocusTablesFile:
    return FocusTablesFile(label="test", tables=lambda: iter([table]), rules=RULES)


@pytest.mark.parametrize(
    "name",
    [
        "focus_1_3_cost_and_usage_aws.csv",
        "focus_1_3_cost_and_usage_gcp.csv",
        "focus_1_4_cost_and_usage_aws.csv",
        "focus_sample_1.0.csv",
    ],
)
def test_focus_files_store_each_distinct_tags_text_canonically(name):
    path = FOCUS_FIXTURES / name
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)["Tags"]
    expected = {canonical_tags(parse_tags(text)) for text in raw}
    frame = aggregates_of(FocusSource(RULES).open([path]))
    assert stored(frame) == expected
    assert len(expected - {None}) > 1


def test_rows_that_differ_only_in_tags_stay_apart(tmp_path):
    path = write_focus_csv(
        tmp_path / "f.csv",
        [
            {"EffectiveCost": "1", "Tags": '{"project": "a", "Name": "x"}'},
            {"EffectiveCost": "2", "Tags": '{"project": "a", "Name": "y"}'},
            {"EffectiveCost": "4", "Tags": '{"Project": "a", "name": "y"}'},  # the same tags
        ],
    )
    frame = aggregates_of(FocusSource(RULES).open([path]))
    by_tags = frame.groupby("tags")["effective_cost"].sum().to_dict()
    assert by_tags == {'{"name":"x","project":"a"}': 1, '{"name":"y","project":"a"}': 6}


def test_tags_longer_than_the_store_keeps_reject_their_row(tmp_path):
    path = write_focus_csv(
        tmp_path / "f.csv",
        [{"Tags": json.dumps({"k": "v" * 70_000})}, {"Tags": '{"project": "ok"}'}],
    )
    [billing_file] = FocusSource(RULES).open([path])
    [batch] = list(billing_file.batches())
    assert batch.rows_rejected == 1
    assert "Tags" in batch.rejections[0].reason and "65536" in batch.rejections[0].reason


def test_cur_resource_tags_are_stored(tmp_path):
    path = write_cur_csv(tmp_path / "cur.csv", every_line_item_type_rows())
    frame = aggregates_of(AwsCurFiles(RULES).open([path]))
    assert {'{"project":"alpha"}', '{"project":"beta"}', None} == stored(frame)


def test_azure_export_tags_are_stored():
    path = FIXTURES / "provider_exports" / "azure_ea_actualcost_small_finops-toolkit.csv"
    frame = aggregates_of(AzureExportFiles(RULES).open([path]))
    tags = [json.loads(t) for t in stored(frame) if t]
    # Azure writes `"CostCenter": "1234"` without braces; stored folded, value as billed.
    assert {"1234", "SubACM"} <= {t.get("costcenter") for t in tags}
    assert {"env": "prod", "org": "trey"} in tags


def test_cost_explorer_groups_store_their_tag():
    page = {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-11-30", "End": "2026-12-01"},
                "Groups": [
                    {
                        "Keys": [key, "Amazon SageMaker"],
                        "Metrics": {
                            "AmortizedCost": {"Amount": "2", "Unit": "USD"},
                            "UnblendedCost": {"Amount": "2", "Unit": "USD"},
                        },
                    }
                    for key in ("project$fraud-detection", "project$")
                ],
            }
        ]
    }
    window = Window(first=date(2026, 11, 28), last=date(2026, 12, 1))
    table = page_rows(page, tag_key="project", window=window).table
    frame = aggregates_of([tables_file(table)])
    assert stored(frame) == {'{"project":"fraud-detection"}', None}


def test_opencost_allocations_store_the_labels_they_map():
    day = {"start": "2026-11-30T00:00:00Z", "end": "2026-12-01T00:00:00Z"}
    payload = {"code": 200, "data": [{"fraud": {"window": day, "cpuCost": 1, "totalCost": 1}}]}
    (step,) = read_steps(payload, "test")
    dimensions = DimensionMap.build({"project": "namespace"}, RULES, ("namespace",))
    rows = [
        row for allocation in step for row in allocation_rows(allocation, dimensions, "USD", None)
    ]
    frame = aggregates_of([tables_file(focus_table(rows))])
    assert stored(frame) == {'{"project":"fraud"}'}


def test_demo_files_store_tags_and_leave_untagged_resources_null(tmp_path):
    files = write_demo_data(tmp_path, days=2, seed=0, end=date(2026, 11, 30))
    frame = aggregates_of(FocusSource(RULES).open(files))
    tags = stored(frame)
    assert None in tags
    assert any(t and json.loads(t).get("project") for t in tags)
