"""Which files make up each period, from listings alone (and the manifests they hold)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.snapshot_ports import SourceError
from bot.sources.azure_runs import parse_azure_manifest
from bot.sources.focus_export.layouts import find_periods
from bot.sources.focus_export.manifests import parse_aws_manifest
from bot.sources.objects import StoredObject, listing_fingerprint

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def listing(*entries: tuple[str, int] | str, contents: dict[str, bytes] | None = None):
    """StoredObjects in listing order, each a minute newer; manifests given by `contents`."""
    contents = contents or {}
    objects = []
    for n, entry in enumerate(entries):
        key, size = (entry, 10) if isinstance(entry, str) else entry
        size = len(contents[key]) if key in contents else size
        objects.append(StoredObject(key, size, f'"etag-{n}"', T0 + timedelta(minutes=n)))

    def read(obj: StoredObject) -> bytes:
        return contents[obj.key]

    return objects, read


def azure(run: str, parts: dict[str, int], submitted: str | None) -> bytes:
    blobs = [
        {"blobName": f"x/e/20261101-20261130/{run}/{p}", "byteCount": s} for p, s in parts.items()
    ]
    run_info = {"runId": run, **({"submittedTime": submitted} if submitted else {})}
    return json.dumps({"blobs": blobs, "runInfo": run_info}).encode()


def test_azure_submission_time_beats_modification_time():
    span = "e/20261101-20261130"
    contents = {
        f"{span}/late/manifest.json": azure(
            "late", {"part_0_0001.csv.gz": 10}, "2026-11-21T06:00:00.1234567Z"
        ),
        f"{span}/early/manifest.json": azure(
            "early", {"part_0_0001.csv.gz": 10}, "2026-11-20T06:00:00Z"
        ),
    }
    # "early" is listed (modified) last, but was submitted first.
    objects, read = listing(
        f"{span}/late/part_0_0001.csv.gz",
        f"{span}/late/manifest.json",
        f"{span}/early/part_0_0001.csv.gz",
        f"{span}/early/manifest.json",
        contents=contents,
    )
    (period,) = find_periods(objects, read)
    assert period.key == "20261101-20261130"
    assert [f.key for f in period.files] == [f"{span}/late/part_0_0001.csv.gz"]


def test_an_azure_part_shorter_than_its_manifest_says_is_still_being_written():
    span = "e/20261101-20261130"
    contents = {
        f"{span}/a/manifest.json": azure("a", {"part_0_0001.csv.gz": 10}, "2026-11-20T00:00:00Z"),
        f"{span}/b/manifest.json": azure("b", {"part_0_0001.csv.gz": 99}, "2026-11-21T00:00:00Z"),
    }
    objects, read = listing(
        f"{span}/a/part_0_0001.csv.gz",
        f"{span}/a/manifest.json",
        f"{span}/b/part_0_0001.csv.gz",  # 10 bytes of 99
        f"{span}/b/manifest.json",
        contents=contents,
    )
    (period,) = find_periods(objects, read)
    assert period.files[0].key.startswith(f"{span}/a/")


def test_files_the_aws_manifest_does_not_name_are_left_out_in_its_order():
    data = "exp/data/BILLING_PERIOD=2026-11"
    manifest = {
        "dataFiles": [
            f"s3://bkt/p/{data}/exp-00002.csv.gz",
            f"s3://bkt/p/{data}/exp-00001.csv.gz",
        ]
    }
    key = "exp/metadata/BILLING_PERIOD=2026-11/exp-Manifest.json"
    objects, read = listing(
        f"{data}/exp-00001.csv.gz",
        f"{data}/exp-00002.csv.gz",
        f"{data}/exp-00003.csv.gz",
        key,
        contents={key: json.dumps(manifest).encode()},
    )
    (period,) = find_periods(objects, read)
    assert [f.name for f in period.files] == ["exp-00002.csv.gz", "exp-00001.csv.gz"]


def test_an_aws_period_without_a_manifest_is_all_its_files():
    objects, read = listing(
        "exp/data/BILLING_PERIOD=2026-10/a.parquet", "exp/data/BILLING_PERIOD=2026-11/b.parquet"
    )
    assert [(p.key, len(p.files)) for p in find_periods(objects, read)] == [
        ("2026-10", 1),
        ("2026-11", 1),
    ]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["2026-11/a.csv", "2026-11/b.csv"], [("2026-11", 2)]),
        (["focus_202610.csv", "focus_2026_11.csv.gz"], [("2026-10", 1), ("2026-11", 1)]),
        (["daily/2026-11-03.csv", "daily/2026-11-04.csv"], [("2026-11", 2)]),
        (["2026-10-15_to_2026-11-14.csv"], [("all", 1)]),  # two months: unknown
        (["2026-11/a.csv", "misc.csv"], [("all", 2)]),
        (["report-20261.csv"], [("all", 1)]),
        (["focus_20261101.csv", "focus_20261201.csv"], [("2026-11", 1), ("2026-12", 1)]),
    ],
)
def test_plain_files_are_grouped_by_the_one_month_their_path_shows(keys, expected):
    objects, read = listing(*keys, "README.md", "schema.json")
    assert [(p.key, len(p.files)) for p in find_periods(objects, read)] == expected


def test_the_fingerprint_is_the_listing_and_nothing_else():
    objects, _ = listing("a.csv", "b.csv")
    same = [StoredObject(o.key, o.size, o.version, T0) for o in reversed(objects)]
    resized = [objects[0], StoredObject("b.csv", 11, objects[1].version, objects[1].modified)]
    assert listing_fingerprint(objects) == listing_fingerprint(
        same
    )  # order and times do not matter
    assert listing_fingerprint(objects) != listing_fingerprint(resized)
    assert listing_fingerprint(objects) != listing_fingerprint(objects[:1])


def test_manifest_shapes_that_are_not_export_manifests_are_refused():
    with pytest.raises(SourceError, match="no dataFiles list"):
        parse_aws_manifest(b'{"files": []}', "m.json", "2026-11")
    with pytest.raises(SourceError, match="not a file of BILLING_PERIOD=2026-11"):
        parse_aws_manifest(
            b'{"dataFiles": ["s3://b/e/data/BILLING_PERIOD=2026-10/x.csv.gz"]}', "m.json", "2026-11"
        )
    with pytest.raises(SourceError, match="no blobs list"):
        parse_azure_manifest(b'{"blobs": "part_0"}', "manifest.json")


def test_azure_times_with_seven_fractional_digits_are_read_as_utc():
    manifest = parse_azure_manifest(azure("r", {}, "2026-12-01T06:12:44.1234567Z"), "m")
    assert manifest.submitted == datetime(2026, 12, 1, 6, 12, 44, 123456, tzinfo=UTC)
    assert parse_azure_manifest(azure("r", {}, "soon"), "m").submitted is None


def test_a_file_showing_no_month_beside_exported_periods_is_refused():
    objects, read = listing("exp/data/BILLING_PERIOD=2026-11/part-0.csv.gz", "undated.csv")
    with pytest.raises(SourceError, match=r"undated\.csv shows no month and sits beside"):
        find_periods(objects, read)
