"""Idle machines through the fake Slack, on the simulated fleet: signed clicks stop exactly
what an authorised person approved, once; everyone else is told who may; every outcome is
written into the proposal's own message (chat.update)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from bot.cloud.simulated.demo_fleet import KEPT_ID, STALLED_ID, TRAINING_ID
from bot.domain.idle.proposals import ProposalState
from bot.services.idle_ports import CloudErrorKind
from tests.e2e.conftest import texts
from tests.e2e.idle_world import ADA, BEN, CHEN, RECSYS, idle_world, wait_for

ISSUE_FIELDS = {
    "instance_id", "name", "type", "project", "team", "owner", "idle_minutes", "cpu_max",
    "gpu_max", "hourly_cost", "currency", "proposal_id", "proposal_state",
}  # fmt: skip
SCAN = [sys.executable, "-c", "from bot.cli import main; main()", "idle", "scan", "--json"]


def _proposal(world):
    (proposal,) = world.services.idle._store.proposals()
    return proposal


def test_the_stalled_gpu_machine_is_proposed_once_in_its_team_channel(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        report = world.scan_and_deliver()
        assert len(report.proposed) == 1
        message = world.proposal_message(RECSYS)
        shown = texts(message)
        assert "recsys-train-p4d-stalled-1" in shown and STALLED_ID in shown
        assert "p4d.24xlarge" in shown and "personalization" in shown
        assert "$32.77/h" in shown and "$786.54/day" in shown
        assert "GPU at most 0%" in shown and "dry run" not in shown.lower()
        assert "<@U0SANDBOX1>" in shown  # who may decide
        rows = {row.instance_id: row for row in report.rows}
        assert "costbot:keep=true" in rows[KEPT_ID].note and TRAINING_ID not in rows
        world.scan_and_deliver()
        assert len([m for m in world.posted(RECSYS) if "Idle machine" in m.text]) == 1


def test_an_approvers_click_stops_it_and_the_message_says_who_when_and_the_saving(
    tmp_path, monkeypatch
):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        assert world.click(message, "idle_approve", ADA).status == 200
        stopped = world.message_saying(RECSYS, "Stopped at")
        assert stopped.ts == message.ts  # rewritten in place
        assert world.state.calls("chat.update")
        shown = texts(stopped)
        assert "approved by <@U0SANDBOX1>" in shown and "UTC" in shown
        assert "Saves about $786.54/day while it stays stopped" in shown
        assert [b["action_id"] for b in stopped.blocks[-1]["elements"]] == ["idle_start"]
        assert world.fleet.state(STALLED_ID) == "stopped" and world.fleet.stop_calls == 1
        assert _proposal(world).state == ProposalState.STOPPED


def test_a_non_approvers_click_is_refused_privately_naming_who_can(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        for user in (BEN, CHEN):
            assert world.click(message, "idle_approve", user).status == 200
            refusal = world.told(RECSYS, user, "not authorised")
            assert "ask <@U0SANDBOX1>" in texts(refusal) and "Nothing was changed" in texts(refusal)
        world.settle()
        assert world.fleet.stop_calls == 0 and world.fleet.state(STALLED_ID) == "running"
        assert _proposal(world).state == ProposalState.PROPOSED
        assert texts(world.proposal_message()) == texts(message)


def test_a_double_click_and_concurrent_clicks_stop_once(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        barrier = threading.Barrier(4)

        def click() -> None:
            barrier.wait()
            world.click(message, "idle_approve", ADA)

        threads = [threading.Thread(target=click) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        world.message_saying(RECSYS, "Stopped at")
        world.click(message, "idle_approve", ADA)  # the stale message, pressed again
        told = world.told(RECSYS, ADA, "already")
        assert "recsys-train-p4d-stalled-1" in texts(told)
        world.settle()
        assert world.fleet.stop_calls == 1
        approvals = world.services.audit.audit_log(prefix="idle.approve")
        assert len(approvals) == 1


def test_an_expired_proposal_loses_its_buttons_and_a_click_on_it_says_so(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch, proposal_ttl="2h") as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        world.clock.advance(hours=3)
        report = world.scan_and_deliver()
        assert len(report.expired) == 1
        expired = world.message_saying(RECSYS, "Expired at")
        assert expired.ts == message.ts
        assert not any(b.get("type") == "actions" for b in expired.blocks)
        assert "nobody decided within 2 h" in texts(expired)
        world.click(message, "idle_approve", ADA)  # the button still on someone's screen
        told = world.told(RECSYS, ADA, "expired")
        assert "nothing was stopped" in texts(told)
        world.settle()
        assert world.fleet.stop_calls == 0


def test_a_click_after_the_ttl_expires_it_without_a_scan(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch, proposal_ttl="1h") as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        world.clock.advance(hours=2)
        world.click(message, "idle_approve", ADA)
        world.told(RECSYS, ADA, "expired")
        world.message_saying(RECSYS, "Expired at")
        assert world.fleet.stop_calls == 0 and _proposal(world).state == ProposalState.EXPIRED


def test_a_machine_busy_again_before_the_click_is_not_stopped(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        world.fleet.make_busy(STALLED_ID)
        world.clock.advance(minutes=3)  # its next datapoints are busy ones
        world.click(message, "idle_approve", ADA)
        cancelled = world.message_saying(RECSYS, "Not stopped")
        assert "no longer idle" in texts(cancelled) and "reached" in texts(cancelled)
        assert world.fleet.stop_calls == 0 and world.fleet.state(STALLED_ID) == "running"
        assert _proposal(world).state == ProposalState.CANCELLED


def test_dry_run_says_so_and_calls_nothing(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch, dry_run=True) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        assert "dry run" in texts(message).lower()
        world.click(message, "idle_approve", ADA)
        stopped = world.message_saying(RECSYS, "Stopped (dry run")
        assert "dry run: nothing was stopped" in texts(stopped)
        assert world.fleet.stop_calls == 0 and world.fleet.state(STALLED_ID) == "running"
        world.click(stopped, "idle_start", ADA)
        world.message_saying(RECSYS, "Started again by <@U0SANDBOX1>")
        assert world.fleet.start_calls == 0


def test_start_again_starts_it_once_and_is_audited(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        world.click(world.proposal_message(), "idle_approve", ADA)
        stopped = world.message_saying(RECSYS, "Stopped at")
        world.click(stopped, "idle_start", BEN)  # not an approver
        world.told(RECSYS, BEN, "not authorised")
        world.click(stopped, "idle_start", ADA)
        started = world.message_saying(RECSYS, "Started again by <@U0SANDBOX1>")
        assert started.ts == stopped.ts and "had been stopped since" in texts(started)
        world.click(stopped, "idle_start", ADA)  # pressed again on the old message
        world.told(RECSYS, ADA, "already started again")
        world.settle()
        assert world.fleet.state(STALLED_ID) == "running"
        assert (world.fleet.stop_calls, world.fleet.start_calls) == (1, 1)
        actions = [e.action for e in world.services.audit.audit_log(prefix="idle.")]
        assert actions[:2] == ["idle.started", "idle.start_again"]
        assert {"idle.propose", "idle.approve", "idle.stopping", "idle.stop"} <= set(actions)
        (start,) = world.services.audit.audit_log(prefix="idle.start_again")
        assert start.actor == ADA and start.subject == f"idle:simulated-e2e/{STALLED_ID}"


def _fails_with(world, words: str) -> str:
    world.click(world.proposal_message(), "idle_approve", ADA)
    failed = world.message_saying(RECSYS, "failed")
    assert _proposal(world).state == ProposalState.FAILED
    assert words in texts(failed)
    assert "Nothing else was tried" in texts(failed)
    assert not any(b.get("type") == "actions" for b in failed.blocks)
    return texts(failed)


def test_a_throttled_stop_fails_clearly(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        world.fleet.fail_next("stop", CloudErrorKind.THROTTLED)
        shown = _fails_with(world, "the stop call failed (throttled)")
        assert "proposes it again at the next scan" in shown
        assert world.fleet.stop_calls == 1 and world.fleet.state(STALLED_ID) == "running"

        # Nothing happened, so the still idle machine is proposed again, once.
        again = world.scan_and_deliver()
        assert len(again.proposed) == 1
        assert world.scan_and_deliver().proposed == []
        states = sorted(p.state for p in world.services.idle._store.proposals())
        assert states == [ProposalState.FAILED, ProposalState.PROPOSED]


def test_an_access_denied_stop_fails_clearly(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        world.fleet.fail_next("stop", CloudErrorKind.ACCESS_DENIED)
        shown = _fails_with(world, "the stop call failed (access_denied)")
        assert "add the permission the README lists" in shown
        assert world.fleet.stop_calls == 1


def test_a_machine_gone_before_the_click_fails_clearly(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        world.fleet.terminate(STALLED_ID)
        _fails_with(world, f"{STALLED_ID} no longer exists; there was nothing to stop")
        assert world.fleet.stop_calls == 0


def test_keep_running_takes_a_lease_with_its_reason(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        world.click(message, "idle_keep", ADA)
        wait_for(lambda: world.state.modals.top(ADA))
        # The sandbox shows the modal before it logs the call: wait for both.
        assert wait_for(lambda: world.state.calls("views.open"))
        outcome = world.submit_keep(ADA, "3h", "the ranking eval resumes tonight")
        assert outcome.result == "closed"
        kept = world.message_saying(RECSYS, "Kept running by <@U0SANDBOX1>")
        assert kept.ts == message.ts
        assert "the ranking eval resumes tonight" in texts(kept)
        proposal = _proposal(world)
        assert proposal.state == ProposalState.KEPT
        assert proposal.keep_reason == "the ranking eval resumes tonight"
        assert 2.9 * 3600 < (proposal.lease_until - proposal.decided_at).total_seconds() <= 3 * 3600
        (entry,) = world.services.audit.audit_log(prefix="idle.keep")
        assert entry.after["reason"] == "the ranking eval resumes tonight"
        assert world.fleet.stop_calls == 0
        # Pressed again: there is nothing left to keep running, and it says so.
        world.click(message, "idle_keep", ADA)
        world.told(RECSYS, ADA, "already kept")


def test_idle_scan_json_rows_have_the_issues_fields(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        env = {
            **os.environ,
            "COSTBOT_DATABASE_URL": world.database_url,
            "COSTBOT_CONFIG": str(world.config),
        }
        run = subprocess.run(SCAN, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        rows = json.loads(run.stdout)["candidates"]
        # The issue's fields, and the two the README adds (which controller, why not proposed).
        assert all(set(row) == ISSUE_FIELDS | {"controller", "note"} for row in rows)
        by_id = {row["instance_id"]: row for row in rows}
        stalled = by_id[STALLED_ID]
        assert stalled["type"] == "p4d.24xlarge" and stalled["project"] == "recsys"
        assert stalled["team"] == "personalization" and stalled["owner"] == "bob@example.com"
        assert stalled["idle_minutes"] == 30 and stalled["gpu_max"] == "0.0"
        assert stalled["hourly_cost"] == "32.7726" and stalled["currency"] == "USD"
        assert stalled["proposal_state"] == "proposed" and stalled["proposal_id"]
        assert by_id[KEPT_ID]["proposal_id"] is None
        # The scan posted the proposal to #recsys through the fake Slack.
        world.message_saying(RECSYS, "recsys-train-p4d-stalled-1")


def test_two_app_instances_on_postgresql_stop_once(store, tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch, store.url, bots=2) as world:
        scans = [threading.Thread(target=world.scan_and_deliver, args=(b,)) for b in (0, 1)]
        for scan in scans:
            scan.start()
        for scan in scans:
            scan.join()
        message = world.proposal_message()  # proposed once by the two
        barrier = threading.Barrier(4)

        def click(bot: int) -> None:
            barrier.wait()
            world.click(message, "idle_approve", ADA, bot=bot)

        threads = [threading.Thread(target=click, args=(i % 2,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        world.message_saying(RECSYS, "Stopped at")
        world.settle()
        assert world.fleet.stop_calls == 1 and world.fleet.state(STALLED_ID) == "stopped"
        assert len(world.services.audit.audit_log(prefix="idle.stop")) == 2  # stopping, stop


def test_a_machine_started_outside_costbot_and_idle_again_is_proposed_again(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        first = world.proposal_message()
        world.click(first, "idle_approve", ADA)
        world.message_saying(RECSYS, "Stopped at")
        world.fleet.start(STALLED_ID)  # someone starts it in the console: a new run
        world.clock.advance(hours=1)  # it worked a few minutes, then idled again
        report = world.scan_and_deliver()
        world.message_saying(RECSYS, "started outside costbot")
        (row,) = [row for row in report.rows if row.instance_id == STALLED_ID]
        assert row.note == "proposed now" and row.proposal_id in report.proposed
        proposals = [m for m in world.posted(RECSYS) if "Idle machine" in m.text]
        assert len(proposals) == 2 and proposals[0].ts == first.ts
        assert "Approve stop" in texts(proposals[1])
        world.scan_and_deliver()  # and once only
        assert len([m for m in world.posted(RECSYS) if "Idle machine" in m.text]) == 2
