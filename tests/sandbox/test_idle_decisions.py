"""Idle proposals decided in the fake Slack against the real service and store.

The bot is the one `costbot run` serves (bot.app.build_services on a SQLite file, the Bolt app of
bot/slack_app.py, signed HTTP); the proposal is written by the real store (SqlIdleStore.propose)
and its message posted by the outbox through SlackNotifier. No controller is configured, so
nothing here can reach a cloud: an approval ends FAILED, saying its controller is gone.
Clicks and modal submissions go through the fake Slack's page, which signs them like Slack.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_sdk import WebClient

from bot.app import Services, build_services
from bot.domain.idle.proposals import ProposalState
from bot.sandbox import BackgroundServer, SandboxServer, SandboxState
from bot.sandbox.page_client import SandboxPage
from bot.sandbox.state import Message
from bot.server import EVENTS_PATH, build_wsgi_app
from bot.services.alert_ports import AuditEntry
from bot.services.idle_ports import NewProposal, Proposal
from bot.services.idle_views import ProposalView
from bot.services.idle_wording import as_proposal
from bot.services.outbox import OutboxDelivery
from bot.services.snapshot_state import OutboxItem
from bot.settings import Settings, SlackSettings
from bot.slack_app import build_bolt_app, health
from bot.slack_notifier import SlackNotifier
from handlers.blocks.idle import ACTIONS_BLOCK, describe_proposal
from handlers.button_values import ProposalRef, encode
from storage.db import make_session_factory
from storage.repositories.idle import SqlIdleStore
from storage.repositories.snapshots import SqlOutbox
from tests.sandbox.conftest import wait_for

TOKEN = "xoxb-0000000000-idle"
ML = "C0MLPLATF1"
ADA, BEN, CHEN = "U0SANDBOX1", "U0SANDBOX2", "U0SANDBOX3"  # owner, nobody, approver
TODAY = date(2026, 12, 2)
CONFIG = """
currency: USD
channels:
  default: "#cloud-costs"
  by_team:
    ml-platform: "#ml-platform"
idle:
  dry_run: false
  approvers:
    by_team:
      ml-platform: [U0SANDBOX3]
  controllers: []
"""


@dataclass
class IdleWorld:
    sandbox: SandboxServer
    services: Services
    store: SqlIdleStore
    delivery: OutboxDelivery

    @property
    def state(self) -> SandboxState:
        return self.sandbox.state

    def propose(self, name: str = "gpu-train-1", *, created_at: datetime | None = None) -> Proposal:
        """A proposal as a scan makes it: stored once, with its audit entry and its message in
        the outbox, then posted into #ml-platform."""
        now = created_at or datetime.now(UTC).replace(microsecond=0)
        new = NewProposal(
            id=secrets.token_hex(12),
            key=f"simulated/{name}|busy:never",
            controller="simulated",
            instance_id=f"i-{name}",
            instance={
                "name": name,
                "type": "g5.xlarge",
                "project": "fraud",
                "team": "ml-platform",
                "owner": "ada@example.com",
                "owner_user": ADA,
            },
            verdict={"idle_minutes": 45, "cpu_max": "1.2", "gpu_max": "0", "reason": "idle"},
            hourly_cost=Decimal("2"),
            currency="USD",
            price_source="price table",
            channel=ML,
            dry_run=False,
            created_at=now,
            expires_at=now + timedelta(hours=24),
            message=None,
        )
        view = ProposalView(as_proposal(new), ADA, (CHEN,), Decimal("48.00"), 24)
        text, blocks = describe_proposal(view)
        new = replace(new, message=OutboxItem(new.key, ML, text, blocks))
        entry = AuditEntry("costbot", "idle.propose", f"idle:simulated/{new.instance_id}", now)
        assert self.store.propose([new], [entry]) == {new.id}
        assert self.delivery.deliver_pending() == 1
        stored = self.store.proposal(new.id)
        assert stored is not None and stored.message_ts, "the message was posted and remembered"
        return stored

    def message(self, proposal: Proposal) -> Message:
        found = self.state.find_message(ML, proposal.message_ts or "")
        assert found is not None
        return found

    def private_to(self, user: str) -> list[str]:
        return [m.text for m in self.state.ephemeral_messages(user)]

    def now_of(self, proposal_id: str) -> Proposal:
        found = self.store.proposal(proposal_id)
        assert found is not None
        return found

    def audit(self) -> list[str]:
        return [e.action for e in self.services.audit.audit_log(prefix="idle.")]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[IdleWorld]:
    secret = secrets.token_hex(16)
    with SandboxServer(SandboxState(), bot_token=TOKEN, signing_secret=secret) as sandbox:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)  # channel names resolved by the fake
        monkeypatch.setenv("COSTBOT_SLACK_API_URL", sandbox.api_url)
        config = tmp_path / "costbot.yml"
        config.write_text(CONFIG)
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'costbot.db'}", today=TODAY)
        services = build_services(settings, config)
        assert not services.idle.configured  # idle.controllers is empty
        slack = SlackSettings(
            slack_bot_token=SecretStr(TOKEN),
            slack_signing_secret=SecretStr(secret),
            slack_app_token=None,
            costbot_slack_api_url=sandbox.api_url,
        )
        server = BackgroundServer(
            build_wsgi_app(build_bolt_app(services, slack), lambda: health(services))
        )
        sandbox.bot_url = server.start() + EVENTS_PATH
        sessions = make_session_factory(services.engine)
        client = WebClient(token=TOKEN, base_url=sandbox.api_url)
        delivery = OutboxDelivery(SqlOutbox(sessions), SlackNotifier(client))
        try:
            yield IdleWorld(sandbox, services, SqlIdleStore(sessions), delivery)
        finally:
            server.stop()
            services.engine.dispose()


def press(world: IdleWorld, user: str, proposal: Proposal, action: str) -> dict:
    return SandboxPage(world.sandbox, user=user).press(
        ML, proposal.message_ts, ACTIONS_BLOCK, action
    )


def test_the_proposal_is_posted_with_its_buttons(world: IdleWorld) -> None:
    proposal = world.propose()
    message = world.message(proposal)
    assert "gpu-train-1" in message.text and "<@U0SANDBOX1>" in message.text
    actions = [b for b in message.blocks if b.get("block_id") == ACTIONS_BLOCK]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["idle_approve", "idle_keep"]


def test_a_non_approver_is_told_who_may_and_nothing_changes(world: IdleWorld) -> None:
    proposal = world.propose()
    before = world.message(proposal).blocks
    for action in ("idle_approve", "idle_keep"):
        answer = press(world, BEN, proposal, action)
        assert answer["status"] == 200
    wait_for(lambda: len(world.private_to(BEN)) == 2)
    for told in world.private_to(BEN):
        assert "not authorised" in told
        assert "<@U0SANDBOX1> (the owner)" in told and "<@U0SANDBOX3>" in told
        assert "Nothing was changed" in told
    assert world.now_of(proposal.id).state == ProposalState.PROPOSED
    assert world.audit() == ["idle.propose"]
    assert world.state.calls("chat.update") == [] and world.state.calls("views.open") == []
    assert world.message(proposal).blocks == before
    assert SandboxPage(world.sandbox, user=BEN).modal()["view"] is None


def test_keep_running_asks_why_then_keeps_it_and_rewrites_the_message(world: IdleWorld) -> None:
    proposal = world.propose()
    page = SandboxPage(world.sandbox, user=ADA)  # the owner
    press(world, ADA, proposal, "idle_keep")
    view = page.wait_for_modal(callback_id="idle_keep_modal")
    opened = world.state.calls("views.open")
    assert len(opened) == 1 and opened[0].ok and opened[0].params.get("trigger_id")
    assert "gpu-train-1" in str(view["blocks"])

    refused = page.submit({"duration": {"value": "1d"}, "reason": {"value": "  "}})
    assert refused["result"] == "errors" and set(refused["errors"]) == {"reason"}
    assert world.now_of(proposal.id).state == ProposalState.PROPOSED

    asked_at = datetime.now(UTC)
    kept = page.submit({"duration": {"value": "1d"}, "reason": {"value": "demo on Friday"}})
    assert kept["result"] == "closed"
    wait_for(lambda: world.now_of(proposal.id).state == ProposalState.KEPT)
    stored = world.now_of(proposal.id)
    assert stored.decided_by == ADA and stored.keep_reason == "demo on Friday"
    assert stored.lease_until is not None
    lease = stored.lease_until.replace(tzinfo=stored.lease_until.tzinfo or UTC)
    assert abs(lease - (asked_at + timedelta(days=1))) < timedelta(minutes=1)
    assert world.audit() == ["idle.keep", "idle.propose"]

    wait_for(lambda: world.state.calls("chat.update"))
    message = world.message(proposal)
    shown = message.text + str(message.blocks)
    assert message.edited_ts is not None
    assert f"Kept running by <@{ADA}> until {lease:%Y-%m-%d %H:%M} UTC" in shown
    assert "demo on Friday" in shown
    assert not [b for b in message.blocks if b.get("type") == "actions"]  # no buttons left
    assert world.private_to(ADA) == []  # the message says it: nothing private needed


def test_a_click_on_a_decided_proposal_is_told_what_happened(world: IdleWorld) -> None:
    proposal = world.propose()
    page = SandboxPage(world.sandbox, user=ADA)
    press(world, ADA, proposal, "idle_keep")
    page.wait_for_modal(callback_id="idle_keep_modal")
    page.submit({"duration": {"value": "3h"}, "reason": {"value": "training tonight"}})
    wait_for(lambda: world.now_of(proposal.id).state == ProposalState.KEPT)

    # The approver's copy of the message was not refreshed yet: its buttons are still there.
    for action in ("idle_approve", "idle_keep"):
        _press_old(world, CHEN, proposal, action)
    wait_for(lambda: len(world.private_to(CHEN)) == 2)
    told = world.private_to(CHEN)
    assert any("gpu-train-1 is kept running until" in t and "training tonight" in t for t in told)
    assert any("nothing to keep running" in t for t in told)
    assert world.now_of(proposal.id).state == ProposalState.KEPT
    assert world.audit() == ["idle.keep", "idle.propose"]


def _has_buttons(world: IdleWorld, proposal: Proposal) -> bool:
    return any(b.get("type") == "actions" for b in world.message(proposal).blocks)


def _press_old(world: IdleWorld, user: str, proposal: Proposal, action: str) -> None:
    """Press a button of the message as it was first posted (another client had not refreshed)."""
    old = _buttons_message(world, encode(ProposalRef(proposal.id)), action)
    SandboxPage(world.sandbox, user=user).press(ML, old.ts, "old", action)


def _buttons_message(world: IdleWorld, value: str, action: str) -> Message:
    client = WebClient(token=TOKEN, base_url=world.sandbox.api_url)
    block = {
        "type": "actions",
        "block_id": "old",
        "elements": [
            {
                "type": "button",
                "action_id": action,
                "value": value,
                "text": {"type": "plain_text", "text": "Press"},
            }
        ],
    }
    ts = client.chat_postMessage(channel=ML, text="old", blocks=[block])["ts"]
    found = world.state.find_message(ML, ts)
    assert found is not None
    return found


def test_an_approval_is_answered_by_the_message_saying_what_happened(world: IdleWorld) -> None:
    proposal = world.propose()
    answer = press(world, CHEN, proposal, "idle_approve")
    assert answer["confirmed"]["title"]["text"] == "Stop this machine?"
    wait_for(lambda: world.now_of(proposal.id).state == ProposalState.FAILED)
    stored = world.now_of(proposal.id)
    assert stored.decided_by == CHEN
    assert "controller simulated is no longer configured" in (stored.result or "")
    assert world.audit() == ["idle.failed", "idle.approve", "idle.propose"]
    wait_for(lambda: "no longer configured" in world.message(proposal).text)
    assert not _has_buttons(world, proposal)


@pytest.mark.parametrize(
    ("value", "told"),
    [
        ("i-0abc123", "out of date"),  # not a proposal reference at all
        (encode(ProposalRef("0" * 24)), "not known here"),  # a proposal this costbot never made
    ],
)
def test_a_stale_or_foreign_button_is_told_privately(world: IdleWorld, value, told) -> None:
    proposal = world.propose()
    for action in ("idle_approve", "idle_keep", "idle_start"):
        old = _buttons_message(world, value, action)
        SandboxPage(world.sandbox, user=ADA).press(ML, old.ts, "old", action)
    wait_for(lambda: len(world.private_to(ADA)) == 3)
    assert all(told in t for t in world.private_to(ADA)), world.private_to(ADA)
    assert world.now_of(proposal.id).state == ProposalState.PROPOSED
    assert world.audit() == ["idle.propose"]


def test_start_again_of_a_machine_not_stopped_is_told(world: IdleWorld) -> None:
    proposal = world.propose()
    _press_old(world, ADA, proposal, "idle_start")
    wait_for(lambda: world.private_to(ADA))
    (told,) = world.private_to(ADA)
    assert "gpu-train-1 still waits for a decision" in told and "nothing was changed" in told
    assert world.now_of(proposal.id).state == ProposalState.PROPOSED


def test_cost_idle_answers_privately_with_its_footer(world: IdleWorld) -> None:
    proposal = world.propose()
    SandboxPage(world.sandbox, user=BEN).command(ML, "/cost idle")
    wait_for(lambda: world.state.ephemeral_messages(BEN))
    (answer,) = world.state.ephemeral_messages(BEN)
    assert answer.text.startswith("Idle machines: 1 waiting for a decision")
    shown = str(answer.blocks)
    assert "gpu-train-1" in shown and "Waiting for a decision" in shown
    assert "not scanned yet" in str(answer.blocks[-1]) and "all times UTC" in str(answer.blocks[-1])
    public = [m for m in world.state.messages(ML) if m.ephemeral_to is None]
    assert [m.ts for m in public] == [proposal.message_ts]  # the answer was private


def test_cost_savings_last_month_answers_privately_with_its_footer(world: IdleWorld) -> None:
    proposal = world.propose(created_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    stopped_at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    for source, target in (
        (ProposalState.PROPOSED, ProposalState.APPROVED),
        (ProposalState.APPROVED, ProposalState.STOPPING),
        (ProposalState.STOPPING, ProposalState.STOPPED),
    ):
        entry = AuditEntry(
            CHEN, f"idle.{target}", f"idle:simulated/{proposal.instance_id}", stopped_at
        )
        changes = {"stopped_at": stopped_at} if target == ProposalState.STOPPED else {}
        assert world.store.move(proposal.id, source, target, entry, **changes) is not None
    SandboxPage(world.sandbox, user=BEN).command(ML, "/cost savings last-month")
    wait_for(lambda: world.state.ephemeral_messages(BEN))
    (answer,) = world.state.ephemeral_messages(BEN)
    # 2026-11-20 10:00 to 2026-12-01 00:00 is 254 hours at $2/h.
    assert "2026-11-01 to 2026-11-30" in answer.text and "$508.00" in answer.text
    shown = str(answer.blocks)
    assert "gpu-train-1" in shown and "still stopped" in shown
    assert "Estimated" in str(answer.blocks[-1]) and "all times UTC" in str(answer.blocks[-1])
