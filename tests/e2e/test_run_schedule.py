"""`costbot run` runs the schedule beside Slack by default; `--no-scheduler` only serves Slack."""

from __future__ import annotations

import signal

import pytest

from tests.e2e import running_bot as running_bot_module
from tests.e2e.running_bot import running_bot


@pytest.mark.parametrize("no_scheduler", [False, True])
def test_the_bot_runs_the_schedule_unless_told_not_to(tmp_path, monkeypatch, no_scheduler):
    if no_scheduler:
        monkeypatch.setattr(running_bot_module, "RUN", [*running_bot_module.RUN, "--no-scheduler"])

    with running_bot(tmp_path, f"sqlite:///{tmp_path / 'costbot.db'}") as bot:
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(timeout=15) in (0, -signal.SIGTERM)
        log = bot.log_text()

    if no_scheduler:
        assert "scheduler" not in log
    else:
        assert "started with 1 jobs" in log  # alerts:evaluate
        assert log.index("started with 1 jobs") < log.index("stopped")  # SIGTERM stopped it
