"""Listing and fetching export objects in a local folder and under an S3 prefix (moto)."""

from __future__ import annotations

import dataclasses
import os
import socket

import pytest
from botocore.exceptions import ClientError

from bot.services.snapshot_ports import SourceError
from bot.sources.objects import LocalObjects, S3Objects, open_object_store, s3_error
from tests.moto_s3 import S3Calls


def test_s3_listing_is_relative_to_the_prefix_paginated_and_skips_folder_markers(s3):
    s3.create_bucket(Bucket="billing")
    for n in range(5):
        s3.put_object(Bucket="billing", Key=f"exports/focus/part-{n}.csv", Body=b"x" * n)
    s3.put_object(Bucket="billing", Key="exports/focus/", Body=b"")
    s3.put_object(Bucket="billing", Key="exports-old/elsewhere.csv", Body=b"no")
    store = S3Objects("billing", "exports", page_size=2)
    calls = S3Calls(store.client)

    listed = store.list()

    assert [o.key for o in listed] == [f"focus/part-{n}.csv" for n in range(5)]
    assert [o.size for o in listed] == [0, 1, 2, 3, 4]
    assert all(o.version.startswith('"') and o.modified.tzinfo is not None for o in listed)
    assert calls.operations["ListObjectsV2"] == 3  # 5 keys, 2 a page
    assert store.uri(listed[1].key) == "s3://billing/exports/focus/part-1.csv"


def test_a_fetched_object_is_a_local_copy_removed_after_use(s3):
    s3.create_bucket(Bucket="billing")
    s3.put_object(Bucket="billing", Key="p/data/file.csv.gz", Body=b"gzip bytes")
    store = open_object_store("s3://billing/p/")
    (listed,) = store.list()

    with store.fetch(listed) as local:
        assert local.name == "file.csv.gz"  # the readers go by the suffix
        assert local.read_bytes() == b"gzip bytes"
    assert not local.exists() and not local.parent.exists()


def test_an_object_rewritten_since_the_listing_is_refused_and_retryable(s3):
    s3.create_bucket(Bucket="billing")
    s3.put_object(Bucket="billing", Key="p/file.csv", Body=b"first delivery")
    store = open_object_store("s3://billing/p")
    (listed,) = store.list()
    s3.put_object(Bucket="billing", Key="p/file.csv", Body=b"second delivery, longer")

    with (
        pytest.raises(SourceError, match="changed or went away since it was listed") as caught,
        store.fetch(listed),
    ):
        pass
    assert caught.value.retryable
    with pytest.raises(SourceError, match="changed or went away") as caught:
        store.read_bytes(listed)
    assert caught.value.retryable


def test_an_object_deleted_since_the_listing_is_retryable(s3):
    s3.create_bucket(Bucket="billing")
    s3.put_object(Bucket="billing", Key="file.csv", Body=b"x")
    store = open_object_store("s3://billing")
    (listed,) = store.list()
    s3.delete_object(Bucket="billing", Key="file.csv")

    with pytest.raises(SourceError) as caught, store.fetch(listed):
        pass
    assert caught.value.retryable


def test_a_missing_bucket_is_not_retryable_and_says_to_check_the_path(s3):
    with pytest.raises(SourceError, match="bucket 'no-such-bucket' does not exist") as caught:
        open_object_store("s3://no-such-bucket/exports").list()
    assert not caught.value.retryable


def test_an_unreachable_endpoint_is_retryable(s3, monkeypatch):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    with pytest.raises(SourceError, match="cannot reach S3") as caught:
        open_object_store("s3://billing/exports").list()
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("code", "status", "retryable", "message"),
    [
        ("AccessDenied", 403, False, "s3:ListBucket on arn:aws:s3:::billing"),
        ("InvalidAccessKeyId", 403, False, "refused the credentials"),
        ("SignatureDoesNotMatch", 403, False, "AWS_SECRET_ACCESS_KEY"),
        ("SlowDown", 503, True, "busy"),
        ("InternalError", 500, True, "busy"),
        ("SomethingNew", 502, True, "busy"),
        ("NoSuchBucket", 404, False, "does not exist"),
    ],
)
def test_s3_errors_say_what_to_do_and_whether_to_retry(code, status, retryable, message):
    """S3's own error shapes (moto cannot deny access or throttle) become SourceErrors."""
    error = ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "ListObjectsV2",
    )
    mapped = s3_error(error, S3Objects("billing", "exports"), action="list")
    assert mapped.retryable is retryable
    assert message in str(mapped)


def test_access_denied_on_a_read_names_the_object_permission():
    error = ClientError({"Error": {"Code": "AccessDenied"}}, "GetObject")
    mapped = s3_error(error, S3Objects("billing", "exports"), action="get", key="a.csv")
    assert "s3:GetObject on arn:aws:s3:::billing/exports/*" in str(mapped)
    assert str(mapped).startswith("s3://billing/exports/a.csv: access denied")


def test_a_local_folder_lists_files_below_it_with_their_modification_time(tmp_path):
    (tmp_path / "export" / "2026-11").mkdir(parents=True)
    (tmp_path / "export" / "2026-11" / "a.csv").write_text("abc")
    (tmp_path / "export" / "top.parquet").write_bytes(b"p")
    store = LocalObjects(tmp_path / "export")

    listed = store.list()

    assert [(o.key, o.size) for o in listed] == [("2026-11/a.csv", 3), ("top.parquet", 1)]
    first = listed[0]
    stat = os.stat(tmp_path / "export" / "2026-11" / "a.csv")
    assert first.version == f"mtime:{stat.st_mtime_ns}"
    with store.fetch(first) as local:
        assert local == tmp_path / "export" / "2026-11" / "a.csv"
    assert local.exists()  # a local file is read in place, never removed
    os.utime(local, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert store.list()[0] == dataclasses.replace(
        first, version=f"mtime:{stat.st_mtime_ns + 1_000_000}", modified=store.list()[0].modified
    )


@pytest.mark.parametrize("make", ["missing", "file"])
def test_a_local_path_that_is_not_a_folder_is_refused(tmp_path, make):
    path = tmp_path / "exports"
    if make == "file":
        path.write_text("x")
    with pytest.raises(SourceError, match=r"exports (does not exist|is not a folder)") as caught:
        open_object_store(str(path)).list()
    assert not caught.value.retryable
