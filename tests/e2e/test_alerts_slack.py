"""Alerts through the fake Slack: the right channel and mentions, once; buttons work and show
who pressed them; a 429 and a 500 are retried; two evaluator processes post each alert once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.outbox import OutboxDelivery
from bot.slack_notifier import SlackNotifier
from storage.db import make_session_factory
from storage.repositories.snapshots import SqlOutbox
from tests.alert_data import TODAY, extra, ingest_rows
from tests.e2e.alert_world import DEFAULT_CHANNEL, FRAUD_CHANNEL, alert_world
from tests.e2e.conftest import texts

ADA, BEN = "U0SANDBOX1", "U0SANDBOX2"
EVALUATE = [sys.executable, "-c", "from bot.cli import main; main()", "alerts", "evaluate"]


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the bot did not answer in time")


def test_alerts_land_in_their_channels_once_with_mentions(tmp_path: Path, monkeypatch):
    with alert_world(tmp_path, monkeypatch) as world:
        world.evaluate_and_deliver()
        fraud = world.posted(FRAUD_CHANNEL)
        assert len(fraud) == 2  # the 80% threshold and the forecast
        assert all(m.text.startswith("<@U0SANDBOX1> <!subteam^S0BUDGET01>") for m in fraud)
        assert "Budget alert" in fraud[0].text and "Forecast alert" in fraud[1].text
        # costbot is not in #research: the spike comes to the default channel and says so.
        # It is the only anomaly there: the ramp, the weekly pattern and the one-time
        # purchase (projects ramping, weekly, feeful, routed to the default too) are not.
        (spike,) = world.posted(DEFAULT_CHANNEL)
        shown = texts(spike)
        assert spike.text.startswith("<@U0SANDBOX2> Cost anomaly: project spiky")
        assert "costbot is not in #research" in shown and "Amazon SageMaker +$600.00" in shown
        assert "Day judged: 2024-09-19" in shown

        world.evaluate_and_deliver()
        assert len(world.posted(FRAUD_CHANNEL)) == 2 and len(world.posted(DEFAULT_CHANNEL)) == 1


def test_buttons_acknowledge_snooze_and_breakdown(tmp_path: Path, monkeypatch):
    with alert_world(tmp_path, monkeypatch) as world:
        world.evaluate_and_deliver()
        threshold, forecast = world.posted(FRAUD_CHANNEL)

        assert world.click(threshold, "alert_acknowledge", ADA).status == 200
        acknowledged = wait_for(
            lambda: next(
                (
                    m
                    for m in world.posted(FRAUD_CHANNEL)
                    if "Acknowledged by <@U0SANDBOX1>" in texts(m)
                ),
                None,
            )
        )
        assert acknowledged.ts == threshold.ts  # updated in place
        world.click(acknowledged, "alert_acknowledge", BEN)
        told = wait_for(lambda: world.state.messages(FRAUD_CHANNEL, visible_to=BEN)[2:])
        assert "already acknowledged by U0SANDBOX1 at 2024-09-20" in texts(told[-1])
        assert told[-1].ephemeral_to == BEN

        # Ben is neither a budget editor nor mentioned: his Snooze is refused, privately.
        world.click(forecast, "alert_snooze", BEN)
        refused = wait_for(
            lambda: [
                m
                for m in world.state.messages(FRAUD_CHANNEL, visible_to=BEN)
                if m.ephemeral_to == BEN and "may snooze it" in texts(m)
            ]
        )
        assert "nothing was changed" in texts(refused[-1])
        assert world.services.alerts._ledger.snoozes(datetime(2024, 9, 20, tzinfo=UTC)) == {}
        world.click(forecast, "alert_snooze", ADA)
        wait_for(
            lambda: [
                m
                for m in world.posted(FRAUD_CHANNEL)
                if "Snoozed by <@U0SANDBOX1> until 2024-09-27" in texts(m)
            ]
        )
        # Fraud now reaches 100%: reported as snoozed, not told (and not used up).
        more = [extra("fraud", "risk", TODAY - timedelta(days=1), "1000", ChargeCategory="Usage")]
        ingest_rows(world.services, tmp_path, more, name="more.csv")
        report = world.evaluate_and_deliver()
        snoozed = [a for a in report if a.key.endswith("threshold:100")]
        assert [a.status for a in snoozed] == ["snoozed"]
        assert len(world.posted(FRAUD_CHANNEL)) == 2

        world.click(threshold, "alert_breakdown", ADA)
        answer = wait_for(
            lambda: [
                m
                for m in world.state.messages(FRAUD_CHANNEL, visible_to=ADA)
                if m.ephemeral_to == ADA and "fraud" in texts(m).lower()
            ]
        )
        assert "$" in texts(answer[-1])


def test_a_429_and_a_500_are_retried_and_the_alert_arrives_once(tmp_path: Path, monkeypatch):
    with alert_world(tmp_path, monkeypatch) as world:
        world.state.fail_next("chat.postMessage", 429, retry_after=1)
        world.evaluate_and_deliver()  # the 429 waited out inside the client
        assert len(world.posted(FRAUD_CHANNEL)) == 2

        more = [extra("fraud", "risk", TODAY - timedelta(days=1), "1000", ChargeCategory="Usage")]
        ingest_rows(world.services, tmp_path, more, name="more.csv")
        world.state.fail_next("chat.postMessage", 500)
        report = world.evaluate_and_deliver()
        assert [a.status for a in report if a.key.endswith("threshold:100")] == ["pending"]
        assert len(world.posted(FRAUD_CHANNEL)) == 2  # kept, to be retried after a wait
        later = OutboxDelivery(
            SqlOutbox(make_session_factory(world.services.engine)),
            SlackNotifier(world.delivery._notifier._client),
            clock=lambda: datetime.now(UTC) + timedelta(minutes=5),
        )
        assert later.deliver_pending() == 1
        assert later.deliver_pending() == 0
        fraud = world.posted(FRAUD_CHANNEL)
        assert len(fraud) == 3 and "100% threshold" in fraud[-1].text


def test_two_evaluator_processes_post_each_alert_once(store, tmp_path: Path, monkeypatch):
    with alert_world(tmp_path, monkeypatch, store.url) as world:
        env = {
            **os.environ,
            "COSTBOT_DATABASE_URL": world.database_url,
            "COSTBOT_CONFIG": str(world.config),
            "COSTBOT_TODAY": TODAY.isoformat(),
        }
        runs = [
            subprocess.Popen([*EVALUATE, "--json"], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [json.loads(run.communicate(timeout=120)[0]) for run in runs]
        assert [run.returncode for run in runs] == [0, 0]
        # Each alert claimed by one process (posted, or pending while the other posted it).
        claimed = [
            a["key"]
            for out in outputs
            for a in out["alerts"]
            if a["status"] in ("posted", "pending")
        ]
        assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 3
        messages = world.posted(FRAUD_CHANNEL) + world.posted(DEFAULT_CHANNEL)
        assert len(messages) == 3 and len({m.text for m in messages}) == 3
