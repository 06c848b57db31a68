"""One way to list and fetch the objects of an export, in a local folder or under an S3 prefix.

File sources (FOCUS exports, CUR, Azure exports) see both places alike: `list()` says what is
there from the listing alone (names, sizes, ETags or modification times), so a source can tell
that nothing changed without reading a byte of data; `fetch()` brings one object to a local
file for the readers, which want a seekable file (Parquet) and the real file suffix.

S3 is reached through boto3's default chain (`AWS_PROFILE`, `AWS_ACCESS_KEY_ID`, instance
roles) and its endpoint settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`): credentials never
go in costbot's config. Every boto3 error becomes a `SourceError` saying what to do, with
`retryable` true only for what may pass by itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from botocore import exceptions as boto_errors
from botocore.exceptions import BotoCoreError, ClientError

from bot.services.snapshot_ports import SourceError

S3_PERMISSIONS = ("s3:ListBucket", "s3:GetObject")
MANIFEST_MAX_BYTES = 64 << 20  # a manifest lists files; one this big is not a manifest

# Error codes S3 (or any AWS service) uses for "slow down" and "try again later".
_RETRYABLE_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "InternalError",
        "ServiceUnavailable",
        "503",
        "500",
    }
)
_CREDENTIAL_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "TokenRefreshRequired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
    }
)
# The object was replaced or removed between the listing and the read: the export is being
# delivered again; the next run lists the new files.
_CHANGED_CODES = frozenset({"PreconditionFailed", "412", "NoSuchKey", "404"})
CHANGED_SINCE_LISTED = (
    "the object changed or went away since it was listed (the export is being delivered "
    "again); the next run reads the new files."
)


@dataclass(frozen=True)
class StoredObject:
    """One object as the listing shows it; nothing of its content has been read."""

    key: str  # relative to the store's root, "/"-separated: "focus/data/BILLING_PERIOD=.../x"
    size: int
    # S3: the ETag as S3 gives it. Local folder: "mtime:<ns>", which changes whenever the file
    # is rewritten (hashing every file at each run would read all the data this avoids).
    version: str
    modified: datetime  # UTC

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name


@dataclass(frozen=True)
class ObjectName:
    """How an ingest run names an input: its S3 URI or its path (`str()` gives it whole)."""

    uri: str

    def __str__(self) -> str:
        return self.uri

    @property
    def name(self) -> str:
        return self.uri.rsplit("/", 1)[-1]


def listing_fingerprint(files: Sequence[StoredObject]) -> str:
    """SHA-256 over the files' sorted (key, size, ETag or mtime): from the listing alone."""
    described = sorted((obj.key, obj.size, obj.version) for obj in files)
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def parse_json_manifest(raw: bytes, where: str) -> dict:
    """A manifest's JSON object; a SourceError naming `where` if it is not one."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{where}: the manifest is not JSON ({exc}).") from exc
    if not isinstance(document, dict):
        raise SourceError(f"{where}: the manifest is not a JSON object.")
    return document


class ObjectStore(Protocol):
    """A local folder or an S3 prefix holding exported billing files."""

    location: str  # the configured path: "/data/exports" or "s3://bucket/prefix"
    permissions: tuple[str, ...]  # what reading it needs of the cloud

    def list(self) -> list[StoredObject]:
        """Every object under the root, sorted by key; raise SourceError if unreadable."""
        ...

    def uri(self, key: str) -> str:
        """The full name of an object, for people and ingest runs."""
        ...

    def read_bytes(self, obj: StoredObject) -> bytes:
        """A small object (a manifest) whole."""
        ...

    def fetch(self, obj: StoredObject) -> Any:  # a context manager yielding a local Path
        """The object as a local file while the `with` block runs (a temporary copy for S3)."""
        ...


def open_object_store(location: str) -> ObjectStore:
    """The store for a configured path: `s3://bucket/prefix` or a local folder."""
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not bucket:
            raise SourceError(f"{location}: name a bucket, e.g. s3://my-billing/exports.")
        return S3Objects(bucket, prefix.strip("/"))
    return LocalObjects(Path(location).expanduser())


class LocalObjects:
    """A folder on this machine (or a mounted or synced copy of a bucket)."""

    permissions: tuple[str, ...] = ()

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

    def list(self) -> list[StoredObject]:
        if not self.root.is_dir():
            what = "is not a folder" if self.root.exists() else "does not exist"
            raise SourceError(
                f"{self.root} {what}: set the source's path to the folder the export is "
                "delivered to (or an s3://bucket/prefix)."
            )
        found = []
        try:
            for path in self.root.rglob("*"):
                info = path.stat()
                if stat.S_ISREG(info.st_mode):
                    found.append(self._stored(path, info))
        except OSError as exc:
            raise SourceError(
                f"{self.root}: cannot list the folder ({exc.strerror}); give costbot's user "
                "read access to it."
            ) from exc
        return sorted(found, key=lambda obj: obj.key)

    def _stored(self, path: Path, info: os.stat_result) -> StoredObject:
        return StoredObject(
            key=path.relative_to(self.root).as_posix(),
            size=info.st_size,
            version=f"mtime:{info.st_mtime_ns}",
            modified=datetime.fromtimestamp(info.st_mtime, UTC),
        )

    def uri(self, key: str) -> str:
        return str(self.root / key)

    def read_bytes(self, obj: StoredObject) -> bytes:
        try:
            return (self.root / obj.key).read_bytes()
        except OSError as exc:
            raise SourceError(
                f"{self.uri(obj.key)}: cannot read it ({exc.strerror}).", retryable=True
            ) from exc

    @contextmanager
    def fetch(self, obj: StoredObject) -> Iterator[Path]:
        # Already a local file: the readers check it does not change while they read it.
        yield self.root / obj.key


class S3Objects:
    """An S3 prefix, listed with ListObjectsV2 and read with GetObject."""

    permissions = S3_PERMISSIONS

    def __init__(self, bucket: str, prefix: str, *, page_size: int = 1000) -> None:
        self.bucket = bucket
        self.page_size = page_size  # keys per ListObjectsV2 call; S3 gives at most 1000
        self.prefix = prefix  # without leading or trailing "/"; "" for the whole bucket
        self.location = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
        self._client: Any = None
        self._lock = threading.Lock()
        self._pinned: dict[str, str] = {}  # key being fetched -> the ETag listed for it

    @property
    def client(self) -> Any:
        """The S3 client, made on first use from boto3's default chain and endpoint settings."""
        if self._client is None:
            import boto3  # slow to import: only sources that read S3 pay for it

            try:
                client = boto3.session.Session().client("s3")
            except BotoCoreError as exc:
                raise s3_error(exc, self, action="connect") from exc
            # download_fileobj takes no IfMatch, so each HeadObject and GetObject it makes
            # (one per range) is given the ETag the listing showed here.
            for operation in ("HeadObject", "GetObject"):
                client.meta.events.register(
                    f"before-parameter-build.s3.{operation}", self._pin_etag
                )
            self._client = client
        return self._client

    def _pin_etag(self, params: dict[str, Any], **_kwargs: Any) -> None:
        with self._lock:
            etag = self._pinned.get(params.get("Key", ""))
        if etag is not None:
            params["IfMatch"] = etag

    def _full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full_key(key)}"

    def list(self) -> list[StoredObject]:
        root = f"{self.prefix}/" if self.prefix else ""
        found = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=root, PaginationConfig={"PageSize": self.page_size}
            )
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(root) :]
                    if key and not key.endswith("/"):  # "folder" markers hold nothing
                        found.append(
                            StoredObject(
                                key=key,
                                size=int(item["Size"]),
                                version=item["ETag"],
                                modified=item["LastModified"].astimezone(UTC),
                            )
                        )
        except (BotoCoreError, ClientError) as exc:
            raise s3_error(exc, self, action="list") from exc
        return sorted(found, key=lambda obj: obj.key)

    def read_bytes(self, obj: StoredObject) -> bytes:
        if obj.size > MANIFEST_MAX_BYTES:
            raise SourceError(
                f"{self.uri(obj.key)}: {obj.size:,} bytes is too big to be a manifest."
            )
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=self._full_key(obj.key), IfMatch=obj.version
            )
            return response["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise s3_error(exc, self, action="get", key=obj.key) from exc

    @contextmanager
    def fetch(self, obj: StoredObject) -> Iterator[Path]:
        full_key = self._full_key(obj.key)
        with tempfile.TemporaryDirectory(prefix="costbot-s3-") as folder:
            # The file keeps its name: the readers go by its suffix (.csv.gz, .parquet).
            local = Path(folder) / obj.name
            client = self.client
            with self._lock:
                # The bytes must be those the listing (and so the fingerprint) described.
                self._pinned[full_key] = obj.version
            try:
                with local.open("wb") as out:
                    client.download_fileobj(self.bucket, full_key, out)
            except (BotoCoreError, ClientError, *_transfer_errors()) as exc:
                raise s3_error(exc, self, action="get", key=obj.key) from exc
            finally:
                with self._lock:
                    self._pinned.pop(full_key, None)
            yield local


def _transfer_errors() -> tuple[type[Exception], ...]:
    """What boto3's managed download raises besides botocore's errors."""
    from boto3.exceptions import RetriesExceededError
    from s3transfer.exceptions import S3DownloadFailedError

    return RetriesExceededError, S3DownloadFailedError


def s3_error(exc: Exception, store: S3Objects, *, action: str, key: str = "") -> SourceError:
    """The SourceError for a boto3 failure, saying what to do."""
    where = store.uri(key) if key else store.location
    retries_exceeded, download_failed = _transfer_errors()
    if isinstance(exc, download_failed):  # a ranged GET's IfMatch failed: the object changed
        return SourceError(f"{where}: {CHANGED_SINCE_LISTED}", retryable=True)
    if isinstance(exc, retries_exceeded):
        return SourceError(f"{where}: the download kept failing ({exc}).", retryable=True)
    if isinstance(exc, ClientError):
        return _client_error(exc, store, where, action)
    if isinstance(exc, boto_errors.NoCredentialsError | boto_errors.PartialCredentialsError):
        return SourceError(
            f"{where}: no usable AWS credentials. Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run where an IAM role is attached."
        )
    if isinstance(exc, boto_errors.ProfileNotFound):
        return SourceError(f"{where}: {exc}; set AWS_PROFILE to a profile in ~/.aws/config.")
    if isinstance(exc, boto_errors.ConnectionError | boto_errors.HTTPClientError):
        return SourceError(f"{where}: cannot reach S3 ({exc}); retrying later.", retryable=True)
    if isinstance(exc, boto_errors.IncompleteReadError | boto_errors.ResponseStreamingError):
        return SourceError(f"{where}: the download broke off ({exc}).", retryable=True)
    return SourceError(f"{where}: {exc}")


def _client_error(exc: Any, store: S3Objects, where: str, action: str) -> SourceError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    detail = error.get("Message") or code
    if code in _RETRYABLE_CODES or status >= 500 or status == 429:
        return SourceError(f"{where}: S3 is busy or failing ({detail}).", retryable=True)
    if code == "NoSuchBucket":
        return SourceError(
            f"{where}: the bucket {store.bucket!r} does not exist (in this account and "
            "endpoint); check the source's path."
        )
    if code in _CREDENTIAL_CODES:
        return SourceError(
            f"{where}: AWS refused the credentials ({code}); check AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)."
        )
    if code in ("AccessDenied", "403", "AllAccessDisabled"):
        return SourceError(f"{where}: access denied. {_permission_hint(store, action)}")
    if code in _CHANGED_CODES and action == "get":
        return SourceError(f"{where}: {CHANGED_SINCE_LISTED}", retryable=True)
    return SourceError(f"{where}: S3 refused the request ({code}: {detail}).")


def _permission_hint(store: S3Objects, action: str) -> str:
    if action == "list":
        condition = f" (for the prefix {store.prefix}/)" if store.prefix else ""
        return f"Grant costbot's role s3:ListBucket on arn:aws:s3:::{store.bucket}{condition}."
    objects = f"{store.bucket}/{store.prefix}/*" if store.prefix else f"{store.bucket}/*"
    return (
        f"Grant costbot's role s3:GetObject on arn:aws:s3:::{objects} (and kms:Decrypt if "
        "the bucket is encrypted with a customer-managed KMS key)."
    )
