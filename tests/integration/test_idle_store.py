"""The idle-machine store on SQLite and PostgreSQL: each idle episode proposed once with one
message and one audit entry, by threads or processes; every move one conditional update with
its audit entry; where the message went; the savings ledger, busy marks and the last scan."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.idle.proposals import ProposalState, TransitionError
from storage.db import make_session_factory
from storage.models import AuditRow, IdleProposalRow, OutboxMessage
from storage.repositories.audit import SqlAuditLog
from storage.repositories.budgets import SqlBudgetStore
from storage.repositories.idle import SqlIdleStore, message_key
from storage.repositories.snapshots import SqlOutbox
from tests.idle_store_data import AT, CHANNEL, CONTROLLER, entry, new_proposal

ROOT = Path(__file__).resolve().parents[2]
PROPOSED, APPROVED = ProposalState.PROPOSED, ProposalState.APPROVED


def _sessions(store):
    return make_session_factory(store.services.engine)


def _count(store, model, *where) -> int:
    with _sessions(store)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _proposed(idle: SqlIdleStore, *proposals):
    return idle.propose(proposals, [entry("idle.propose", p.key) for p in proposals])


def test_an_idle_episode_is_proposed_once_with_one_message_and_one_audit_entry(store):
    idle = SqlIdleStore(_sessions(store))
    first = new_proposal("p" * 32)
    again = replace(first, id="q" * 32)  # the next scan finds the same episode

    assert _proposed(idle, first) == {first.id}
    assert _proposed(idle, again, again) == set()

    stored = idle.proposal(first.id)
    assert idle.proposal(again.id) is None
    assert stored.state is PROPOSED and stored.key == first.key
    assert stored.hourly_cost == Decimal("32.7726") and str(stored.hourly_cost) == "32.7726"
    assert stored.verdict == {
        "idle_minutes": 185,
        "cpu_max": "0.031",
        "since": AT.isoformat(),
        "gpus": [0, 1],
    }
    assert stored.updated_at == stored.created_at == AT
    assert stored.undo == {} and stored.reproposed is False
    assert stored.message_channel is None and stored.message_ts is None
    with _sessions(store)() as session:
        [(key, channel)] = session.execute(select(OutboxMessage.key, OutboxMessage.channel)).all()
    assert (key, channel) == (message_key(first.key), CHANNEL)
    assert [(e.action, e.subject) for e in SqlAuditLog(_sessions(store)).audit_log()] == [
        ("idle.propose", first.key)
    ]


def test_a_batch_inserts_only_its_new_keys_and_their_messages(store):
    idle = SqlIdleStore(_sessions(store))
    old = new_proposal("old", "i-old")
    _proposed(idle, old)
    long_id = "default/Deployment/" + "trainer-" * 60
    batch = [
        replace(old, id="old-again"),
        new_proposal("long", long_id),
        new_proposal("quiet", "i-quiet", message=False, hourly_cost=None, dry_run=True),
    ]

    assert _proposed(idle, *batch) == {"long", "quiet"}
    assert _count(store, OutboxMessage) == 2  # old's and long's: quiet has no message
    assert _count(store, AuditRow) == 3
    quiet = idle.proposal("quiet")
    assert quiet.hourly_cost is None and quiet.currency is None and quiet.dry_run is True
    assert [p.id for p in idle.proposals(controller=CONTROLLER, instance_id=long_id)] == ["long"]


def test_propose_wants_an_audit_entry_for_each_proposal(store):
    idle = SqlIdleStore(_sessions(store))
    with pytest.raises(ValueError, match="each proposal needs its own entry"):
        idle.propose([new_proposal("a"), new_proposal("b", "i-b")], [entry("idle.propose", "a")])
    assert idle.proposals() == []


def test_proposals_are_read_by_state_machine_and_age(store):
    idle = SqlIdleStore(_sessions(store))
    earlier = replace(new_proposal("early", "i-1"), created_at=AT - timedelta(days=2))
    _proposed(idle, earlier, new_proposal("late", "i-2"))
    idle.move("late", PROPOSED, ProposalState.KEPT, entry("idle.keep", "late"))

    assert [p.id for p in idle.proposals()] == ["early", "late"]
    assert [p.id for p in idle.proposals([PROPOSED])] == ["early"]
    assert [p.id for p in idle.proposals([PROPOSED, ProposalState.KEPT])] == ["early", "late"]
    assert [p.id for p in idle.proposals(instance_id="i-2")] == ["late"]
    assert [p.id for p in idle.proposals(controller="kubernetes")] == []
    assert [p.id for p in idle.proposals(since=AT - timedelta(days=1))] == ["late"]


def test_a_move_happens_once_from_its_source_state_and_is_audited_with_it(store):
    idle = SqlIdleStore(_sessions(store))
    proposal = new_proposal("p1")
    _proposed(idle, proposal)
    later = AT + timedelta(minutes=5)
    approve = replace(entry("idle.approve", proposal.key, by="U0ALICE01"), at=later)

    moved = idle.move("p1", PROPOSED, APPROVED, approve, decided_by="U0ALICE01", decided_at=later)

    assert moved.state is APPROVED and moved.decided_by == "U0ALICE01"
    assert moved.decided_at == later and moved.updated_at == later
    second = entry("idle.approve", proposal.key, "U0BOB0001")
    assert idle.move("p1", PROPOSED, APPROVED, second, decided_by="U0BOB0001") is None
    assert idle.proposal("p1").decided_by == "U0ALICE01"
    assert idle.move("missing", PROPOSED, APPROVED, approve) is None
    log = SqlAuditLog(_sessions(store)).audit_log(proposal.key)
    assert [(e.action, e.actor, e.after) for e in log] == [
        ("idle.approve", "U0ALICE01", {"by": "U0ALICE01"}),
        ("idle.propose", "U0ALICE01", None),
    ]


def test_a_stop_and_its_undo_keep_their_values(store):
    idle = SqlIdleStore(_sessions(store))
    _proposed(idle, new_proposal("p1", "default/Deployment/trainer"))
    idle.move("p1", PROPOSED, APPROVED, entry("idle.approve", "p1"))
    idle.move("p1", APPROVED, ProposalState.STOPPING, entry("idle.stopping", "p1"))
    stopped = idle.move(
        "p1",
        ProposalState.STOPPING,
        ProposalState.STOPPED,
        entry("idle.stop", "p1", replicas=Decimal("3")),
        stopped_at=AT + timedelta(hours=1),
        result="scaled to 0 replicas",
        undo={"replicas": 3, "at": AT},
        hourly_cost=Decimal("0.000001"),
    )

    assert stopped == idle.proposal("p1")
    assert stopped.undo == {"replicas": 3, "at": AT.isoformat()}
    assert stopped.result == "scaled to 0 replicas"
    assert stopped.hourly_cost == Decimal("0.000001")
    [last] = SqlAuditLog(_sessions(store)).audit_log("p1", limit=1)
    assert last.after == {"replicas": "3"}


def test_a_move_refuses_unknown_changes_and_transitions_the_state_machine_lacks(store):
    idle = SqlIdleStore(_sessions(store))
    _proposed(idle, new_proposal("p1"))
    approve = entry("idle.approve", "p1")

    with pytest.raises(ValueError, match="cannot change decided_when"):
        idle.move("p1", PROPOSED, APPROVED, approve, decided_when=AT)
    with pytest.raises(ValueError, match="cannot change message_ts, state"):
        idle.move("p1", PROPOSED, APPROVED, approve, state="stopped", message_ts="1.2")
    with pytest.raises(TransitionError, match="from proposed to stopped"):
        idle.move("p1", PROPOSED, ProposalState.STOPPED, entry("idle.stop", "p1"))
    with pytest.raises(TransitionError):
        idle.move("p1", ProposalState.KEPT, APPROVED, approve)

    assert idle.proposal("p1").state is PROPOSED
    assert _count(store, AuditRow) == 1  # the proposal's own


def test_the_message_channel_and_ts_appear_once_the_outbox_has_posted_it(store):
    sessions = _sessions(store)
    idle, outbox = SqlIdleStore(sessions), SqlOutbox(sessions)
    _proposed(idle, new_proposal("p1"))
    message = outbox.claim_next(AT, 60)
    assert idle.proposal("p1").message_ts is None  # taken, not yet posted

    outbox.mark_sent(message.id, AT, "C0FALLBACK", "1733736600.000100")

    proposal = idle.proposal("p1")
    assert (proposal.message_channel, proposal.message_ts) == ("C0FALLBACK", "1733736600.000100")
    assert idle.proposals()[0].message_ts == "1733736600.000100"
    moved = idle.move("p1", PROPOSED, APPROVED, entry("idle.approve", "p1"))
    assert moved.message_channel == "C0FALLBACK"


def test_the_savings_ledger_holds_real_stops_still_stopped_at_its_start(store):
    idle = SqlIdleStore(_sessions(store))
    since = AT + timedelta(days=1)
    cases = {
        "still-stopped": (False, AT, None),
        "started-after": (False, AT, since + timedelta(hours=2)),
        "started-at": (False, AT, since),
        "started-before": (False, AT, since - timedelta(hours=1)),
        "dry-run": (True, AT, None),
        "never-stopped": (False, None, None),
    }
    for i, (name, (dry_run, stopped_at, started_at)) in enumerate(cases.items()):
        _proposed(idle, new_proposal(name, f"i-{i}", dry_run=dry_run))
        with _sessions(store).begin() as session:
            row = session.get(IdleProposalRow, name)
            row.stopped_at, row.started_at = stopped_at, started_at

    assert sorted(p.id for p in idle.stops(since)) == [
        "started-after",
        "started-at",
        "still-stopped",
    ]


def test_a_lease_ending_is_marked_reproposed_once(store):
    idle = SqlIdleStore(_sessions(store))
    _proposed(idle, new_proposal("p1"))
    assert idle.mark_reproposed("p1") is True
    assert idle.mark_reproposed("p1") is False
    assert idle.mark_reproposed("missing") is False
    assert idle.proposal("p1").reproposed is True


def test_busy_marks_keep_each_machines_latest_sighting(store):
    idle = SqlIdleStore(_sessions(store))
    long_name = "kubernetes/ml/Deployment/" + "x" * 600
    assert idle.busy_marks() == {}
    idle.mark_busy([f"{CONTROLLER}/i-1", long_name], AT)
    idle.mark_busy([f"{CONTROLLER}/i-1", f"{CONTROLLER}/i-1"], AT + timedelta(hours=1))
    idle.mark_busy([long_name], AT - timedelta(hours=1))  # a slower scanner's older sighting
    idle.mark_busy([], AT)

    assert idle.busy_marks() == {f"{CONTROLLER}/i-1": AT + timedelta(hours=1), long_name: AT}


def test_the_last_scan_is_the_newest_one_recorded(store):
    idle = SqlIdleStore(_sessions(store))
    assert idle.last_scan() is None
    first = [{"instance_id": "i-1", "hourly_cost": Decimal("3.06"), "note": "proposed"}]
    idle.record_scan(first, AT)
    assert idle.last_scan() == (
        AT,
        [{"instance_id": "i-1", "hourly_cost": "3.06", "note": "proposed"}],
    )

    idle.record_scan([], AT + timedelta(minutes=15))
    idle.record_scan(first, AT + timedelta(minutes=5))  # finished later, scanned earlier

    assert idle.last_scan() == (AT + timedelta(minutes=15), [])


def test_the_audit_log_is_read_by_action_prefix_taken_literally(store):
    sessions = _sessions(store)
    idle = SqlIdleStore(sessions)
    _proposed(idle, new_proposal("p1"))
    idle.move("p1", PROPOSED, APPROVED, entry("idle.approve", "p1"))
    with sessions.begin() as session:
        session.add_all(
            [
                AuditRow(at=AT, actor="U0", action="budget.set", subject="all"),
                AuditRow(at=AT, actor="U0", action="idlex", subject="all"),
            ]
        )

    log = SqlAuditLog(sessions)
    assert [e.action for e in log.audit_log(prefix="idle.")] == ["idle.approve", "idle.propose"]
    assert [e.action for e in log.audit_log(prefix="idle_")] == []
    assert [e.action for e in log.audit_log("p1", prefix="idle.")] == ["idle.approve"]
    assert len(log.audit_log(prefix="")) == 4
    budget_log = SqlBudgetStore(sessions).audit_log(prefix="budget.")
    assert [e.action for e in budget_log] == ["budget.set"]


def test_threads_approving_at_once_move_the_proposal_exactly_once(store):
    idle = SqlIdleStore(_sessions(store))
    proposal = new_proposal("p1")
    _proposed(idle, proposal)
    barrier = threading.Barrier(8)
    results: list = []
    errors: list[BaseException] = []

    def approve(actor: str) -> None:
        try:
            barrier.wait()
            approval = entry("idle.approve", proposal.key, actor=actor)
            results.append(idle.move("p1", PROPOSED, APPROVED, approval, decided_by=actor))
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(f"U0USER000{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    winners = [r for r in results if r is not None]
    assert len(results) == 8 and len(winners) == 1
    assert idle.proposal("p1").decided_by == winners[0].decided_by
    assert _count(store, AuditRow, AuditRow.action == "idle.approve") == 1
    [approval] = SqlAuditLog(_sessions(store)).audit_log(proposal.key, limit=1)
    assert approval.actor == winners[0].decided_by


def test_scanner_processes_at_once_propose_each_episode_once_and_approve_it_once(store, tmp_path):
    count = 40
    names = [tmp_path / "a", tmp_path / "b"]
    command = [sys.executable, "-m", "tests.integration.idle_proposer", store.url]
    processes = [
        subprocess.Popen(
            [*command, str(name), str(count)], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        for name in names
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        for name in names:
            name.with_suffix(".go").touch()
        done = [json.loads(process.communicate(timeout=120)[0]) for process in processes]
    finally:
        for process in processes:
            process.kill() if process.poll() is None else None
    assert all(process.returncode == 0 for process in processes)

    inserted = [i for result in done for i in result["inserted"]]
    moved = [i for result in done for i in result["moved"]]
    assert len(inserted) == len(set(inserted)) == count
    assert sorted(moved) == sorted(inserted)  # every proposal approved, each by one process
    idle = SqlIdleStore(_sessions(store))
    assert {p.state for p in idle.proposals()} == {APPROVED}
    assert len(idle.proposals()) == count
    assert _count(store, OutboxMessage) == count
    assert _count(store, AuditRow, AuditRow.action == "idle.propose") == count
    assert _count(store, AuditRow, AuditRow.action == "idle.approve") == count
