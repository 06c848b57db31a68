"""The config the alert integration and e2e tests run with (see tests/alert_data.py)."""

from __future__ import annotations

from pathlib import Path

CONFIG = """
currency: USD
budgets:
  - project: fraud
    amount: 2000
    mention: [U0SANDBOX1, S0BUDGET01]
  - project: spiky
    amount: 100000
    mention: [U0SANDBOX2]
channels:
  default: "#cloud-costs"
  by_project:
    fraud: "#fraud-detection"
    spiky: "#research"
  by_team:
    ml-platform: "#ml-platform"
alerts:
  anomaly:
    dimensions: [project]
"""


def write_config(folder: Path, text: str = CONFIG) -> Path:
    path = folder / "costbot.yml"
    path.write_text(text)
    return path
