"""The alert ledger on SQLite and PostgreSQL: each key claimed once, by threads or processes,
with one outbox message; evaluation state, snoozes and the first acknowledgement."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.domain.budgets import BudgetScope
from bot.services.alert_ports import AlertClaim, AlertKind, AlertState, AuditEntry
from bot.services.snapshot_state import OutboxFile, OutboxItem
from storage.db import make_session_factory
from storage.models import OutboxMessage
from storage.repositories.alerts import SqlAlertLedger
from storage.repositories.budgets import SqlBudgetStore
from storage.repositories.snapshots import SqlOutbox

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
FRAUD = BudgetScope("project", "fraud-detection")


def _sessions(store):
    return make_session_factory(store.services.engine)


def _entry(action: str, subject: str, actor: str = "U0ALICE01") -> AuditEntry:
    return AuditEntry(actor=actor, action=action, subject=subject, at=AT)


def _claim(key: str, *, message: bool = True, day: date = date(2026, 11, 1)) -> AlertClaim:
    item = OutboxItem(key="", channel="C0FRAUDDT1", text=f"alert {key}") if message else None
    return AlertClaim(
        key=key,
        kind=AlertKind.THRESHOLD,
        scope=FRAUD.key(),
        state=AlertState.PENDING if message else AlertState.COVERED,
        channel="C0FRAUDDT1",
        day=day,
        detail={"threshold": 80},
        message=item,
    )


def test_a_claim_is_taken_once_and_only_its_first_claim_writes_a_message(store):
    ledger = SqlAlertLedger(_sessions(store))
    long_key = "budget:project=" + "x" * 1024 + ":monthly:2026-11-01:threshold:80"
    claims = [_claim(long_key), _claim("budget:all:monthly:2026-11-01:threshold:50", message=False)]
    state = {"anomaly:cursor": "2026-11-19", "gone": None}
    assert ledger.commit_evaluation(claims, state, AT) == {c.key for c in claims}
    assert ledger.commit_evaluation(claims, {"anomaly:cursor": "2026-11-20"}, AT) == set()
    assert ledger.evaluation_state() == {"anomaly:cursor": "2026-11-20"}
    records = {r.key: r for r in ledger.records(date(2026, 11, 1))}
    assert records[long_key].state is AlertState.PENDING
    assert records[long_key].detail == {"threshold": 80}
    assert ledger.records(date(2026, 11, 2)) == []
    outbox = SqlOutbox(_sessions(store))
    message = outbox.claim_next(AT, 60)
    assert message is not None and message.text == f"alert {long_key}"
    assert outbox.claim_next(AT, 60) is None  # one message: the covered claim has none
    outbox.mark_sent(message.id, AT, "C0FRAUDDT1", "1700000000.000100")
    assert ledger.record(long_key).state is AlertState.POSTED


def test_a_message_keeps_its_fallback_channel_and_image(store):
    ledger = SqlAlertLedger(_sessions(store))
    image = OutboxFile("digest.png", "Daily cost", b"\x89PNG\r\n")
    item = OutboxItem("", "#team", "digest", fallback_channel="C0COSTS001", file=image)
    claim = AlertClaim(
        "digest:#team:daily:2026-11-19",
        AlertKind.DIGEST,
        "all",
        AlertState.PENDING,
        "#team",
        date(2026, 11, 19),
        message=item,
    )
    ledger.commit_evaluation([claim], {}, AT)
    message = SqlOutbox(_sessions(store)).claim_next(AT, 60)
    assert message.fallback_channel == "C0COSTS001" and message.file == image
    assert message.key == "digest:#team:daily:2026-11-19"  # the alert's own key


def test_two_evaluators_at_once_claim_each_key_exactly_once(store):
    ledger = SqlAlertLedger(_sessions(store))
    keys = [f"anomaly:project:p{i}:2026-11-19" for i in range(40)]
    won: list[set[str]] = []
    start = threading.Barrier(4)

    def evaluate(order: list[str]) -> None:
        start.wait()
        won.append(ledger.commit_evaluation([_claim(k) for k in order], {"cursor": 1}, AT))

    # Half of them in the opposite order: neither waits on the other forever.
    orders = [keys, keys[::-1], keys, keys[::-1]]
    threads = [threading.Thread(target=evaluate, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 4 and sorted(k for claimed in won for k in claimed) == sorted(keys)
    outbox = SqlOutbox(_sessions(store))
    texts = []
    while (message := outbox.claim_next(AT, 60)) is not None:
        texts.append(message.text)
    assert sorted(texts) == sorted(f"alert {k}" for k in keys)


def test_snoozes_end_and_the_first_acknowledgement_stays(store):
    ledger = SqlAlertLedger(_sessions(store))
    ledger.snooze(FRAUD.key(), AT + timedelta(days=7), _entry("alert.snooze", FRAUD.key()))
    assert ledger.snoozes(AT) == {FRAUD.key(): AT + timedelta(days=7)}
    assert ledger.snoozes(AT + timedelta(days=8)) == {}
    key = "budget:project=fraud-detection:monthly:2026-11-01:threshold:80"
    assert ledger.acknowledge(key, _entry("alert.acknowledge", key)) is None
    ledger.commit_evaluation([_claim(key)], {}, AT)
    assert ledger.acknowledge(key, _entry("alert.acknowledge", key)).acknowledged_by == "U0ALICE01"
    again = ledger.acknowledge(key, _entry("alert.acknowledge", key, actor="U0BOB0001"))
    assert again.acknowledged_by == "U0ALICE01"
    log = SqlBudgetStore(_sessions(store)).audit_log(key)
    assert [(e.action, e.actor) for e in log] == [("alert.acknowledge", "U0ALICE01")]


def test_evaluator_processes_at_once_claim_each_key_exactly_once(store, tmp_path):
    keys = [f"anomaly:service={'v' * 300}{i}:2026-11-19" for i in range(60)]
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("\n".join(keys))
    command = [sys.executable, "-m", "tests.integration.alert_claimer", store.url, str(keys_file)]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(3)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        keys_file.with_suffix(".go").touch()
        won = [json.loads(process.communicate(timeout=60)[0]) for process in processes]
    finally:
        for process in processes:
            process.kill() if process.poll() is None else None
    assert all(process.returncode == 0 for process in processes)
    assert sorted(k for claimed in won for k in claimed) == sorted(keys)
    with _sessions(store)() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == len(keys)
