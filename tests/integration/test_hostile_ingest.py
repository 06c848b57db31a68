"""Hostile files against the real `costbot ingest` process, on SQLite and PostgreSQL.

Each refusal must be a message on stderr naming the file (never a traceback), and must leave
every table of the store exactly as it was; rows the store cannot keep are rejected with a
reason and skippable. A file changed while the process reads it is refused or read whole.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.domain.periods import Period
from tests.helpers import snapshot, stored_totals
from tests.hostile_files import (
    BAD_ROWS,
    GOOD_ROW,
    GOOD_ROWS_IN_BAD_FILES,
    HEADER,
    REFUSED_FILES,
    bad_rows_files,
    write_rows,
)

COSTBOT = str(Path(sys.executable).with_name("costbot"))
SEPTEMBER = Period(date(2024, 9, 1), date(2024, 9, 30), "september")
SEED_PER_DAY = Decimal(7)


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "COSTBOT_DATABASE_URL": url, "COSTBOT_TODAY": "2024-09-30"}


def _ingest(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [COSTBOT, "ingest", *args],
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def seeded(store, tmp_path):
    """A store holding September 2024 (7 USD a day), which no refused file may touch."""
    rows = [
        {
            "EffectiveCost": str(SEED_PER_DAY),
            "ChargePeriodStart": f"2024-09-{day:02}T00:00:00Z",
            "ChargePeriodEnd": f"2024-09-{day:02}T01:00:00Z",
            "Tags": '{"project": "seed"}',
        }
        for day in range(1, 31)
    ]
    store.services.ingest.ingest([write_rows(tmp_path / "seed.csv", rows)])
    return store


def _refused_cleanly(result: subprocess.CompletedProcess, path: Path, message: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert str(path) in result.stderr, result.stderr
    assert message in result.stderr, result.stderr


def test_every_hostile_file_is_refused_with_a_message_and_changes_nothing(seeded, tmp_path):
    before = snapshot(seeded.url)
    running = []
    for case in REFUSED_FILES:
        folder = tmp_path / case.name
        folder.mkdir()
        path = case.make(folder)
        process = subprocess.Popen(
            [COSTBOT, "ingest", str(path)],
            env=_env(seeded.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        running.append((case, path, process))
    for case, path, process in running:
        try:
            out, err = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"{case.name}: costbot ingest did not finish")
        result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
        _refused_cleanly(result, path, case.message)

    assert snapshot(seeded.url) == before


def test_rows_the_store_cannot_keep_are_rejected_alike_and_can_be_skipped(seeded, tmp_path):
    paths = bad_rows_files(tmp_path)
    before = snapshot(seeded.url)

    refused = _ingest(seeded.url, *map(str, paths))

    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    for index, (_bad, reason) in enumerate(BAD_ROWS[: len(BAD_ROWS) // 2]):
        assert f"  line {2 + 2 * index}: " in refused.stderr
        assert reason in refused.stderr.splitlines()[1 + index]
    for _bad, reason in BAD_ROWS:
        assert reason in refused.stderr, (reason, refused.stderr)
    assert "--skip-bad-rows" in refused.stderr
    assert snapshot(seeded.url) == before

    skipped = _ingest(seeded.url, "--skip-bad-rows", *map(str, paths))

    assert skipped.returncode == 0 and "Traceback" not in skipped.stderr, skipped.stderr
    assert f"rows rejected  {len(BAD_ROWS)}" in skipped.stdout
    # September 1st now holds the good rows only; the other days are the seed's.
    first = Period(SEPTEMBER.start, SEPTEMBER.start, "day")
    assert stored_totals(seeded.services, first) == {"USD": Decimal(GOOD_ROWS_IN_BAD_FILES)}
    assert stored_totals(seeded.services, SEPTEMBER) == {
        "USD": SEED_PER_DAY * 29 + GOOD_ROWS_IN_BAD_FILES
    }
    engine = create_engine(seeded.url)
    with engine.connect() as connection:
        longest = connection.execute(
            text("SELECT max(length(service_name)), max(length(resource_id)) FROM cost_keys")
        ).one()
    engine.dispose()
    assert tuple(longest) == (len("Amazon EC2"), len("i-good"))


def test_tags_nested_too_deeply_are_unreadable_tags_not_a_crash(seeded, tmp_path):
    deep = '{"a":' * 50_000 + "1" + "}" * 50_000
    path = write_rows(tmp_path / "deep_tags.csv", [{"Tags": deep}, {}])

    result = _ingest(seeded.url, str(path))

    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "rows with unreadable Tags 1 (their cost is unallocated)" in result.stdout


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_sqlite_lock_held_past_the_timeout_is_a_message(seeded, tmp_path):
    path = write_rows(tmp_path / "ok.csv", [{}])
    database = seeded.url.removeprefix("sqlite:///")
    before = snapshot(seeded.url)
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        result = _ingest(f"{seeded.url}?timeout=1", str(path), timeout=60)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "the store is busy: another ingest or process holds its write lock" in result.stderr
    assert waited < 30
    assert snapshot(seeded.url) == before


# --- a file that changes while it is read ----------------------------------------------------

BIG_ROWS = 250_000
TRIES = 2


def _big_september(path: Path) -> Decimal:
    """BIG_ROWS rows of 1.00 over September, in day order (about 34 MB); returns the total."""
    per_day = BIG_ROWS // 30
    prefix = ",".join(GOOD_ROW[n] for n in HEADER[:4])
    lines = [",".join(HEADER)]
    for index in range(BIG_ROWS):
        day = min(index // per_day, 29) + 1
        lines.append(
            f"{prefix},2024-09-{day:02}T00:00:00Z,2024-09-{day:02}T01:00:00Z,111122223333,"
            f'Amazon EC2,us-east-1,i-{index % 500},ml-prod,"{{""project"": ""big""}}"'
        )
    path.write_text("\n".join(lines) + "\n")
    return Decimal(BIG_ROWS)


def _wait_until_reading(process: subprocess.Popen, path: Path, deadline: float) -> bool:
    """True once the process holds `path` open at a position past its start."""
    fds = Path(f"/proc/{process.pid}/fd")
    while time.monotonic() < deadline and process.poll() is None:
        try:
            for fd in fds.iterdir():
                if os.readlink(fd) == str(path):
                    position = (fds.parent / "fdinfo" / fd.name).read_text().split()[1]
                    if int(position) > 0:
                        return True
        except (FileNotFoundError, ProcessLookupError):
            pass
        time.sleep(0.005)
    return False


def _truncate_at_a_line_end(path: Path) -> None:
    with path.open("rb+") as handle:
        handle.seek(path.stat().st_size // 3)
        handle.readline()
        handle.truncate(handle.tell())


def _append_a_day(path: Path) -> None:
    with path.open("a") as handle:
        prefix = ",".join(GOOD_ROW[n] for n in HEADER[:4])
        for index in range(20_000):
            handle.write(
                f"{prefix},2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,111122223333,"
                f"Amazon EC2,us-east-1,i-{index},ml-prod,\n"
            )


@pytest.mark.parametrize("change", [_truncate_at_a_line_end, _append_a_day])
def test_a_file_changed_while_it_is_read_is_refused_or_read_whole(
    seeded, tmp_path, change, tmp_path_factory
):
    original = tmp_path_factory.getbasetemp() / "big_september.csv"
    total = _big_september(original) if not original.exists() else Decimal(BIG_ROWS)
    path = tmp_path / "september.csv"
    outcomes = []
    for _ in range(TRIES):
        path.write_bytes(original.read_bytes())
        before = snapshot(seeded.url)
        process = subprocess.Popen(
            [COSTBOT, "ingest", str(path)],
            env=_env(seeded.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        reading = _wait_until_reading(process, path, time.monotonic() + 60)
        change(path)
        out, err = process.communicate(timeout=120)
        assert "Traceback" not in err, err
        if process.returncode == 0:
            # Read whole before the change: the complete file, never a part of it.
            assert f"rows read      {BIG_ROWS:,}" in out, out
            assert stored_totals(seeded.services, SEPTEMBER) == {"USD": total}
            outcomes.append("complete")
        else:
            assert f"{path}: the file changed while it was read" in err, err
            assert "ingest it again once it is complete" in err
            assert snapshot(seeded.url) == before
            outcomes.append("refused")
        assert reading, "the ingest never started reading the file"
    assert len(outcomes) == TRIES
