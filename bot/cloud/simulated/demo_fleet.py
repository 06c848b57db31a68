"""The demo organisation's GPU machines (bot/sources/demo.py: its projects, teams, owners and
list prices), for `make demo`:

- recsys' 8-GPU training machine whose job stalled two and a half hours ago: all 8 GPUs at 0%,
  so the first scan proves it idle and proposes a stop in #recsys (the billing data's stalled
  node, with its instance id for the seed: the cost anomaly and the proposal name one machine);
- a fraud-detection notebook, owned by Ada (her e-mail, looked up in Slack), busy at first and
  idle `idle_after_minutes` after the demo starts (proposed once the policy's window has passed);
- llm-chat's training machine, busy all along: never proposed;
- a recsys GPU box tagged `costbot:keep=true`: idle, but left alone.
"""

from __future__ import annotations

from decimal import Decimal

from bot.cloud.simulated.config import SimulatedMachine
from bot.sources.demo import stalled_nodes

DEMO_SEED = 7  # `costbot demo`'s default seed
NOTEBOOK_ID = "i-0f4a2d9e8b7c60002"
TRAINING_ID = "i-0a7c3e5f9d1b20003"
KEPT_ID = "i-0b9d1f3a5c7e40004"


def _tags(project: str, team: str, owner: str, name: str, **extra: str) -> dict[str, str]:
    return {"project": project, "team": team, "owner": owner, "Name": name, **extra}


def stalled_id(seed: int = DEMO_SEED) -> str:
    """The stalled machine's instance id in the demo data of `seed`."""
    return stalled_nodes(seed)[0][1]


STALLED_ID = stalled_id()


def demo_fleet(seed: int = DEMO_SEED) -> tuple[SimulatedMachine, ...]:
    """The demo organisation's machines, the stalled one as the billing data of `seed` has it."""
    name, instance_id = stalled_nodes(seed)[0]
    tags = {**_STALLED.tags, "Name": name}
    return (_STALLED.model_copy(update={"id": instance_id, "name": name, "tags": tags}), *_OTHERS)


_STALLED = SimulatedMachine(
    id="i-0stalled",
    name="recsys-train-p4d-stalled-1",
    type="p4d.24xlarge",
    gpus=8,
    hourly_cost=Decimal("32.7726"),
    tags=_tags("recsys", "personalization", "bob@example.com", "recsys-train-p4d-stalled-1"),
    launched_minutes_ago=9 * 60,
    idle_from_minutes=-150,
)
_OTHERS: tuple[SimulatedMachine, ...] = (
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
