"""The demo organisation's GPU machines (bot/sources/demo.py: its projects, teams, owners and
list prices), for `make demo`:

- recsys' 8-GPU training machine whose job stalled two and a half hours ago: all 8 GPUs at 0%,
  so the first scan proves it idle and proposes a stop in #recsys;
- a fraud-detection notebook, owned by Ada (her e-mail, looked up in Slack), busy at first and
  idle `idle_after_minutes` after the demo starts (proposed once the policy's window has passed);
- llm-chat's training machine, busy all along: never proposed;
- a recsys GPU box tagged `costbot:keep=true`: idle, but left alone.
"""

from __future__ import annotations

from decimal import Decimal

from bot.cloud.simulated.config import SimulatedMachine

STALLED_ID = "i-0d4e5a1b2c3f40001"
NOTEBOOK_ID = "i-0f4a2d9e8b7c60002"
TRAINING_ID = "i-0a7c3e5f9d1b20003"
KEPT_ID = "i-0b9d1f3a5c7e40004"


def _tags(project: str, team: str, owner: str, name: str, **extra: str) -> dict[str, str]:
    return {"project": project, "team": team, "owner": owner, "Name": name, **extra}


DEMO_FLEET: tuple[SimulatedMachine, ...] = (
    SimulatedMachine(
        id=STALLED_ID,
        name="recsys-train-p4d-stalled-1",
        type="p4d.24xlarge",
        gpus=8,
        hourly_cost=Decimal("32.7726"),
        tags=_tags("recsys", "personalization", "bob@example.com", "recsys-train-p4d-stalled-1"),
        launched_minutes_ago=9 * 60,
        idle_from_minutes=-150,
    ),
    SimulatedMachine(
        id=NOTEBOOK_ID,
        name="ada-fraud-detection-nb",
        type="g5.xlarge",
        gpus=1,
        hourly_cost=Decimal("1.006"),
        tags=_tags("fraud-detection", "risk", "ada@example.com", "ada-fraud-detection-nb"),
        launched_minutes_ago=20,
    ),
    SimulatedMachine(
        id=TRAINING_ID,
        name="llm-chat-train-g5-1",
        type="g5.12xlarge",
        gpus=4,
        hourly_cost=Decimal("5.672"),
        region="us-west-2",
        tags=_tags("llm-chat", "genai", "carol@example.com", "llm-chat-train-g5-1"),
        busy=True,
    ),
    SimulatedMachine(
        id=KEPT_ID,
        name="recsys-feature-gpu",
        type="g5.2xlarge",
        gpus=1,
        hourly_cost=Decimal("1.212"),
        tags=_tags(
            "recsys", "personalization", "bob@example.com", "recsys-feature-gpu",
            **{"costbot:keep": "true"},
        ),
        idle_from_minutes=-240,
    ),
)  # fmt: skip
