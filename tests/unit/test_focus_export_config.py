"""The focus_export entries of costbot.example.yml (commented out there) are valid config."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings import CostbotConfig

EXAMPLE = Path(__file__).parents[2] / "costbot.example.yml"


def test_the_commented_focus_export_examples_load():
    commented = EXAMPLE.read_text(encoding="utf-8").split("\n# sources:\n", 1)[1]
    block = "sources:\n" + "\n".join(line[2:] for line in commented.splitlines())
    config = CostbotConfig.model_validate(yaml.safe_load(block))

    exports = [s for s in config.sources if s.type == "focus_export"]
    assert [(s.name, s.path) for s in exports] == [
        ("aws-focus", "s3://my-billing-bucket/exports"),
        ("azure-focus", "/mnt/cost-exports/focus-monthly"),
    ]
