"""`costbot report --post #finance` through the fake Slack's real Web API: one message with
the summary table and the check line, and the report's CSV attached, once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.app import build_services
from bot.sandbox import SandboxServer
from bot.sandbox.state import DEFAULT_CHANNELS, Channel, SandboxState
from bot.settings import Settings
from bot.sources.demo import write_demo_data
from tests.e2e.conftest import texts

TOKEN = "xoxb-0000000000-report"
FINANCE = "C0FINANCE1"
COSTS = "C0COSTS001"
COSTBOT = [sys.executable, "-c", "from bot.cli import main; main()"]
RULES = [
    {"name": "support", "match": {"service": "aws support (business)"}, "split": "proportional"},
]


@pytest.fixture
def world(tmp_path: Path):
    """Two demo months ingested and re-split; a sandbox with #finance; the CLI's environment."""
    config = tmp_path / "costbot.yml"
    config.write_text(
        yaml.safe_dump({"allocation": {"shared": RULES}, "channels": {"default": "#cloud-costs"}})
    )
    url = f"sqlite:///{tmp_path / 'costbot.db'}"
    services = build_services(Settings(database_url=url), config)
    files = write_demo_data(tmp_path / "demo", days=71, seed=7, end=date(2026, 11, 10))
    services.ingest.ingest(files, source="demo")
    services.shared.reallocate()
    services.engine.dispose()
    finance = Channel(FINANCE, "finance", "Where the monthly chargeback goes")
    state = SandboxState(channels=[*DEFAULT_CHANNELS, finance])
    with SandboxServer(state, bot_token=TOKEN, signing_secret="s" * 32) as sandbox:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "COSTBOT_"))
        }
        env |= {
            "COSTBOT_DATABASE_URL": url,
            "COSTBOT_CONFIG": str(config),
            "SLACK_BOT_TOKEN": TOKEN,
            "COSTBOT_SLACK_API_URL": sandbox.api_url,
        }
        yield sandbox, env


def costbot(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COSTBOT, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_report_is_posted_once_with_its_csv(world):
    sandbox, env = world
    posted = costbot(env, "report", "--month", "2026-10", "--post", "#finance")
    assert posted.returncode == 0, posted.stderr
    assert f"posted to {FINANCE}" in posted.stderr
    assert posted.stdout.startswith("# Chargeback 2026-10 by project")

    (message,) = sandbox.state.messages(FINANCE)
    shown = texts(message)
    assert message.text.startswith("Chargeback 2026-10 by project: $")
    assert message.blocks[0]["type"] == "header"
    assert "fraud-detection" in shown and "the month's bill" in shown
    assert ":white_check_mark: The rows add up to" in shown
    # The CSV is attached: shared in #finance, with the rows the CLI prints as CSV.
    (file_id,) = message.file_ids
    attached = sandbox.state.file(file_id)
    assert attached is not None
    assert attached.name == "chargeback-2026-10-project.csv"
    assert attached.channels == [FINANCE]
    printed = costbot(env, "report", "--month", "2026-10", "--format", "csv")
    assert attached.content.decode("utf-8") == printed.stdout
    assert "shared:support" in printed.stdout.splitlines()[0]

    again = costbot(env, "report", "--month", "2026-10", "--post", "Finance", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert '"status": "already_posted"' in again.stdout
    assert len(sandbox.state.messages(FINANCE)) == 1
    assert len(sandbox.state.calls("files.getUploadURLExternal")) == 1
    assert len(sandbox.state.calls("chat.postMessage")) == 1


def test_a_channel_costbot_is_not_in_gets_the_default_and_says_so(world):
    sandbox, env = world
    posted = costbot(
        env, "report", "--month", "2026-10", "--dimension", "team", "--post", "#research"
    )
    assert posted.returncode == 0, posted.stderr
    assert "costbot is not in #research" in posted.stderr
    assert sandbox.state.messages("C0RESEARCH") == []
    (message,) = sandbox.state.messages(COSTS)
    assert "costbot is not in #research, so it posted here" in texts(message)
    assert message.file_ids


def test_a_bad_month_posts_nothing(world):
    sandbox, env = world
    refused = costbot(env, "report", "--month", "October", "--post", "#finance")
    assert refused.returncode == 2 and "YYYY-MM" in refused.stderr
    assert sandbox.state.calls("chat.postMessage") == []
