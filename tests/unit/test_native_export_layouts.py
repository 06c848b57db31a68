"""Billing periods of CUR deliveries and Azure cost exports, told from listings alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.snapshot_ports import SourceError
from bot.sources.aws_cur.layout import find_cur_periods
from bot.sources.azure_cost_export.layout import find_azure_periods
from bot.sources.objects import StoredObject, listing_fingerprint

T0 = datetime(2024, 6, 2, tzinfo=UTC)


def listed(key: str, *, size: int = 10, hours: int = 0, version: str = '"e1"') -> StoredObject:
    return StoredObject(key=key, size=size, version=version, modified=T0 + timedelta(hours=hours))


def reader(bodies: dict[str, dict]):
    def read(obj: StoredObject) -> bytes:
        return json.dumps(bodies[obj.key]).encode()

    return read


def test_the_athena_parquet_layout_is_read_through_its_manifest():
    # Parquet CUR keeps data under <report>/<report>/year=/month=, the manifest in the period.
    manifest = "ml/20240601-20240701/ml-Manifest.json"
    data = "ml/ml/year=2024/month=6/ml-00001.snappy.parquet"
    objects = [listed(manifest), listed(data), listed("ml/ml/year=2024/month=5/old.snappy.parquet")]
    bodies = {manifest: {"reportKeys": [f"bucket-prefix/{data}"]}}

    [period] = find_cur_periods(objects, reader(bodies))

    assert period.key == "20240601-20240701"
    assert [o.key for o in period.files] == [data]


def test_a_cur_manifest_that_is_no_manifest_is_a_source_error():
    manifest = "ml/20240601-20240701/ml-Manifest.json"
    objects = [listed(manifest), listed("ml/20240601-20240701/a/ml-1.csv.gz")]
    with pytest.raises(SourceError, match="not a CUR manifest"):
        find_cur_periods(objects, reader({manifest: {"columns": []}}))


def test_without_a_manifest_the_newest_assembly_of_a_period_wins():
    objects = [
        listed("ml/20240601-20240701/a1/ml-1.csv.gz", hours=1),
        listed("ml/20240601-20240701/a2/ml-1.csv.gz", hours=5),
        listed("ml/20240601-20240701/a2/ml-2.csv.gz", hours=5),
    ]
    [period] = find_cur_periods(objects, reader({}))
    assert [o.key.split("/")[2] for o in period.files] == ["a2", "a2"]


def test_a_fingerprint_is_the_listing_and_changes_with_any_file():
    files = [listed("a.csv"), listed("b.csv", size=20)]
    assert listing_fingerprint(files) == listing_fingerprint(list(reversed(files)))
    assert listing_fingerprint(files) != listing_fingerprint(
        [listed("a.csv", version='"e2"'), files[1]]
    )
    assert listing_fingerprint(files) != listing_fingerprint([listed("a.csv", size=11), files[1]])


def test_an_azure_run_still_being_written_is_passed_over():
    period = "costs/ml/20240601-20240630"
    objects = [
        listed(f"{period}/r1/part_0_0001.csv", size=100),
        listed(f"{period}/r1/manifest.json"),
        listed(f"{period}/r2/part_0_0001.csv", size=50),  # 100 bytes when complete
        listed(f"{period}/r2/manifest.json"),
    ]
    bodies = {
        f"{period}/r1/manifest.json": {
            "runInfo": {"submittedTime": "2024-06-01T10:00:00.1234567Z"},
            "blobs": [{"blobName": "c/part_0_0001.csv", "byteCount": 100}],
        },
        f"{period}/r2/manifest.json": {
            "runInfo": {"submittedTime": "2024-06-02T10:00:00Z"},
            "blobs": [{"blobName": "c/part_0_0001.csv", "byteCount": 100}],
        },
    }
    [found] = find_azure_periods(objects, reader(bodies))
    assert found.label == "20240601-20240630 run r1 (1 file)"


def test_azure_files_outside_period_folders_beside_periods_are_refused():
    objects = [listed("ml/20240601-20240630/r1/part_0_0001.csv"), listed("ml/stray.csv")]
    with pytest.raises(SourceError, match="outside any YYYYMMDD-YYYYMMDD period folder"):
        find_azure_periods(objects, reader({}))


def test_an_actual_and_an_amortized_export_of_one_period_are_refused_not_merged():
    objects = [
        listed("ActualCost/20261101-20261130/run-a/part_0.csv"),
        listed("AmortizedCost/20261101-20261130/run-b/part_0.csv", hours=1),
    ]
    with pytest.raises(SourceError, match="20261101-20261130 is exported twice"):
        find_azure_periods(objects, reader({}))
