"""One GET of OpenCost's allocation API, with every failure told as a SourceError."""

from __future__ import annotations

import http.client
import json
from decimal import Decimal
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from bot.services.snapshot_ports import CallCounter, SourceError

ALLOCATION_PATH = "/allocation/compute"
_SNIPPET = 200
_CHECK = "Check `url` (the OpenCost API, port 9003 by default, not the UI on 9090)"


def allocation_url(base_url: str, params: dict[str, str]) -> str:
    return f"{base_url}{ALLOCATION_PATH}?{urlencode(params)}"


def fetch_json(url: str, *, timeout: float, calls: CallCounter) -> object:
    """GET `url` and parse its JSON body with exact decimals; NaN and Infinity become None."""
    calls.add()
    body = _get(url, timeout)
    try:
        # OpenCost rounds floats to 5-6 decimals: Decimal keeps them exactly as written.
        return json.loads(body, parse_float=Decimal, parse_constant=lambda _name: None)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(
            f"OpenCost at {url} answered with no JSON ({exc}): {_snippet(body)!r}. {_CHECK}."
        ) from exc
    except RecursionError:
        raise SourceError(f"OpenCost at {url} answered with JSON nested too deeply") from None


def _get(url: str, timeout: float) -> bytes:
    request = Request(url, headers={"Accept": "application/json", "User-Agent": "costbot"})
    try:
        with urlopen(request, timeout=timeout) as response:
            return response.read()
    except HTTPError as exc:
        raise _http_error(url, exc) from exc
    except TimeoutError as exc:
        raise _timeout(url, timeout) from exc
    except URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _timeout(url, timeout) from exc
        raise SourceError(
            f"Cannot reach OpenCost at {url}: {exc.reason}. {_CHECK}, and that OpenCost runs.",
            retryable=True,
        ) from exc
    except (http.client.HTTPException, ConnectionError) as exc:
        # A dropped connection or a truncated answer: the next attempt may get through.
        raise SourceError(
            f"OpenCost at {url} broke off its answer ({exc!r}); it will be retried.",
            retryable=True,
        ) from exc


def _http_error(url: str, exc: HTTPError) -> SourceError:
    body = _snippet(exc.read() if exc.fp is not None else b"")
    if exc.code >= 500 or exc.code == 429:
        return SourceError(
            f"OpenCost at {url} answered HTTP {exc.code} {exc.reason}: {body!r}. It may be "
            "starting or overloaded (Prometheus queries time out); it will be retried.",
            retryable=True,
        )
    return SourceError(
        f"OpenCost at {url} refused the request with HTTP {exc.code} {exc.reason}: {body!r}. "
        f"{_CHECK}, that this OpenCost version serves {ALLOCATION_PATH}, and that it "
        "accepts the window and aggregate given."
    )


def _timeout(url: str, timeout: float) -> SourceError:
    return SourceError(
        f"OpenCost at {url} did not answer within {timeout:g} s. Large windows take "
        "OpenCost long to compute: raise `timeout_seconds` or shorten `window`.",
        retryable=True,
    )


def _snippet(body: bytes) -> str:
    return body[:_SNIPPET].decode("utf-8", "replace").strip()
