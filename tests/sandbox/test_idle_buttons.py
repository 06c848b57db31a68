"""The proposal buttons' listeners (handlers/actions/idle.py) on a real Bolt app over HTTP,
clicked through the fake Slack's page: who gets through, what the service is asked, and that
every refusal or failure is told privately to the clicker. The service here is a recording
double; the real service and store behind the same clicks:
tests/sandbox/test_idle_decisions.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

import handlers
from bot.domain.idle.proposals import ProposalState
from bot.sandbox import BackgroundServer, SandboxServer, SandboxState
from bot.sandbox.page_client import SandboxPage
from bot.services.errors import AlreadyDecidedError, NotFoundError
from bot.services.idle_ports import Proposal
from bot.services.idle_views import IdleOverview, ProposalView, SavingsReport
from handlers import HandlerServices
from handlers.blocks.idle import ACTIONS_BLOCK, describe_proposal
from tests.sandbox.conftest import BOT_TOKEN, SIGNING_SECRET, wait_for

ML, ADA, BEN = "C0MLPLATF1", "U0SANDBOX1", "U0SANDBOX2"
AT = datetime(2026, 12, 2, 7, 10, tzinfo=UTC)
REFUSAL = "Not authorised: ask <@U0SANDBOX1>. Nothing was changed."

PROPOSAL = Proposal(
    id="a1b2c3d4e5f6a1b2c3d4e5f6",
    key="k",
    controller="simulated",
    instance_id="i-0abc123",
    state=ProposalState.PROPOSED,
    instance={"name": "gpu-train-1", "type": "g5.xlarge", "team": "ml-platform"},
    verdict={"idle_minutes": 40, "cpu_max": "1", "gpu_max": "0"},
    hourly_cost=Decimal("1.006"),
    currency="USD",
    price_source="price table",
    channel=ML,
    dry_run=False,
    created_at=AT,
    expires_at=AT + timedelta(hours=24),
    updated_at=AT,
)


class RecordingIdle:
    """Ada may decide, nobody else; each decision is recorded, or fails with `fail`."""

    dry_run = False
    configured = True

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail: Exception | None = None

    def proposal(self, proposal_id: str) -> Proposal:
        if proposal_id != PROPOSAL.id:
            raise NotFoundError("That proposal is not known here (any more).")
        return PROPOSAL

    def may_decide(self, proposal_id: str, user_id: str) -> bool:
        return user_id == ADA

    def who_may_decide(self, proposal_id: str) -> str:
        return REFUSAL

    def _decide(self, *call: Any) -> Proposal:
        self.calls.append(call)
        if self.fail is not None:
            raise self.fail
        return PROPOSAL

    def approve(self, proposal_id: str, user_id: str) -> Proposal:
        return self._decide("approve", proposal_id, user_id)

    def keep(self, proposal_id: str, user_id: str, choice: str, reason: str) -> Proposal:
        return self._decide("keep", proposal_id, user_id, choice, reason)

    def start_again(self, proposal_id: str, user_id: str) -> Proposal:
        return self._decide("start", proposal_id, user_id)

    def overview(self) -> IdleOverview:
        return IdleOverview(AT, [], [PROPOSAL], [], [], dry_run=True)

    def savings(self, start: date, end: date) -> SavingsReport:
        self.calls.append(("savings", start, end))
        return SavingsReport(start, end, [], {})


@pytest.fixture
def world() -> Iterator[tuple[SandboxServer, RecordingIdle, str]]:
    idle = RecordingIdle()
    sandbox = SandboxServer(SandboxState(), bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET)
    with sandbox:
        client = WebClient(token=BOT_TOKEN, base_url=sandbox.api_url)
        app = App(client=client, signing_secret=SIGNING_SECRET)
        services = HandlerServices(
            costs=None,  # type: ignore[arg-type]
            coverage=None,  # type: ignore[arg-type]
            source_status=None,  # type: ignore[arg-type]
            today=lambda: date(2026, 12, 2),
            idle=idle,  # type: ignore[arg-type]
        )
        handlers.register(app, services)
        with BackgroundServer(SlackRequestHandler(app)) as bot:
            sandbox.bot_url = f"{bot.url}/slack/events"
            view = ProposalView(PROPOSAL, ADA, (BEN,), Decimal("24.14"), 24)
            text, blocks = describe_proposal(view)
            ts = client.chat_postMessage(channel=ML, text=text, blocks=blocks)["ts"]
            yield sandbox, idle, ts


def private_to(sandbox: SandboxServer, user: str) -> list[str]:
    return [m.text for m in sandbox.state.ephemeral_messages(user)]


def test_an_approver_confirms_and_the_service_approves(world) -> None:
    sandbox, idle, ts = world
    page = SandboxPage(sandbox, user=ADA)
    asked = page.press(ML, ts, ACTIONS_BLOCK, "idle_approve", confirm=False)
    assert asked["confirm"]["title"]["text"] == "Stop this machine?"
    assert idle.calls == []  # the dialog was not confirmed: nothing was sent
    pressed = page.press(ML, ts, ACTIONS_BLOCK, "idle_approve")
    assert pressed["status"] == 200
    wait_for(lambda: idle.calls == [("approve", PROPOSAL.id, ADA)])


def test_anyone_else_is_told_privately_who_may_and_nothing_happens(world) -> None:
    sandbox, idle, ts = world
    for action in ("idle_approve", "idle_keep"):  # Start again uses the same guard
        SandboxPage(sandbox, user=BEN).press(ML, ts, ACTIONS_BLOCK, action)
    wait_for(lambda: len(private_to(sandbox, BEN)) == 2)
    assert set(private_to(sandbox, BEN)) == {REFUSAL}
    assert idle.calls == [] and SandboxPage(sandbox, user=BEN).modal()["view"] is None


@pytest.mark.parametrize(
    ("error", "told"),
    [
        (AlreadyDecidedError("Already approved by <@U0SANDBOX2>."), "Already approved"),
        (RuntimeError("the store is down"), "Something went wrong"),
    ],
)
def test_a_failure_is_told_privately_to_the_clicker(world, error, told) -> None:
    sandbox, idle, ts = world
    idle.fail = error
    SandboxPage(sandbox, user=ADA).press(ML, ts, ACTIONS_BLOCK, "idle_approve")
    wait_for(lambda: any(told in t for t in private_to(sandbox, ADA)))
    assert private_to(sandbox, BEN) == []


def test_keep_running_asks_how_long_and_why(world) -> None:
    sandbox, idle, ts = world
    page = SandboxPage(sandbox, user=ADA)
    page.press(ML, ts, ACTIONS_BLOCK, "idle_keep")
    view = page.wait_for_modal(callback_id="idle_keep_modal")
    assert "gpu-train-1" in str(view["blocks"])
    refused = page.submit({"duration": {"value": "1w"}, "reason": {"value": "   "}})
    assert refused["result"] == "errors" and set(refused["errors"]) == {"reason"}
    assert idle.calls == []
    kept = page.submit({"duration": {"value": "1w"}, "reason": {"value": "demo on Friday"}})
    assert kept["result"] == "closed"
    wait_for(lambda: idle.calls == [("keep", PROPOSAL.id, ADA, "1w", "demo on Friday")])


def test_a_keep_the_service_refuses_is_told_privately(world) -> None:
    sandbox, idle, ts = world
    idle.fail = AlreadyDecidedError("Already approved by <@U0SANDBOX2>.")
    page = SandboxPage(sandbox, user=ADA)
    page.press(ML, ts, ACTIONS_BLOCK, "idle_keep")
    page.wait_for_modal(callback_id="idle_keep_modal")
    page.submit({"duration": {"value": "3h"}, "reason": {"value": "busy tonight"}})
    wait_for(lambda: "Already approved by <@U0SANDBOX2>." in private_to(sandbox, ADA))


def test_a_stale_button_is_told_out_of_date(world) -> None:
    sandbox, idle, _ = world
    client = WebClient(token=BOT_TOKEN, base_url=sandbox.api_url)
    old = {
        "type": "actions",
        "block_id": "old",
        "elements": [
            {
                "type": "button",
                "action_id": "idle_start",
                "value": "i-0abc123",
                "text": {"type": "plain_text", "text": "Start again"},
            }
        ],
    }
    ts = client.chat_postMessage(channel=ML, text="old", blocks=[old])["ts"]
    SandboxPage(sandbox, user=ADA).press(ML, ts, "old", "idle_start")
    wait_for(lambda: any("out of date" in t for t in private_to(sandbox, ADA)))
    assert idle.calls == []


def test_cost_idle_and_savings_answer_privately(world) -> None:
    sandbox, idle, _ = world
    page = SandboxPage(sandbox, user=BEN)
    page.command(ML, "/cost idle")
    wait_for(lambda: any("Idle machines" in t for t in private_to(sandbox, BEN)))
    assert any(t.startswith("[DRY RUN]") for t in private_to(sandbox, BEN))
    page.command(ML, "/cost savings 2026-11")
    wait_for(lambda: ("savings", date(2026, 11, 1), date(2026, 12, 1)) in idle.calls)
    wait_for(lambda: any("2026-11-01 to 2026-11-30" in t for t in private_to(sandbox, BEN)))
    assert private_to(sandbox, ADA) == []
