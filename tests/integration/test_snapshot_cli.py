"""`costbot snapshot` and `costbot status` as a person runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.source_status import SOURCE_STATUS_KEYS
from tests.conftest import FOCUS_FIXTURES

runner = CliRunner()
TODAY = "2026-11-20"


@pytest.fixture
def cli(store, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    monkeypatch.setenv("COSTBOT_TODAY", TODAY)

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


def _config(tmp_path: Path, *sources: str) -> str:
    path = tmp_path / "sources.yml"  # not costbot.yml: that one is read by default
    path.write_text("sources:\n" + "".join(sources), encoding="utf-8")
    return str(path)


def _demo(tmp_path: Path, name: str = "demo", folder: str = "demo-data") -> str:
    return (
        f"  - name: {name}\n    type: demo\n    path: {tmp_path / folder}\n"
        "    days: 20\n    behind_days: 2\n    schedule: {every: 6h}\n"
    )


def test_snapshot_json_reports_each_source_and_a_rerun_is_unchanged(cli, tmp_path):
    config = _config(tmp_path, _demo(tmp_path))
    code, out, err = cli("snapshot", "--json", "--config", config)
    assert code == 0, err
    (first,) = json.loads(out)["sources"]
    assert set(first) == {
        "name",
        "type",
        "status",
        "files",
        "rows_read",
        "days_replaced",
        "seconds",
        "error",
    }
    assert (first["name"], first["type"], first["status"], first["error"]) == (
        "demo",
        "demo",
        "ok",
        None,
    )
    # October and November, whole: each file is a billing period, with monthly fees spread.
    assert first["files"] == 2 and first["rows_read"] > 0 and first["days_replaced"] == 61
    # Each run adds the next day: only the month that changed is read.
    code, out, _ = cli("snapshot", "--json", "--config", config)
    (second,) = json.loads(out)["sources"]
    assert (second["status"], second["files"], second["days_replaced"]) == ("ok", 1, 30)
    code, out, _ = cli("snapshot", "--json", "--config", config)
    code, out, _ = cli("snapshot", "--json", "--config", config)
    (caught_up,) = json.loads(out)["sources"]
    assert (caught_up["status"], caught_up["files"], caught_up["rows_read"]) == (
        "unchanged",
        0,
        0,
    )


def test_a_failing_source_exits_1_and_the_others_still_run(cli, tmp_path):
    (tmp_path / "not-a-folder").write_text("a file where a folder should be")
    config = _config(tmp_path, _demo(tmp_path, "broken", "not-a-folder"), _demo(tmp_path))
    code, out, err = cli("snapshot", "--config", config)
    assert code == 1
    broken, demo = out.strip().split("\n", 1)
    assert broken.startswith("broken (demo): failed")
    assert "error:" in demo.splitlines()[0] and demo.splitlines()[1].startswith("demo (demo): ok")
    code, out, _ = cli("snapshot", "--source", "demo", "--json", "--config", config)
    assert code == 0 and [s["name"] for s in json.loads(out)["sources"]] == ["demo"]
    code, _out, err = cli("snapshot", "--source", "nope", "--config", config)
    assert code == 1 and "no source named 'nope'; configured sources: broken, demo" in err


def test_status_json_has_exactly_the_keys_and_tells_the_truth(cli, tmp_path):
    (tmp_path / "not-a-folder").write_text("x")
    config = _config(tmp_path, _demo(tmp_path), _demo(tmp_path, "broken", "not-a-folder"))
    cli("ingest", str(FOCUS_FIXTURES / "focus_sample_1.0.csv"), "--source", "by-hand")
    cli("snapshot", "--config", config)
    code, out, err = cli("status", "--json", "--config", config)
    assert code == 0, err
    statuses = {s["name"]: s for s in json.loads(out)["sources"]}
    assert list(statuses) == ["demo", "broken", "by-hand"]
    for status in statuses.values():
        assert tuple(status) == SOURCE_STATUS_KEYS
    demo = statuses["demo"]
    assert demo["data_through"] == "2026-11-18" and demo["lag_days"] == 2
    assert demo["last_success"].endswith("Z") and demo["consecutive_failures"] == 0
    # The schedule runs on the real clock (COSTBOT_TODAY pins the data's today only).
    next_run = datetime.fromisoformat(demo["next_run"])
    assert next_run > datetime.now(UTC) and next_run.hour % 6 == 0 and next_run.minute == 0
    broken = statuses["broken"]
    assert broken["last_success"] is None and broken["consecutive_failures"] == 1
    assert broken["last_error"] and broken["data_through"] is None
    by_hand = statuses["by-hand"]
    assert (by_hand["type"], by_hand["next_run"]) == ("ingest", None)
    assert date.fromisoformat(by_hand["data_through"]).year == 2024
    code, text, _ = cli("status", "--config", config)
    assert "demo (demo): ok; data through 2026-11-18, 2 days behind" in text
    assert "broken (demo): FAILING (1 in a row)" in text


def test_a_source_type_not_registered_is_a_config_error_naming_the_valid_types(cli, tmp_path):
    config = _config(tmp_path, "  - {name: x, type: focus_exprot}\n")
    code, _out, err = cli("status", "--config", config)
    assert code == 1 and "unknown source type 'focus_exprot'; valid types:" in err
    assert "demo" in err


def test_answers_are_as_fresh_as_the_most_behind_configured_source(cli, tmp_path):
    behind = _demo(tmp_path, "behind", "behind-data").replace("behind_days: 2", "behind_days: 5")
    config = _config(tmp_path, _demo(tmp_path), behind)
    assert cli("snapshot", "--config", config)[0] == 0
    code, out, err = cli("cost", "project", "fraud-detection", "--json", "--config", config)
    assert code == 0, err
    assert json.loads(out)["data_through"] == "2026-11-15"  # 5 days behind, not 2
    # Without the config, the store alone: its newest usage day.
    code, out, _ = cli("cost", "project", "fraud-detection", "--json")
    assert json.loads(out)["data_through"] == "2026-11-18"
