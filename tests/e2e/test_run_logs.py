"""The logs of the real `costbot run`: times, levels, ids, json on request, and no secrets."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.signing import FORM, post_signed, slash_command_form
from tests.e2e.conftest import ADA, CHANNEL
from tests.e2e.test_run_command import (
    BOT_TOKEN,
    RUN,
    SIGNING_SECRET,
    _env,
    _free_port,
    _wait_until_serving,
)

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
JSON_KEYS = {"time", "level", "logger", "message", "request_id", "error_id", "exc_info"}


def _serve_and_log(tmp_path: Path, **variables: str) -> tuple[str, str, int]:
    """Run `costbot run`, send it a forged and a signed command, stop it: (stdout, stderr, port)."""
    with SandboxServer(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET) as sandbox:
        port = _free_port()
        env = _env(
            tmp_path / "costbot.db",
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            COSTBOT_HOST="127.0.0.1",
            COSTBOT_PORT=str(port),
            COSTBOT_SLACK_API_URL=sandbox.api_url,
            **variables,
        )
        out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            bot = subprocess.Popen(RUN, env=env, cwd=tmp_path, stdout=stdout, stderr=stderr)
        try:
            _wait_until_serving(f"http://127.0.0.1:{port}/healthz", bot, err)
            fields = slash_command_form(sandbox.state, channel_id=CHANNEL, user_id=ADA, text="help")
            body = urlencode(fields).encode()
            events = f"http://127.0.0.1:{port}/slack/events"
            assert post_signed(events, body, FORM, "not-the-secret").status == 401
            assert post_signed(events, body, FORM, SIGNING_SECRET).status == 200
            deadline = time.monotonic() + 10
            while not sandbox.state.messages(CHANNEL) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert sandbox.state.messages(CHANNEL), err.read_text()
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(timeout=10)
            except subprocess.TimeoutExpired:
                bot.kill()
                bot.wait(timeout=5)
    return out.read_text(), err.read_text(), port


def _no_secret_in(*outputs: str) -> None:
    for output in outputs:
        assert BOT_TOKEN not in output
        assert SIGNING_SECRET not in output
        assert "xoxb-" not in output


def test_text_logs_show_the_listening_line_with_time_level_logger_and_request_ids(tmp_path):
    stdout, stderr, port = _serve_and_log(tmp_path)

    listening = (
        rf"^{TIMESTAMP} INFO costbot\.server: costbot listening on http://127\.0\.0\.1:{port}"
    )
    assert re.search(listening, stderr, re.MULTILINE), stderr
    # Bolt's warning about the forged request names the request it was logged for.
    forged = [line for line in stderr.splitlines() if "signature" in line.lower()]
    assert forged and all(
        re.match(rf"{TIMESTAMP} \w+ \S+ \[request_id=\w{{12}}\]: ", line) for line in forged
    ), stderr
    assert "Traceback" not in stderr
    _no_secret_in(stdout, stderr)


def test_json_logs_are_one_object_per_line_even_at_debug(tmp_path):
    # DEBUG: the most a library writes (request headers and bodies), and still no secret.
    stdout, stderr, port = _serve_and_log(
        tmp_path, COSTBOT_LOG_FORMAT="json", COSTBOT_LOG_LEVEL="debug"
    )

    entries = [json.loads(line) for line in stderr.splitlines()]  # every line is json
    assert len(entries) > 5
    assert all(set(entry) == JSON_KEYS for entry in entries)
    assert all(re.fullmatch(TIMESTAMP, entry["time"]) for entry in entries)
    [listening] = [e for e in entries if e["message"].startswith("costbot listening on")]
    assert listening["level"] == "INFO" and listening["logger"] == "costbot.server"
    assert f"http://127.0.0.1:{port}" in listening["message"]
    assert any(e["level"] == "DEBUG" for e in entries)
    served = {e["request_id"] for e in entries if e["request_id"]}
    assert len(served) >= 2  # the forged request and the signed one, each its own id
    _no_secret_in(stdout, stderr)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"COSTBOT_LOG_LEVEL": "LOUD"}, "COSTBOT_LOG_LEVEL='LOUD' is not one of DEBUG, INFO"),
        ({"COSTBOT_LOG_FORMAT": "xml"}, "COSTBOT_LOG_FORMAT='xml' is not one of text or json"),
    ],
)
def test_a_wrong_log_setting_is_refused_with_a_message(tmp_path, variables, message):
    env = _env(
        tmp_path / "costbot.db",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        COSTBOT_PORT=str(_free_port()),
        **variables,
    )
    refused = subprocess.run(RUN, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert refused.returncode == 1
    assert message in refused.stderr and "unset it for the default" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "costbot.db").exists()  # refused before anything else started


def test_ingest_configures_logging_too_and_refuses_a_wrong_level(tmp_path):
    ingest = [*RUN[:-1], "ingest", str(tmp_path / "missing.csv")]
    env = _env(tmp_path / "costbot.db", COSTBOT_LOG_LEVEL="chatty")
    refused = subprocess.run(
        ingest, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )

    assert refused.returncode == 1
    assert "COSTBOT_LOG_LEVEL='chatty' is not one of DEBUG, INFO" in refused.stderr
    assert "Traceback" not in refused.stderr
