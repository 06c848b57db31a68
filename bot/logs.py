"""Logs a person can use: UTC timestamps, level, logger, request and error ids, no secrets.

Every command that serves or works calls ``configure_logging()`` first. Two variables:
  COSTBOT_LOG_LEVEL   DEBUG, INFO (default), WARNING, ERROR or CRITICAL
  COSTBOT_LOG_FORMAT  text (default): ``2026-11-20T09:15:02.113Z INFO costbot.server: ...``
                      json: one object a line, {time, level, logger, message, request_id,
                      error_id, exc_info}, for a log shipper.

``with_request_id`` gives each HTTP request an id that every line logged while serving it
carries; an error handler passes ``extra={"error_id": ...}`` to put its id in its own field.
Slack tokens, the signing secret and database passwords are masked in every line, tracebacks
included, whatever logged them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.settings import ConfigError

LEVEL_VARIABLE = "COSTBOT_LOG_LEVEL"
FORMAT_VARIABLE = "COSTBOT_LOG_FORMAT"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
MASK = "[hidden]"
# Shorter values are not masked: they would blank out ordinary words (tests use "s").
MIN_SECRET_LENGTH = 8

# Token shapes Slack documents (bot, user, app-level, refresh ...); the legacy verification
# token a request body carries (Bolt logs the body of a request it refuses); bearer headers.
_TOKEN_PATTERN = re.compile(
    r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+|(?<=\btoken=)[^&\s'\"]+|(?<=\bBearer )[^\s'\"]+"
)
# A database URL's password.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Secrets:
    """The exact secret values to mask, besides the shapes every token has."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, value: str | None) -> None:
        if value and len(value.strip()) >= MIN_SECRET_LENGTH:
            self.values.add(value.strip())

    def mask(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, MASK)
        text = _TOKEN_PATTERN.sub(MASK, text)
        return _URL_PASSWORD.sub(rf"\1{MASK}@", text)


_secrets = _Secrets()


def hide_secret(value: str | None) -> None:
    """Mask ``value`` in every log line from now on (e.g. a signing secret made at start)."""
    _secrets.add(value)


def mask_secrets(text: str) -> str:
    return _secrets.mask(text)


def _utc_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Ids(logging.Filter):
    """Copy the request id of the request being served onto each record logged meanwhile."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """``<time> <LEVEL> <logger> [request_id=... error_id=...]: <message>`` then any trace."""

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{name}={value}"
            for name in ("request_id", "error_id")
            if (value := getattr(record, name, None))
        )
        head = f"{_utc_time(record)} {record.levelname} {record.name}"
        line = f"{head} [{ids}]: " if ids else f"{head}: "
        line += record.getMessage()
        trace = _trace(self, record)
        return mask_secrets(f"{line}\n{trace}" if trace else line)


class JsonFormatter(logging.Formatter):
    """One JSON object a line; a traceback is a string field, so lines never break."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "error_id": getattr(record, "error_id", None),
            "exc_info": mask_secrets(trace) if (trace := _trace(self, record)) else None,
        }
        return json.dumps(entry, ensure_ascii=False, default=str)


def _trace(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    parts = []
    if record.exc_info:
        parts.append(formatter.formatException(record.exc_info))
    if record.stack_info:
        parts.append(formatter.formatStack(record.stack_info))
    return "\n".join(parts)


class _StderrHandler(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (a test runner may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _choice(environ: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    given = environ.get(name, "").strip()
    if not given:
        return default
    for choice in allowed:
        if given.lower() == choice.lower():
            return choice
    *first, last = allowed
    raise ConfigError(
        f"{name}={given!r} is not one of {', '.join(first)} or {last}: "
        f"set one of those, or unset it for the default ({default})."
    )


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Set up the root logger from COSTBOT_LOG_LEVEL and COSTBOT_LOG_FORMAT; ConfigError if wrong.

    Calling it again replaces what it set up before (the CLI's tests run commands in-process).
    """
    environ = os.environ if environ is None else environ
    level = _choice(environ, LEVEL_VARIABLE, LEVELS, "INFO")
    style = _choice(environ, FORMAT_VARIABLE, FORMATS, "text")
    for name in SECRET_VARIABLES:
        hide_secret(environ.get(name))

    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if style == "json" else TextFormatter())
    handler.addFilter(_Ids())
    handler.set_name("costbot")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "costbot"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic repeats its dialect at every start; its lines are worth reading only when debugging.
    logging.getLogger("alembic").setLevel(level if level == "DEBUG" else "WARNING")
    logging.captureWarnings(True)  # warnings too, so a json log stays all json


def with_request_id(app: WsgiApp) -> WsgiApp:
    """Give each request an id for the lines logged while it is served."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        token = request_id.set(uuid.uuid4().hex[:12])
        try:
            body = app(environ, start_response)
            try:
                # Read here, so lines logged while the body is produced carry the id too.
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            request_id.reset(token)

    return application
