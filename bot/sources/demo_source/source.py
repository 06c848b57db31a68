"""The demo organisation as a live source: one more day of billing appears at each run.

It starts `behind_days` behind today and catches up a day per run, so the sandbox shows data
arriving, `/cost status` shows the lag shrinking, and a month that did not change is skipped.
The files are ordinary FOCUS 1.2 CSV, one per billing month, read by the FOCUS reader.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field

from bot.services.snapshot_ports import SnapshotUnit, SourceContext
from bot.sources.demo import MAX_DAYS, usage_file_for, write_demo_data
from bot.sources.focus.source import FocusSource
from bot.sources.registry import SourceConfig

STATE_FILE = "demo-source.json"
DEMO_FILES = "focus-1.2-demo-*.csv"  # the names write_demo_data gives its files


class DemoSourceConfig(SourceConfig):
    type: Literal["demo"] = "demo"
    path: Path = Path("demo-data")
    days: int = Field(default=90, ge=1, le=MAX_DAYS)  # history written at the first run
    behind_days: int = Field(default=3, ge=0, le=60)  # how far behind today the first run ends
    seed: int = 7
    # A stalled training job holds GPU nodes all day this many days before the first run's
    # today (an anomaly for the alerts to find); None for no incident.
    incident_days_ago: int | None = Field(default=2, ge=1, le=60)


class DemoSource:
    def __init__(self, config: DemoSourceConfig, context: SourceContext) -> None:
        self.name = config.name
        self._config = config
        self._context = context
        self._reader = FocusSource(context.rules)

    def units(self) -> list[SnapshotUnit]:
        """Write the next day (or the first history), then offer one unit per month file."""
        self._advance()
        return [self._unit(path) for path in sorted(self._config.path.glob(DEMO_FILES))]

    def _advance(self) -> None:
        state_path = self._config.path / STATE_FILE
        today = self._context.today()
        if state_path.exists():
            state = json.loads(state_path.read_text(encoding="utf-8"))
            first, through = (
                date.fromisoformat(state["first"]),
                date.fromisoformat(state["through"]),
            )
            if through >= today:
                return  # caught up: nothing new until tomorrow
            through += timedelta(days=1)
            incident = state.get("incident")
        else:
            # A folder without the demo's state holds an older demo's files, of other days.
            for stale in self._config.path.glob(DEMO_FILES):
                stale.unlink()
            through = today - timedelta(days=self._config.behind_days)
            first = through - timedelta(days=self._config.days - 1)
            ago = self._config.incident_days_ago
            incident = (today - timedelta(days=ago)).isoformat() if ago else None
        days = (through - first).days + 1
        write_demo_data(
            self._config.path,
            days=days,
            seed=self._config.seed,
            end=through,
            incident_on=date.fromisoformat(incident) if incident else None,
            usage_file=usage_file_for(self._config.path),
        )
        state = {"first": first.isoformat(), "through": through.isoformat(), "incident": incident}
        state_path.write_text(json.dumps(state), encoding="utf-8")

    def _unit(self, path: Path) -> SnapshotUnit:
        # The content, not the mtime: every run rewrites the files, most of them identically.
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        month = path.stem.rsplit("-", 2)[-2:]
        return SnapshotUnit(
            key="-".join(month),
            label=path.name,
            fingerprint=digest,
            open=lambda: self._reader.open([path]),
            inputs=1,
        )
