"""A digest arrives once in its channel of the fake Slack, with its chart image, through the
Slack Web API; sending it again posts nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from slack_sdk import WebClient

from bot.app import build_services
from bot.sandbox import SandboxServer
from bot.sandbox.state import SandboxState
from bot.settings import Settings
from bot.slack_notifier import SlackNotifier
from tests.helpers import write_focus_csv

TOKEN = "xoxb-0000000000-digest"
CLOUD_COSTS = "C0COSTS001"  # the sandbox's #cloud-costs
TODAY = date(2026, 12, 2)
DAY = timedelta(days=1)


def _billing(tmp_path: Path) -> Path:
    rows = []
    for n in range(1, 31):
        day = TODAY - n * DAY
        span = {
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + DAY}T00:00:00Z",
        }
        rows += [
            {**span, "EffectiveCost": "12", "Tags": '{"project": "fraud-detection"}'},
            {**span, "EffectiveCost": "4", "Tags": '{"project": "recsys"}', "ResourceId": "i-2"},
        ]
    return write_focus_csv(tmp_path / "org.csv", rows)


def test_the_digest_arrives_once_with_its_image(tmp_path: Path):
    config = tmp_path / "costbot.yml"
    config.write_text('digests:\n  - {channel: "#cloud-costs", every: daily}\n')
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'costbot.db'}", today=TODAY)
    services = build_services(settings, config)
    services.ingest.ingest([_billing(tmp_path)], source="focus")
    assert services.digests is not None
    (digest,) = services.digests.digests
    with SandboxServer(SandboxState(), bot_token=TOKEN, signing_secret="s" * 32) as sandbox:
        delivery = services.outbox_delivery(
            SlackNotifier(WebClient(token=TOKEN, base_url=sandbox.api_url))
        )
        assert services.digests.send(digest, TODAY).status == "sent"
        assert delivery.deliver_pending() == 1
        assert services.digests.send(digest, TODAY).status == "already_sent"
        assert delivery.deliver_pending() == 0

        (message,) = sandbox.state.messages(CLOUD_COSTS)
        assert message.text.startswith("Daily digest · all cost · Tue 2026-12-01")
        body = json.dumps(message.blocks, ensure_ascii=False)
        assert "$16.00" in body and "covers Tue 2026-12-01" in body
        (shown,) = [block for block in message.blocks if block.get("type") == "image"]
        image = sandbox.state.file(shown["slack_file"]["id"])
        assert image is not None and image.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert image.name == "costbot-daily-digest-2026-12-01.png"
    services.engine.dispose()
