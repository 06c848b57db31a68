"""`/cost untagged` end to end: signed slash commands to the real bot on the demo store,
answers through the fake Slack."""

from __future__ import annotations

import re

from tests.e2e.conftest import ADA, texts


def sections(message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def test_untagged_answer_is_actionable(world):
    message = world.ask("untagged 30d")

    assert message.ephemeral_to == ADA
    assert message.text.startswith("Untagged cost 30d: $")
    assert "% tagged)" in message.text
    body = sections(message)
    assert re.search(
        r"has no project or team tag \(of \$[\d,.]+; [\d.]+% of cost is tagged\)", body[0]
    )
    assert re.search(r"Tag coverage by week: W\d\d \d+% → W\d\d \d+%", body[0])
    [tag_first] = [s for s in body if s.startswith("*Tag these first*")]
    # The demo's untagged resources are named after their projects: the hint says whose.
    assert "its name contains project fraud-detection" in tag_first
    assert "account ml-research" in tag_first
    [untaggable] = [s for s in body if s.startswith("*Untaggable*")]
    assert "Support · AWS Support (Business)" in untaggable
    assert "Data transfer · AWS Data Transfer" in untaggable
    shown = texts(message)
    assert "no resource id" not in shown
    assert "$0.00" not in shown


def test_untagged_answer_keeps_within_block_kit_limits(world):
    message = world.ask("untagged ytd")

    assert 0 < len(message.blocks) <= 50
    assert all(len(text) <= 3000 for text in sections(message))
    assert any(b["type"] == "actions" for b in message.blocks)  # share in channel
