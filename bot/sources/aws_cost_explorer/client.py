"""GetCostAndUsage through boto3, page by page, with AWS's errors told as SourceErrors.

Credentials come from boto3's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, an instance or
pod role...), and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_COST_EXPLORER point it elsewhere, as
boto3 users expect. Every request sent is counted, retries included: each one is billed ($0.01).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from bot.services.snapshot_ports import CallCounter, SourceError
from bot.sources.aws_cost_explorer.conversion import METRIC_COLUMNS, Window

PERMISSION = "ce:GetCostAndUsage"
# A run that needs more pages than this is stopped rather than left to bill without end.
MAX_PAGES = 100
_CONNECT_SECONDS = 10
_READ_SECONDS = 60

# Codes that pass by themselves (Cost Explorer throttles with LimitExceededException). A page
# token that expired, or data that changed between pages, passes on a fresh run from page one.
_RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "LimitExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalFailure",
        "RequestChangedException",
        "InvalidNextTokenException",
    }
)
_BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
_ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})
_NO_CREDENTIALS = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    ProfileNotFound,
)


class CostExplorerClient:
    """Reads one window of daily costs grouped by a tag key and SERVICE."""

    def __init__(self, region: str, calls: CallCounter, *, attempts: int = 3) -> None:
        self._region = region
        self._calls = calls
        # boto3's standard retry mode retries throttling and 5xx with backoff, within a page:
        # a throttled fifth page must not cost the four before it again.
        self._config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=_CONNECT_SECONDS,
            read_timeout=_READ_SECONDS,
        )
        # Made on first use and kept: building one loads the service model (a fraction of a
        # second), and boto3 clients are safe to share between threads.
        self._lock = threading.Lock()
        self._made: Any = None

    def pages(self, window: Window, tag_key: str) -> Iterator[dict[str, Any]]:
        """Each GetCostAndUsage page of the window, in order."""
        client = self._client()
        request: dict[str, Any] = {
            "TimePeriod": {"Start": window.first.isoformat(), "End": window.end.isoformat()},
            "Granularity": "DAILY",
            # Both bases in one call: each call is billed.
            "Metrics": list(METRIC_COLUMNS),
            "GroupBy": [
                {"Type": "TAG", "Key": tag_key},
                {"Type": "DIMENSION", "Key": "SERVICE"},
            ],
        }
        seen_tokens: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self._call(client, request, tag_key)
            yield page
            token = page.get("NextPageToken")
            if not token:
                return
            if token in seen_tokens:
                raise SourceError("Cost Explorer returned the same NextPageToken twice; stopped")
            seen_tokens.add(token)
            request["NextPageToken"] = token
        raise SourceError(
            f"Cost Explorer needed more than {MAX_PAGES} pages for {window}; stopped so as not "
            "to bill without end. Lower lookback_days, or group by a tag with fewer values."
        )

    def _client(self) -> Any:
        with self._lock:
            if self._made is None:
                try:
                    client = boto3.session.Session().client(
                        "ce", region_name=self._region, config=self._config
                    )
                except BotoCoreError as exc:
                    raise _error(exc, "") from exc
                # Counted as sent, so a retried request counts each time it is billed.
                client.meta.events.register(
                    "before-send.cost-explorer.GetCostAndUsage", lambda **_: self._calls.add()
                )
                self._made = client
            return self._made

    def _call(self, client: Any, request: dict[str, Any], tag_key: str) -> dict[str, Any]:
        try:
            return client.get_cost_and_usage(**request)
        except (ClientError, BotoCoreError) as exc:
            raise _error(exc, tag_key) from exc


def _error(exc: ClientError | BotoCoreError, tag_key: str) -> SourceError:
    """The SourceError for an AWS failure: what it was, what to do, whether to retry."""
    if isinstance(exc, ClientError):
        return _client_error(exc, tag_key)
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return SourceError(f"Cost Explorer could not be reached: {exc}", retryable=True)
    if isinstance(exc, _NO_CREDENTIALS):
        return SourceError(
            f"No usable AWS credentials ({exc}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or give the bot an instance or pod role"
        )
    return SourceError(f"Cost Explorer could not be called: {exc}")


def _client_error(exc: ClientError, tag_key: str) -> SourceError:
    error = exc.response.get("Error") or {}
    code = str(error.get("Code") or "")
    message = str(error.get("Message") or "")[:300]
    status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
    said = f"Cost Explorer answered {code or status}: {message}".rstrip(": ")
    if code in _RETRYABLE or int(status) >= 500:
        return SourceError(said, retryable=True)
    if code in _ACCESS_DENIED:
        return SourceError(
            f"{said}. Grant {PERMISSION} to the IAM role or user the bot runs as (in an AWS "
            "Organization, a member account also needs Cost Explorer access granted by the "
            "management account)."
        )
    if code in _BAD_CREDENTIALS:
        return SourceError(
            f"{said}. AWS refused the credentials: check AWS_PROFILE or AWS_ACCESS_KEY_ID, or "
            "renew expired session credentials."
        )
    if code == "DataUnavailableException":
        return SourceError(
            f"{said}. Cost Explorer has no data for this account yet: enable Cost Explorer in "
            "Billing and Cost Management; its data appears within 24 hours."
        )
    if code == "BillExpirationException":
        return SourceError(f"{said}. Lower lookback_days to days Cost Explorer still holds.")
    if code == "ValidationException":
        return SourceError(
            f"{said}. Check tag_key {tag_key!r}: it must be a cost allocation tag, activated in "
            "Billing and Cost Management > Cost allocation tags."
        )
    return SourceError(said)
