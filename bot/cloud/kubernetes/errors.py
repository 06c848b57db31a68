"""API server answers as CloudActionErrors whose message says what to do."""

from __future__ import annotations

import json

from bot.services.idle_ports import CloudActionError, CloudErrorKind

_RBAC = "docs/kubernetes-idle-rbac.yaml"


def api_error(status: int | None, body: object, doing: str) -> CloudActionError:
    """Classify an HTTP error of the API server; `doing` says what was tried, e.g.
    "scale ml/Deployment/trainer to zero"."""
    said = _status_message(body)
    said = f": {said}" if said else ""
    if status in (401, 403):
        kind = CloudErrorKind.ACCESS_DENIED
        advice = (
            "The token was refused (expired or wrong): check `token_file` or the kubeconfig."
            if status == 401
            else f"Grant costbot's service account the ClusterRole in {_RBAC}."
        )
    elif status == 404:
        kind, advice = CloudErrorKind.NOT_FOUND, "The workload is gone (deleted or renamed)."
    elif status == 409:
        kind = CloudErrorKind.INVALID_STATE
        advice = "It changed meanwhile (someone scaled it); nothing was done. Look again."
    elif status == 429:
        kind = CloudErrorKind.THROTTLED
        advice = "The API server asked to slow down; nothing was done. Try again shortly."
    else:
        kind = CloudErrorKind.OTHER
        advice = "Check that the API server is healthy and `api_server` points at it."
    return CloudActionError(kind, f"Could not {doing}: HTTP {status}{said}. {advice}")


def unreachable(where: str, doing: str, exc: BaseException) -> CloudActionError:
    return CloudActionError(
        CloudErrorKind.OTHER,
        f"Could not {doing}: the API server at {where} did not answer ({exc.__class__.__name__}:"
        f" {exc}). Check `api_server` (or the kubeconfig) and that costbot can reach it.",
    )


def _status_message(body: object) -> str:
    """The `message` of the Status object the API server answers errors with."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return ""
    try:
        status = json.loads(body)
    except json.JSONDecodeError:
        return body.strip()[:200]
    message = status.get("message") if isinstance(status, dict) else None
    return str(message)[:300] if message else ""
