"""Idle proposals tell the truth when things change under them: dry run switched on, a
message edit Slack refused, user groups Slack cannot read, busy spells inside an exclusion."""

from __future__ import annotations

import dataclasses
from datetime import time

from bot.cloud.simulated.demo_fleet import STALLED_ID
from bot.domain.idle.proposals import ProposalState
from bot.domain.idle.windows import ExclusionWindow
from tests.e2e.conftest import texts
from tests.e2e.idle_world import ADA, BEN, RECSYS, idle_world


def _proposal(world):
    (proposal,) = world.services.idle._store.proposals()
    return proposal


def _dry_run_now(world) -> None:
    """The operator turns idle.dry_run on while proposals are open (a restart with it on)."""
    idle = world.services.idle
    idle._rules = dataclasses.replace(idle._rules, dry_run=True)


def test_dry_run_switched_on_after_the_proposal_stops_nothing_and_says_so(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        assert not _proposal(world).dry_run
        _dry_run_now(world)
        world.click(world.proposal_message(), "idle_approve", ADA)
        stopped = world.message_saying(RECSYS, "nothing was stopped")
        assert "dry run" in texts(stopped).lower()
        proposal = _proposal(world)
        assert proposal.state == ProposalState.STOPPED and proposal.dry_run
        assert world.fleet.stop_calls == 0 and world.fleet.state(STALLED_ID) == "running"
        assert world.services.idle._store.stops(proposal.created_at) == []  # saved nothing
        world.scan_and_deliver()
        assert _proposal(world).state == ProposalState.STOPPED  # not "started elsewhere"


def test_start_again_of_a_real_stop_while_dry_run_is_on_is_refused(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        world.click(world.proposal_message(), "idle_approve", ADA)
        stopped = world.message_saying(RECSYS, "Stopped at")
        _dry_run_now(world)
        world.click(stopped, "idle_start", ADA)
        world.told(RECSYS, ADA, "dry run")
        world.settle()
        assert _proposal(world).state == ProposalState.STOPPED
        assert world.fleet.start_calls == 0 and world.fleet.state(STALLED_ID) == "stopped"


def test_a_message_edit_slack_refused_is_redone_at_the_next_scan(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        # Every chat.update of the approval fails (past the client's one retry).
        world.state.fail_next("chat.update", 500, count=10)
        world.click(message, "idle_approve", ADA)
        world.settle()
        assert _proposal(world).state == ProposalState.STOPPED
        assert "Approve stop" in texts(world.proposal_message())  # still the old message
        world.state.fail_next("chat.update", 200, count=0)
        while world.state.pending_faults().get("chat.update"):
            world.state.take_fault("chat.update")
        world.scan_and_deliver()
        fixed = world.message_saying(RECSYS, "Stopped at")
        assert fixed.ts == message.ts
        assert _proposal(world).shown_state == ProposalState.STOPPED


def test_approvers_decide_when_slack_cannot_read_user_groups(tmp_path, monkeypatch):
    # A free Slack plan has no user groups: listed users still decide, group members cannot.
    approvers = {"default": [ADA, "S0NOPLAN01"]}
    with idle_world(tmp_path, monkeypatch, approvers=approvers) as world:
        world.scan_and_deliver()
        message = world.proposal_message()
        world.state.fail_next("usergroups.users.list", 500, count=50)
        world.click(message, "idle_approve", BEN)
        world.told(RECSYS, BEN, "not authorised")
        assert _proposal(world).state == ProposalState.PROPOSED
        world.click(message, "idle_approve", ADA)
        world.message_saying(RECSYS, "Stopped at")
        assert world.fleet.stop_calls == 1


def test_a_machine_busy_inside_an_exclusion_window_starts_a_new_idle_spell(tmp_path, monkeypatch):
    with idle_world(tmp_path, monkeypatch, proposal_ttl="1h") as world:
        world.scan_and_deliver()
        first = _proposal(world)
        world.clock.advance(hours=2)
        world.scan_and_deliver()  # nobody decided: expired
        idle = world.services.idle
        rules = idle._rules
        everyday = ExclusionWindow(frozenset(range(7)), time(0, 0), time(23, 59, 59))
        _use_rules(idle, dataclasses.replace(rules, windows=(everyday,)))
        world.fleet.make_busy(STALLED_ID)
        world.clock.advance(minutes=5)
        world.scan_and_deliver()  # busy inside the window: a busy mark all the same
        world.fleet.make_idle(STALLED_ID)
        _use_rules(idle, rules)
        world.clock.advance(hours=1)
        report = world.scan_and_deliver()
        assert len(report.proposed) == 1 and report.proposed[0] != first.id


def _use_rules(idle, rules) -> None:
    idle._rules = rules
    idle._judge._rules = rules
