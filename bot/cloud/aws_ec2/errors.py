"""AWS's failures as CloudActionErrors: what happened, in the kind the service acts on, and
what to do about it, in words."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from bot.services.idle_ports import CloudActionError, CloudErrorKind

_THROTTLED = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
)
_DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
_NOT_FOUND = frozenset({"InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"})
_INVALID_STATE = frozenset({"IncorrectInstanceState", "IncorrectState"})
_BAD_CREDENTIALS = frozenset(
    {"AuthFailure", "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch"}
)
_NO_CREDENTIALS = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    ProfileNotFound,
)


def error_code(exc: ClientError) -> str:
    return str((exc.response.get("Error") or {}).get("Code") or "")


def cloud_error(exc: ClientError | BotoCoreError, call: str, region: str) -> CloudActionError:
    """The CloudActionError for a failed `call` (e.g. "ec2:StopInstances") in `region`."""
    if isinstance(exc, ClientError):
        return _client_error(exc, call, region)
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return CloudActionError(
            CloudErrorKind.OTHER,
            f"{call} in {region} could not reach AWS ({exc}); nothing was changed. Check the "
            "network (or AWS_ENDPOINT_URL) and try again.",
        )
    if isinstance(exc, _NO_CREDENTIALS):
        return CloudActionError(
            CloudErrorKind.ACCESS_DENIED,
            f"{call} in {region}: no usable AWS credentials ({exc}). Set AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give costbot an instance or pod role.",
        )
    return CloudActionError(CloudErrorKind.OTHER, f"{call} in {region} failed: {exc}")


def _client_error(exc: ClientError, call: str, region: str) -> CloudActionError:
    code = error_code(exc)
    message = str((exc.response.get("Error") or {}).get("Message") or "")[:300]
    said = f"{call} in {region}: AWS answered {code}: {message}".rstrip(": ")
    if code in _THROTTLED:
        return CloudActionError(
            CloudErrorKind.THROTTLED,
            f"{said}. AWS is throttling this account's API calls and nothing was changed; "
            "it passes by itself, so try again in a minute.",
        )
    if code in _DENIED:
        return CloudActionError(
            CloudErrorKind.ACCESS_DENIED,
            f"{said}. costbot's IAM role or user may not do this: grant {call} (see "
            "docs/iam-idle-policy.json; stop and start also need the instance tagged "
            "costbot:managed=true).",
        )
    if code in _NOT_FOUND:
        return CloudActionError(
            CloudErrorKind.NOT_FOUND,
            f"{said}. The instance no longer exists (terminated, or in another account or "
            "region); there is nothing to do.",
        )
    if code in _INVALID_STATE:
        return CloudActionError(
            CloudErrorKind.INVALID_STATE,
            f"{said}. The instance is not in a state that allows this (it may be starting, "
            "stopping or hibernating); look at it in the EC2 console and try again later.",
        )
    if code in _BAD_CREDENTIALS:
        return CloudActionError(
            CloudErrorKind.ACCESS_DENIED,
            f"{said}. AWS refused the credentials: check AWS_PROFILE or AWS_ACCESS_KEY_ID, or "
            "renew expired session credentials.",
        )
    return CloudActionError(
        CloudErrorKind.OTHER,
        f"{said}. Look at the instance in the EC2 console before trying again.",
    )
