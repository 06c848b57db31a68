"""`costbot reallocate` on a real store: its JSON, its text, and a usage file it cannot read."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli import app
from tests.integration.shared_data import pandas_day_totals, write_config, write_org

runner = CliRunner()
PLATFORM = {"name": "platform", "match": {"project": "shared-platform"}}


def test_reallocate_prints_what_it_moved_as_json_in_cents(store, tmp_path, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    org = write_org(tmp_path / "org.csv")
    store.services.ingest.ingest([org])
    config = write_config(
        tmp_path / "costbot.yml",
        [PLATFORM | {"split": "fixed", "weights": {"recsys": 2, "fraud-detection": 1}}],
    )

    result = runner.invoke(app, ["reallocate", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {
        "rules", "start", "end", "entries", "moved", "kept", "fallback_days", "seconds", "version",
    }  # fmt: skip
    assert (body["rules"], body["start"], body["end"]) == (1, "2024-09-01", "2024-09-03")
    assert body["moved"] == {"platform": {"EUR": 16.65, "USD": 37.5}}
    assert body["kept"] == {} and body["fallback_days"] == {}
    assert body["version"] == 1 and body["entries"] > 0
    assert sum(pandas_day_totals(org).values()) > 0

    text = runner.invoke(app, ["reallocate", "--config", str(config)])
    assert text.exit_code == 0
    assert "re-split shared cost by 1 rule(s) over days 2024-09-01 .. 2024-09-03" in text.stdout
    assert "moved        EUR 16.65, USD 37.50" in text.stdout
    assert "version        2" in text.stdout


def test_reallocate_with_an_unreadable_usage_file_exits_1_and_names_the_fix(
    store, tmp_path, monkeypatch
):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    store.services.ingest.ingest([write_org(tmp_path / "org.csv")])
    usage = tmp_path / "gpu.csv"
    usage.write_text("day,team,quantity\n2024-09-01,recsys,2\n")
    config = write_config(
        tmp_path / "costbot.yml", [PLATFORM | {"split": "usage", "usage": {"file": str(usage)}}]
    )
    result = runner.invoke(app, ["reallocate", "--json", "--config", str(config)])
    assert result.exit_code == 1
    assert "no column 'receiver' for the receiver (its columns: day, team, quantity)" in (
        result.stderr
    )
    assert "usage.columns.receiver" in result.stderr
    assert result.stdout == ""
