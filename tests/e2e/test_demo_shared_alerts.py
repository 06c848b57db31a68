"""The demo's first anomaly and digest, as posted in the fake Slack, say the shared cost in
their numbers: recsys receives the `platform` (proportional) and `gpu-pool` (usage: GPU
hours) rules, and all cost's project numbers include both."""

from __future__ import annotations

import re

from tests.e2e.conftest import texts

RECSYS = "C0RECSYS01"
CLOUD_COSTS = "C0COSTS001"
MONEY = r"\$[\d,]+\.\d\d"


def posted(world, channel: str, start: str):
    world.settle()
    found = [
        m
        for m in world.state.messages(channel)
        if m.ephemeral_to is None and m.text.startswith(start)
    ]
    assert len(found) == 1, [m.text[:80] for m in world.state.messages(channel)]
    return found[0]


def test_the_demo_anomaly_says_its_shared_part_and_the_usual(world):
    anomaly = posted(world, RECSYS, "Cost anomaly: project recsys")
    sentence = re.compile(
        rf"The day's cost includes {MONEY} shared cost \((platform \(proportional\), gpu-pool "
        rf"\(usage: GPU hours\)|gpu-pool \(usage: GPU hours\), platform \(proportional\))\); "
        rf"usually {MONEY}\."
    )
    assert sentence.search(anomaly.text), anomaly.text
    assert sentence.search(texts(anomaly).split("\n", 2)[2])  # the blocks say it too


def test_the_demo_digest_says_the_shared_part_of_the_project_numbers(world):
    digest = posted(world, CLOUD_COSTS, "Daily digest · all cost")
    assert re.search(rf"projects include {MONEY} shared cost", digest.text), digest.text
    line = re.compile(
        rf"\*Shared cost\* on \w{{3}} \d{{4}}-\d\d-\d\d: project numbers include {MONEY} of "
        r"shared cost split by rules (gpu-pool|platform) .*; the total is unchanged\."
    )
    assert line.search(texts(digest)), texts(digest)
