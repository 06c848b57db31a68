"""The aws_cur and azure_cost_export sources: billing periods found from listings and manifests,
in a folder and under an S3 prefix (moto), fingerprinted, converted and ingested whole."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

from bot.domain.allocation import AllocationRules
from bot.services.snapshot_ports import CallCounter, SourceContext, SourceError
from bot.sources.registry import parse_source_config, source_types
from tests.conftest import FIXTURES
from tests.unit.test_aws_cur_convert import every_line_item_type_rows, write_cur_csv

EXPORTS = FIXTURES / "provider_exports"
AZURE_ACTUAL = EXPORTS / "azure_ea_actualcost_small_finops-toolkit.csv"
AZURE_EA = EXPORTS / "azure_ea_sample-anonymous-ea-export-dataset.csv"
JUNE = "20240601-20240701"
MAY = "20240501-20240601"
# The hand-made report's effective cost (see test_aws_cur_convert): all of it, and in May.
JUNE_EFFECTIVE = D("13.25") + D("4.5") + D("3.45")


def build(raw: dict):
    config = parse_source_config(raw)
    context = SourceContext(AllocationRules(), CallCounter(), lambda: datetime.now(UTC))
    return source_types()[config.type].build(config, context)


def ingest(store, source, unit):
    summary = store.services.ingest.ingest_files(
        unit.open(), source=source.name, units={unit.key: unit.fingerprint}
    )
    return {currency: D(total) for currency, total in summary.record.totals.items()}


def cur_bytes(rows: list[dict[str, str]], tmp_path: Path, name: str) -> bytes:
    return write_cur_csv(tmp_path / name, rows).read_bytes()


def manifest(keys: list[str]) -> bytes:
    return json.dumps({"assemblyId": "a2", "reportKeys": keys, "reportName": "ml"}).encode()


@pytest.fixture
def cur_bucket(s3, tmp_path):
    """A CUR delivered with "create new report version": June has an old and a new assembly."""
    s3.create_bucket(Bucket="billing")
    rows = every_line_item_type_rows()
    june = f"cur/ml/{JUNE}"
    new_keys = [f"{june}/a2/ml-00001.csv.gz", f"{june}/a2/ml-00002.csv.gz"]
    put = {
        f"{june}/a1/ml-00001.csv.gz": cur_bytes(rows[:1], tmp_path, "old.csv.gz"),
        new_keys[0]: cur_bytes(rows[:6], tmp_path, "one.csv.gz"),
        new_keys[1]: cur_bytes(rows[6:], tmp_path, "two.csv.gz"),
        f"{june}/ml-Manifest.json": manifest(new_keys),
        f"{june}/a2/ml-Manifest.json": manifest(new_keys),
    }
    may_rows = [{**rows[0], "bill/BillingPeriodStartDate": "2024-05-01T00:00:00Z"}]
    for row in may_rows:
        row["lineItem/UsageStartDate"] = "2024-05-10T00:00:00Z"
        row["lineItem/UsageEndDate"] = "2024-05-10T01:00:00Z"
    put[f"cur/ml/{MAY}/a9/ml-00001.csv.gz"] = cur_bytes(may_rows, tmp_path, "may.csv.gz")
    put[f"cur/ml/{MAY}/ml-Manifest.json"] = manifest([f"cur/ml/{MAY}/a9/ml-00001.csv.gz"])
    for key, body in put.items():
        s3.put_object(Bucket="billing", Key=key, Body=body)
    return s3


def test_a_cur_on_s3_is_read_by_period_from_its_manifests(store, cur_bucket):
    source = build({"name": "cur", "type": "aws_cur", "path": "s3://billing/cur"})

    may, june = source.units()

    assert (may.key, june.key) == (MAY, JUNE)
    assert june.label == f"{JUNE} (2 files)" and june.inputs == 2
    assert [str(f.path) for f in june.open()] == [
        f"s3://billing/cur/ml/{JUNE}/a2/ml-00001.csv.gz",
        f"s3://billing/cur/ml/{JUNE}/a2/ml-00002.csv.gz",
    ]
    assert ingest(store, source, june) == {"USD": JUNE_EFFECTIVE}  # the old assembly is not read
    assert ingest(store, source, may) == {"USD": D("10.00")}


def test_a_cur_period_changes_fingerprint_only_when_its_files_do(cur_bucket, tmp_path):
    source = build({"name": "cur", "type": "aws_cur", "path": "s3://billing/cur"})
    before = {u.key: u.fingerprint for u in source.units()}
    assert {u.key: u.fingerprint for u in source.units()} == before

    rows = every_line_item_type_rows()[6:]
    rows[0]["lineItem/UnblendedCost"] = "3.50"
    body = cur_bytes(rows, tmp_path, "changed.csv.gz")
    cur_bucket.put_object(Bucket="billing", Key=f"cur/ml/{JUNE}/a2/ml-00002.csv.gz", Body=body)
    after = {u.key: u.fingerprint for u in source.units()}

    assert after[MAY] == before[MAY]
    assert after[JUNE] != before[JUNE]


def test_a_cur_delivery_in_progress_leaves_the_period_out(cur_bucket):
    keys = [f"cur/ml/{JUNE}/a3/ml-00001.csv.gz"]
    cur_bucket.put_object(
        Bucket="billing", Key=f"cur/ml/{JUNE}/ml-Manifest.json", Body=manifest(keys)
    )
    source = build({"name": "cur", "type": "aws_cur", "path": "s3://billing/cur"})
    assert [u.key for u in source.units()] == [MAY]


def test_a_missing_bucket_is_a_source_error_saying_so(s3):
    source = build({"name": "cur", "type": "aws_cur", "path": "s3://no-such-bucket/cur"})
    with pytest.raises(SourceError, match="does not exist"):
        source.units()


def test_a_local_cur_copy_without_manifests_takes_each_period_folder(store, tmp_path):
    root = tmp_path / "cur"
    (root / "ml" / JUNE).mkdir(parents=True)
    write_cur_csv(root / "ml" / JUNE / "ml-00001.csv", every_line_item_type_rows())
    source = build({"name": "cur", "type": "aws_cur", "path": str(root)})

    [unit] = source.units()

    assert unit.key == JUNE
    assert ingest(store, source, unit) == {"USD": JUNE_EFFECTIVE}


def test_a_folder_of_cur_files_outside_period_folders_is_one_unit(tmp_path):
    write_cur_csv(tmp_path / "june.csv", every_line_item_type_rows())
    source = build({"name": "cur", "type": "aws_cur", "path": str(tmp_path)})
    assert [(u.key, u.inputs) for u in source.units()] == [("all", 1)]


# --- Azure ----------------------------------------------------------------------------------


def azure_manifest(parts: list[tuple[str, int]], submitted: str) -> bytes:
    blobs = [{"blobName": f"costs/ml/{name}", "byteCount": size} for name, size in parts]
    return json.dumps({"runInfo": {"submittedTime": submitted}, "blobs": blobs}).encode()


def total_of(path: Path) -> D:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    column = "Cost" if "Cost" in raw else "CostInBillingCurrency"
    return sum((D(v) for v in raw[column]), D(0))


@pytest.fixture
def azure_bucket(s3):
    """Three runs of September: an older one, the newest complete one, one still being written."""
    s3.create_bucket(Bucket="exports")
    period = "costs/ml/20230901-20230930"
    older, newer = AZURE_EA.read_bytes(), AZURE_ACTUAL.read_bytes()
    objects = {
        f"{period}/run-1/part_0_0001.csv": older,
        f"{period}/run-1/manifest.json": azure_manifest(
            [("part_0_0001.csv", len(older))], "2023-10-01T08:00:00.1234567Z"
        ),
        f"{period}/run-2/part_0_0001.csv": newer,
        f"{period}/run-2/manifest.json": azure_manifest(
            [("part_0_0001.csv", len(newer))], "2023-10-02T08:00:00.1234567Z"
        ),
        f"{period}/run-3/manifest.json": azure_manifest(
            [("part_0_0001.csv", 99)], "2023-10-03T08:00:00Z"
        ),
    }
    for key, body in objects.items():
        s3.put_object(Bucket="exports", Key=key, Body=body)
    return s3


def test_the_newest_complete_azure_run_is_the_period(store, azure_bucket):
    source = build({"name": "azure", "type": "azure_cost_export", "path": "s3://exports/costs"})

    [unit] = source.units()

    assert unit.key == "20230901-20230930"
    assert unit.label == "20230901-20230930 run run-2 (1 file)"
    expected = total_of(AZURE_ACTUAL).quantize(D("1e-9"))
    assert ingest(store, source, unit) == {"USD": expected}


def test_the_configured_cost_type_names_the_inputs(azure_bucket):
    source = build(
        {
            "name": "azure",
            "type": "azure_cost_export",
            "path": "s3://exports/costs",
            "cost_type": "amortized",
        }
    )
    [unit] = source.units()
    [exported] = unit.open()
    assert str(exported.path) == "s3://exports/costs/ml/20230901-20230930/run-2/part_0_0001.csv"
    list(exported.batches())
    assert str(exported.path).endswith("part_0_0001.csv (amortized cost)")


def test_old_style_exports_one_file_per_run_take_the_newest_file(tmp_path):
    period = tmp_path / "ml" / "20230901-20230930"
    period.mkdir(parents=True)
    shutil.copy(AZURE_EA, period / "ml_aaaa.csv")
    newest = period / "ml_bbbb.csv"
    shutil.copy(AZURE_ACTUAL, newest)
    stamp = datetime(2030, 1, 1, tzinfo=UTC).timestamp()
    os.utime(newest, (stamp, stamp))
    source = build({"name": "azure", "type": "azure_cost_export", "path": str(tmp_path)})

    [unit] = source.units()

    assert [f.path.name for f in unit.open()] == ["ml_bbbb.csv"]


def test_an_unknown_key_of_a_type_is_refused():
    with pytest.raises(ValueError, match="cost_type"):
        parse_source_config(
            {"name": "a", "type": "azure_cost_export", "path": "/x", "cost_type": "billed"}
        )
    with pytest.raises(ValueError, match="extra"):
        parse_source_config({"name": "a", "type": "aws_cur", "path": "/x", "bucket": "b"})
    with pytest.raises(ValueError, match="names no bucket"):
        parse_source_config({"name": "a", "type": "aws_cur", "path": "s3:///x"})


def test_both_types_declare_what_they_need():
    for name in ("aws_cur", "azure_cost_export"):
        spec = source_types()[name]
        assert spec.description and spec.permissions == ("s3:ListBucket", "s3:GetObject")
        assert not spec.paid_calls
