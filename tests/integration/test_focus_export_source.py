"""The focus_export source over S3 (moto) and local folders: units, fingerprints, ingest."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.allocation import AllocationRules
from bot.services.ingest import IngestError
from bot.services.snapshot_ports import CallCounter, SourceContext, SourceError
from bot.sources.registry import parse_source_config, source_types
from tests.focus_exports import (
    aws_manifest,
    azure_manifest,
    month_rows,
    part_bytes,
    put_tree,
    total,
    write_tree,
)
from tests.helpers import stored_totals
from tests.moto_s3 import S3Calls

NANO = Decimal("0.000001")
BUCKET = "billing-exports"
AWS_DATA = "exports/focus-daily/data"
AWS_META = "exports/focus-daily/metadata"
AZURE_SPAN = "exports/focus-monthly/20261101-20261130"


def build_source(store, path: str, name: str = "exports"):
    """The source as the registry builds it; `store` None when no rows are ingested."""
    config = parse_source_config({"name": name, "type": "focus_export", "path": path})
    context = SourceContext(
        rules=store.services.config.allocation.rules() if store else AllocationRules(),
        calls=CallCounter(),
        now=lambda: datetime(2026, 12, 2, tzinfo=UTC),
    )
    return source_types()["focus_export"].build(config, context)


def sync(store, source, known: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """What a snapshot run does: ingest each unit whose fingerprint is not the known one."""
    fingerprints = {}
    for unit in source.units():
        fingerprints[unit.key] = unit.fingerprint
        if known is None or known.get(unit.key) != unit.fingerprint:
            store.services.ingest.ingest_files(
                unit.open(), source=source.name, units={unit.key: unit.fingerprint}
            )
    return fingerprints


def aws_export(s3) -> dict:
    """Two billing periods of two parts each, and a leftover of an older November delivery."""
    october, november = month_rows("2026-10"), month_rows("2026-11")
    parts = {
        "2026-10": [october.iloc[:300], october.iloc[300:]],
        "2026-11": [november.iloc[:200], november.iloc[200:]],
    }
    files = {}
    for period, frames in parts.items():
        names = [f"focus-daily-0000{n}.csv.gz" for n in (1, 2)]
        for name, frame in zip(names, frames, strict=True):
            files[f"{AWS_DATA}/BILLING_PERIOD={period}/{name}"] = part_bytes(frame, "csv.gz")
        files[f"{AWS_META}/BILLING_PERIOD={period}/focus-daily-Manifest.json"] = aws_manifest(
            BUCKET, AWS_DATA, names, period
        )
    stale = month_rows("2026-11", scale=7)
    files[f"{AWS_DATA}/BILLING_PERIOD=2026-11/focus-daily-00003.csv.gz"] = part_bytes(
        stale, "csv.gz"
    )
    s3.create_bucket(Bucket=BUCKET)
    put_tree(s3, BUCKET, files)
    return {"october": october, "november": november}


def test_an_aws_export_is_one_unit_per_period_with_the_manifests_files(store, s3):
    rows = aws_export(s3)
    source = build_source(store, f"s3://{BUCKET}/exports")

    units = source.units()

    assert [(u.key, u.inputs) for u in units] == [("2026-10", 2), ("2026-11", 2)]
    assert units[1].label == "BILLING_PERIOD=2026-11 (2 files)"
    summaries = [
        store.services.ingest.ingest_files(u.open(), source="exports", units={u.key: u.fingerprint})
        for u in units
    ]
    # The leftover third part (seven times the costs) is not in the manifest: never read.
    expected = total(rows["october"], rows["november"])
    assert abs(stored_totals(store.services)["USD"] - expected) < NANO
    names = [f["name"] for f in summaries[1].record.files]
    assert names == [
        f"s3://{BUCKET}/{AWS_DATA}/BILLING_PERIOD=2026-11/focus-daily-00001.csv.gz",
        f"s3://{BUCKET}/{AWS_DATA}/BILLING_PERIOD=2026-11/focus-daily-00002.csv.gz",
    ]
    assert summaries[1].record.rows_read == 500
    assert summaries[1].record.units == {"2026-11": units[1].fingerprint}


def test_an_unchanged_resync_reads_no_data_file(store, s3):
    aws_export(s3)
    first = build_source(store, f"s3://{BUCKET}/exports")
    known = sync(store, first)
    again = build_source(store, f"s3://{BUCKET}/exports")
    calls = S3Calls(again.store.client)

    fingerprints = sync(store, again, known)

    assert fingerprints == known
    assert calls.operations["HeadObject"] == 0
    # Only the two small manifests were read, to know which files are current.
    assert sorted(calls.keys_of("GetObject")) == [
        f"{AWS_META}/BILLING_PERIOD=2026-10/focus-daily-Manifest.json",
        f"{AWS_META}/BILLING_PERIOD=2026-11/focus-daily-Manifest.json",
    ]


def test_a_changed_part_changes_its_period_only_and_the_period_is_reingested_whole(store, s3):
    rows = aws_export(s3)
    source = build_source(store, f"s3://{BUCKET}/exports")
    known = sync(store, source)
    restated = month_rows("2026-11", scale=3).iloc[200:]
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{AWS_DATA}/BILLING_PERIOD=2026-11/focus-daily-00002.csv.gz",
        Body=part_bytes(restated, "csv.gz"),
    )
    calls = S3Calls(source.store.client)

    fingerprints = sync(store, source, known)

    assert fingerprints["2026-10"] == known["2026-10"]
    assert fingerprints["2026-11"] != known["2026-11"]
    data_read = [k for k in calls.keys_of("GetObject") if "/data/" in k]
    assert sorted(set(data_read)) == [
        f"{AWS_DATA}/BILLING_PERIOD=2026-11/focus-daily-00001.csv.gz",
        f"{AWS_DATA}/BILLING_PERIOD=2026-11/focus-daily-00002.csv.gz",
    ]
    expected = total(rows["october"], rows["november"].iloc[:200], restated)
    assert abs(stored_totals(store.services)["USD"] - expected) < NANO


def test_parquet_parts_and_an_export_that_creates_a_new_report_each_time(store, s3):
    """With "create new report", each delivery has its own folder; the newest manifest wins."""
    s3.create_bucket(Bucket=BUCKET)
    old, new = month_rows("2026-11"), month_rows("2026-11", scale=2)
    files = {}
    for execution, frame in (("exec-1", old), ("exec-2", new)):
        names = [f"{execution}/focus-daily-00001.parquet", f"{execution}/focus-daily-00002.parquet"]
        files[f"{AWS_DATA}/BILLING_PERIOD=2026-11/{names[0]}"] = part_bytes(frame[:250], "parquet")
        files[f"{AWS_DATA}/BILLING_PERIOD=2026-11/{names[1]}"] = part_bytes(frame[250:], "parquet")
        manifest = f"{AWS_META}/BILLING_PERIOD=2026-11/{execution}/focus-daily-Manifest.json"
        files[manifest] = aws_manifest(BUCKET, AWS_DATA, names, "2026-11")
    put_tree(s3, BUCKET, files)  # exec-2 is put last: its manifest is the newest

    (unit,) = build_source(store, f"s3://{BUCKET}/exports").units()
    store.services.ingest.ingest_files(unit.open(), source="exports")

    assert unit.inputs == 2
    assert abs(stored_totals(store.services)["USD"] - total(new)) < NANO


def test_a_period_whose_manifest_names_undelivered_files_waits(s3):
    s3.create_bucket(Bucket=BUCKET)
    frame = month_rows("2026-11")
    put_tree(
        s3,
        BUCKET,
        {
            f"{AWS_DATA}/BILLING_PERIOD=2026-11/focus-daily-00001.csv.gz": part_bytes(
                frame, "csv.gz"
            ),
            f"{AWS_META}/BILLING_PERIOD=2026-11/focus-daily-Manifest.json": aws_manifest(
                BUCKET,
                AWS_DATA,
                ["focus-daily-00001.csv.gz", "focus-daily-00002.csv.gz"],
                "2026-11",
            ),
        },
    )
    assert build_source(None, f"s3://{BUCKET}/exports").units() == []


def azure_run(run: str, frame, submitted: str, *, parts: int = 1, listed: int | None = None):
    folder = f"{AZURE_SPAN}/{run}"
    data = {
        f"part_{n}_0001.csv.gz": part_bytes(frame.iloc[n::parts], "csv.gz") for n in range(parts)
    }
    manifest_parts = dict(list(data.items())[: listed or parts])
    if listed and listed > parts:
        manifest_parts["part_9_0001.csv.gz"] = b"not delivered yet"
    files = {f"{folder}/{name}": body for name, body in data.items()}
    files[f"{folder}/manifest.json"] = azure_manifest(folder, manifest_parts, submitted)
    return files


def test_the_newest_azure_run_replaces_the_older_one(store, s3):
    s3.create_bucket(Bucket=BUCKET)
    first_run = month_rows("2026-11", provider="azure")
    put_tree(s3, BUCKET, azure_run("run-a", first_run, "2026-11-20T06:00:00.1234567Z"))
    source = build_source(store, f"s3://{BUCKET}/exports")
    known = sync(store, source)
    assert abs(stored_totals(store.services)["USD"] - total(first_run)) < NANO

    # The next day's run restates the month, in two parts, with fewer rows.
    second_run = month_rows("2026-11", provider="azure", scale=2).iloc[:400]
    put_tree(s3, BUCKET, azure_run("run-b", second_run, "2026-11-21T06:00:00.7654321Z", parts=2))
    (unit,) = source.units()
    fingerprints = sync(store, source, known)

    assert unit.key == "20261101-20261130"
    assert unit.label == "20261101-20261130 run run-b (2 files)"
    assert fingerprints != known
    assert abs(stored_totals(store.services)["USD"] - total(second_run)) < NANO


def test_an_azure_run_still_being_written_is_passed_over(tmp_path):
    first_run = month_rows("2026-11", provider="azure")
    write_tree(tmp_path, azure_run("run-a", first_run, "2026-11-20T06:00:00Z"))
    write_tree(
        tmp_path,
        azure_run("run-b", first_run, "2026-11-21T06:00:00Z", parts=1, listed=2),
    )
    (unit,) = build_source(None, str(tmp_path / "exports")).units()
    assert unit.label == "20261101-20261130 run run-a (1 file)"


def test_azure_runs_without_submission_times_are_ordered_by_modification(store, tmp_path):
    older, newer = month_rows("2026-11", provider="azure"), month_rows("2026-11", scale=5)
    write_tree(tmp_path, azure_run("run-z", older, ""))
    write_tree(tmp_path, azure_run("run-a", newer, ""))
    for path in (tmp_path / AZURE_SPAN / "run-z").iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))

    (unit,) = build_source(store, str(tmp_path / "exports")).units()
    store.services.ingest.ingest_files(unit.open(), source="exports")

    assert unit.label.startswith("20261101-20261130 run run-a")
    assert abs(stored_totals(store.services)["USD"] - total(newer)) < NANO


def test_a_local_copy_of_an_aws_export_matches_the_manifest_by_path(store, tmp_path):
    frame = month_rows("2026-11")
    names = ["focus-daily-00001.csv.gz"]
    write_tree(
        tmp_path / "sync",
        {
            f"focus-daily/data/BILLING_PERIOD=2026-11/{names[0]}": part_bytes(frame, "csv.gz"),
            "focus-daily/data/BILLING_PERIOD=2026-11/old-00009.csv.gz": b"leftover",
            "focus-daily/metadata/BILLING_PERIOD=2026-11/focus-daily-Manifest.json": (
                aws_manifest(BUCKET, AWS_DATA, names, "2026-11")
            ),
        },
    )
    (unit,) = build_source(store, str(tmp_path / "sync")).units()
    summary = store.services.ingest.ingest_files(unit.open(), source="exports")

    assert [f["name"] for f in summary.record.files] == [
        str(tmp_path / "sync/focus-daily/data/BILLING_PERIOD=2026-11" / names[0])
    ]
    assert abs(stored_totals(store.services)["USD"] - total(frame)) < NANO


def test_a_plain_folder_is_grouped_by_the_month_its_paths_show(store, tmp_path):
    october, november = month_rows("2026-10"), month_rows("2026-11")
    write_tree(
        tmp_path,
        {
            "focus/2026-10/costs.csv": october.to_csv(index=False).encode(),
            "focus/2026-11/part-a.csv.gz": part_bytes(november[:100], "csv.gz"),
            "focus/2026-11/part-b.parquet": part_bytes(november[100:], "parquet"),
            "focus/notes.txt": b"not billing data",
        },
    )
    source = build_source(store, str(tmp_path / "focus"))
    units = source.units()
    sync(store, source)

    assert [(u.key, u.inputs) for u in units] == [("2026-10", 1), ("2026-11", 2)]
    assert abs(stored_totals(store.services)["USD"] - total(october, november)) < NANO


def test_a_plain_folder_with_a_file_of_unknown_month_is_one_unit(tmp_path):
    october, november = month_rows("2026-10"), month_rows("2026-11")
    write_tree(
        tmp_path,
        {
            "focus/2026-10.csv": october.to_csv(index=False).encode(),
            "focus/latest.csv": november.to_csv(index=False).encode(),
        },
    )
    (unit,) = build_source(None, str(tmp_path / "focus")).units()
    assert (unit.key, unit.inputs, unit.label) == ("all", 2, "all files (2 files)")


def test_a_rewritten_local_file_changes_the_fingerprint(tmp_path):
    path = tmp_path / "focus" / "2026-11.csv"
    write_tree(tmp_path, {"focus/2026-11.csv": month_rows("2026-11").to_csv(index=False).encode()})
    source = build_source(None, str(tmp_path / "focus"))
    before = source.units()[0].fingerprint
    assert source.units()[0].fingerprint == before
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    assert source.units()[0].fingerprint != before


def test_a_bad_file_is_named_by_its_s3_uri_and_nothing_is_stored(store, s3, monkeypatch, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    s3.create_bucket(Bucket=BUCKET)
    put_tree(
        s3,
        BUCKET,
        {
            "plain/2026-11/good.csv.gz": part_bytes(month_rows("2026-11"), "csv.gz"),
            "plain/2026-11/zz-bad.csv": b"Just,Some,Columns\n1,2,3\n",
        },
    )
    (unit,) = build_source(store, f"s3://{BUCKET}/plain").units()

    with pytest.raises(IngestError, match=f"s3://{BUCKET}/plain/2026-11/zz-bad.csv: not a FOCUS"):
        store.services.ingest.ingest_files(unit.open(), source="exports")
    assert stored_totals(store.services) == {}
    assert list(scratch.iterdir()) == []  # every temporary copy is gone


def test_two_exports_of_one_period_under_one_path_are_refused(tmp_path):
    body = month_rows("2026-11").to_csv(index=False).encode()
    write_tree(
        tmp_path,
        {
            "all/a/data/BILLING_PERIOD=2026-11/a-00001.csv": body,
            "all/b/data/BILLING_PERIOD=2026-11/b-00001.csv": body,
        },
    )
    with pytest.raises(SourceError, match="2026-11 is exported twice, in a/data/") as caught:
        build_source(None, str(tmp_path / "all")).units()
    assert not caught.value.retryable


def test_a_manifest_that_is_not_json_is_a_clear_error(tmp_path):
    write_tree(
        tmp_path,
        {
            "x/data/BILLING_PERIOD=2026-11/x-00001.csv": b"a",
            "x/metadata/BILLING_PERIOD=2026-11/x-Manifest.json": b"{truncated",
        },
    )
    with pytest.raises(SourceError, match=r"x-Manifest\.json: the manifest is not JSON"):
        build_source(None, str(tmp_path)).units()


def test_a_missing_bucket_and_a_missing_folder_are_errors_not_to_retry(s3, tmp_path):
    with pytest.raises(SourceError, match="does not exist") as bucket:
        build_source(None, "s3://no-such-bucket/exports").units()
    with pytest.raises(SourceError, match="does not exist") as folder:
        build_source(None, str(tmp_path / "nowhere")).units()
    assert not bucket.value.retryable and not folder.value.retryable


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"path": ""}, "give a folder"),
        ({"path": "s3:///prefix"}, "names no bucket"),
        ({"path": "gs://bucket/x"}, "only local folders and s3://"),
        ({"path": "/data", "bucket": "x"}, "Extra inputs are not permitted"),
        ({}, "path"),
    ],
)
def test_config_mistakes_are_refused_saying_what_to_write(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_source_config({"name": "exports", "type": "focus_export", **raw})


def test_the_source_type_declares_what_it_needs_of_s3():
    spec = source_types()["focus_export"]
    assert spec.permissions == ("s3:ListBucket", "s3:GetObject")
    assert not spec.paid_calls


def test_a_part_redelivered_during_the_ingest_fails_it_retryably_and_stores_nothing(store, s3):
    aws_export(s3)
    (october, _november) = build_source(store, f"s3://{BUCKET}/exports").units()
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{AWS_DATA}/BILLING_PERIOD=2026-10/focus-daily-00002.csv.gz",
        Body=part_bytes(month_rows("2026-10", scale=2), "csv.gz"),
    )
    with pytest.raises(SourceError, match="changed or went away since it was listed") as caught:
        store.services.ingest.ingest_files(october.open(), source="exports")
    assert caught.value.retryable
    assert stored_totals(store.services) == {}


def test_costbot_snapshot_reads_an_s3_export_then_finds_it_unchanged(
    store, s3, tmp_path, monkeypatch
):
    rows = aws_export(s3)
    config = tmp_path / "costbot.yml"
    config.write_text(
        "sources:\n  - name: aws-focus\n    type: focus_export\n"
        f"    path: s3://{BUCKET}/exports\n    schedule: {{every: 6h}}\n"
    )
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)

    def snapshot() -> dict:
        result = CliRunner().invoke(app, ["snapshot", "--json", "--config", str(config)])
        assert result.exit_code == 0, result.output
        (source,) = json.loads(result.stdout)["sources"]
        return source

    first, again = snapshot(), snapshot()

    assert (first["status"], first["files"], first["rows_read"]) == ("ok", 4, 1000)
    assert (again["status"], again["files"], again["rows_read"]) == ("unchanged", 0, 0)
    expected = total(rows["october"], rows["november"])
    assert abs(stored_totals(store.services)["USD"] - expected) < NANO
