"""bot/logs.py: the line formats, request and error ids, secret masking, and the settings."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest

from bot.logs import (
    JsonFormatter,
    TextFormatter,
    configure_logging,
    hide_secret,
    mask_secrets,
    request_id,
    with_request_id,
)
from bot.settings import ConfigError

TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def root() -> Iterator[logging.Logger]:
    """The root logger as configure_logging leaves it, restored afterwards."""
    logger = logging.getLogger()
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logging.captureWarnings(False)


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord("costbot.test", logging.ERROR, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def failure() -> tuple:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        return sys.exc_info()


def test_a_text_line_has_utc_time_level_logger_ids_and_the_message():
    line = TextFormatter().format(record("stored %s rows", 3, request_id="r1", error_id="e1"))
    assert re.fullmatch(
        rf"{TIME} ERROR costbot\.test \[request_id=r1 error_id=e1\]: stored 3 rows", line
    )
    assert re.fullmatch(
        rf"{TIME} ERROR costbot\.test: plain", TextFormatter().format(record("plain"))
    )


def test_a_json_line_is_one_object_with_the_trace_as_text():
    line = JsonFormatter().format(record("listener failed", exc_info=failure(), error_id="abc"))
    assert "\n" not in line
    entry = json.loads(line)
    assert set(entry) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "error_id",
        "exc_info",
    }
    assert (entry["level"], entry["logger"], entry["error_id"]) == ("ERROR", "costbot.test", "abc")
    assert entry["request_id"] is None and re.fullmatch(TIME, entry["time"])
    assert "ZeroDivisionError" in entry["exc_info"] and "Traceback" in entry["exc_info"]


def test_each_request_gets_its_own_id_for_what_is_logged_while_it_is_served(root):
    configure_logging({"COSTBOT_LOG_FORMAT": "json"})
    captured = io.StringIO()
    [handler] = [h for h in root.handlers if h.get_name() == "costbot"]
    seen: list[str | None] = []

    def app(environ, start_response):
        seen.append(request_id.get())
        logging.getLogger("costbot.test").warning("serving %s", environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"ok"]

    served = with_request_id(app)
    stderr, sys.stderr = sys.stderr, captured
    try:
        for path in ("/a", "/b"):
            assert served({"PATH_INFO": path}, lambda *a: None) == [b"ok"]
        logging.getLogger("costbot.test").warning("between requests")
    finally:
        sys.stderr = stderr
    entries = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert handler in root.handlers
    assert [e["request_id"] for e in entries] == [*seen, None]
    assert len(set(seen)) == 2 and all(re.fullmatch(r"[0-9a-f]{12}", s) for s in seen)


@pytest.mark.parametrize(
    "leak",
    [
        "xoxb-17653672481-19874698323-pdFZKVeTuXxXk7oOcBrzbqgy",
        "xapp-1-A0123-4567-abcdef",
        "xoxp-1-2-3-abcdef",
    ],
)
def test_slack_token_shapes_are_masked_anywhere_in_a_line(leak):
    assert leak not in mask_secrets(f"calling with {leak}, then {leak}!")


def test_body_tokens_bearer_headers_and_database_passwords_are_masked():
    masked = mask_secrets(
        "body: token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T1 Authorization: Bearer abc.def "
        "postgresql+psycopg://costbot:s3cret-pw@db:5432/costbot"
    )
    assert "gIkuvaNzQIHg97ATvDxqgjtO" not in masked and "team_id=T1" in masked
    assert "abc.def" not in masked and "s3cret-pw" not in masked
    assert "postgresql+psycopg://costbot:[hidden]@db:5432/costbot" in masked


def test_secrets_from_the_environment_are_masked_and_short_values_are_not(root):
    configure_logging({"SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99ffe0c285a5"})
    hide_secret("s")  # too short to mask: it would blank every "s"
    line = TextFormatter().format(
        record("secret is %s", "8f742231b10e8888abcd99ffe0c285a5", exc_info=failure())
    )
    assert "8f742231b10e8888abcd99ffe0c285a5" not in line and "secret is [hidden]" in line
    assert "ZeroDivisionError" in line


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"COSTBOT_LOG_LEVEL": "verbose"}, "COSTBOT_LOG_LEVEL='verbose' is not one of DEBUG, INFO"),
        ({"COSTBOT_LOG_LEVEL": "10"}, "COSTBOT_LOG_LEVEL='10' is not one of"),
        ({"COSTBOT_LOG_FORMAT": "JSONL"}, "COSTBOT_LOG_FORMAT='JSONL' is not one of text or json"),
    ],
)
def test_wrong_settings_are_refused_with_what_to_set(root, environ, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        configure_logging(environ)


def test_settings_are_read_in_any_case_and_a_second_call_replaces_the_first(root):
    configure_logging({"COSTBOT_LOG_LEVEL": "warning", "COSTBOT_LOG_FORMAT": "JSON"})
    configure_logging({"COSTBOT_LOG_LEVEL": "Debug"})
    ours = [h for h in root.handlers if h.get_name() == "costbot"]
    assert len(ours) == 1 and isinstance(ours[0].formatter, TextFormatter)
    assert root.level == logging.DEBUG
    configure_logging({})
    assert root.level == logging.INFO
