"""Idle-machine messages: one per proposal state, within Slack's limits, with the buttons the
state allows, a fallback text, and "dry run" said first whenever it is one."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.domain.idle.proposals import ProposalState
from bot.sandbox.blocks import check_message
from bot.services.idle_ports import Proposal
from bot.services.idle_views import (
    IdleOverview,
    ProposalView,
    SavingRow,
    SavingsReport,
    ScanRow,
)
from handlers.blocks import to_payload
from handlers.blocks.budget_modal import ModalErrors
from handlers.blocks.idle import describe_idle_overview, describe_proposal, describe_savings
from handlers.blocks.idle_keep_modal import (
    CALLBACK_ID,
    KeepContext,
    build_keep_modal,
    keep_from_submission,
)
from handlers.button_values import ProposalRef, decode

AT = datetime(2026, 12, 2, 7, 10, tzinfo=UTC)
ADA, BEN = "U0SANDBOX1", "U0SANDBOX2"
STATES = list(ProposalState)


def proposal(**changes: Any) -> Proposal:
    base = Proposal(
        id="p-7f3a9c",
        key="sim/gpu-1/2026-12-02T06:40",
        controller="simulated",
        instance_id="i-0abc123",
        state=ProposalState.PROPOSED,
        instance={
            "name": "gpu-train-1",
            "type": "p4d.24xlarge",
            "project": "fraud-detection",
            "team": "ml-platform",
            "owner": "ada@example.com",
        },
        verdict={
            "idle_minutes": 45,
            "cpu_max": "1.24",
            "gpu_max": "0",
            "since": "2026-12-02T06:25:00+00:00",
        },
        hourly_cost=Decimal("32.7726"),
        currency="USD",
        price_source="price table",
        channel="C0MLPLATF1",
        dry_run=False,
        created_at=AT,
        expires_at=AT + timedelta(hours=24),
        updated_at=AT,
    )
    return replace(base, **changes)


def view(p: Proposal | None = None, **changes: Any) -> ProposalView:
    base = ProposalView(
        proposal=p or proposal(),
        owner_user=ADA,
        approvers=(BEN, "S0APPROVE1"),
        saving_per_day=Decimal("786.54"),
        ttl_hours=24,
    )
    return replace(base, **changes)


DECIDED = {
    "decided_by": BEN,
    "decided_at": AT + timedelta(minutes=5),
    "stopped_at": AT + timedelta(minutes=6),
    "result": "stopped",
    "lease_until": AT + timedelta(days=1),
    "keep_reason": "training resumes tonight",
    "started_by": ADA,
    "started_at": AT + timedelta(hours=3),
}


def in_state(state: ProposalState, **changes: Any) -> ProposalView:
    return view(proposal(state=state, **{**DECIDED, **changes}))


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def slack_accepts(text: str, blocks: list[dict]) -> None:
    check_message(text, blocks)  # the fake Slack's checker: Slack's limits and error codes


# -- every state --
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("dry_run", [False, True])
def test_every_state_has_a_valid_message_with_a_fallback(state, dry_run) -> None:
    text, blocks = describe_proposal(in_state(state, dry_run=dry_run))
    slack_accepts(text, blocks)
    assert text.strip() and len(text) <= 3000
    assert "gpu-train-1" in text and "i-0abc123" in text
    assert "<@U0SANDBOX1>" in text  # the owner is notified
    assert ("DRY RUN" in text) is dry_run
    if dry_run:
        assert text.startswith("[DRY RUN]")
        assert "DRY RUN" in blocks[0]["text"]["text"]  # said first, before anything else


@pytest.mark.parametrize(
    ("state", "actions"),
    [
        (ProposalState.PROPOSED, ["idle_approve", "idle_keep"]),
        (ProposalState.STOPPED, ["idle_start"]),
        *[(s, []) for s in STATES if s not in (ProposalState.PROPOSED, ProposalState.STOPPED)],
    ],
)
def test_buttons_per_state(state, actions) -> None:
    _, blocks = describe_proposal(in_state(state))
    found = buttons(blocks)
    assert [b["action_id"] for b in found] == actions
    for button in found:
        assert decode(button["value"], ProposalRef) == ProposalRef("p-7f3a9c")  # the id only


def test_approve_has_a_confirm_dialog() -> None:
    _, blocks = describe_proposal(view())
    approve, keep = buttons(blocks)
    assert approve["text"]["text"] == "Approve stop" and keep["text"]["text"] == "Keep running"
    assert approve["style"] == "danger"
    confirm = approve["confirm"]
    assert confirm["title"]["text"] == "Stop this machine?"
    assert "gpu-train-1" in confirm["text"]["text"] and "$786.54/day" in confirm["text"]["text"]
    assert confirm["confirm"]["text"] == "Stop it" and confirm["deny"]["text"] == "Cancel"
    assert confirm["style"] == "danger"
    assert "confirm" not in keep


def test_a_dry_run_confirm_says_nothing_is_stopped() -> None:
    _, blocks = describe_proposal(view(proposal(dry_run=True)))
    approve = buttons(blocks)[0]
    assert approve["style"] == "primary"
    assert "Dry run" in approve["confirm"]["text"]["text"]
    assert "Nothing is really stopped" in approve["confirm"]["text"]["text"]


# -- what each message says --
def test_the_proposal_says_what_who_why_how_much_and_until_when() -> None:
    text, blocks = describe_proposal(view())
    shown = all_text(blocks)
    for expected in (
        "`gpu-train-1` (`i-0abc123`)",
        "p4d.24xlarge",
        "fraud-detection",
        "ml-platform",
        "<@U0SANDBOX1>",
        "Idle since 2026-12-02 06:25 UTC (45 min)",
        "CPU at most 1.2%",  # one decimal
        "GPU at most 0%",
        "$32.77/h (price table)",
        "saves about $786.54/day",
        "<!subteam^S0APPROVE1>",
        "<@U0SANDBOX2>",
        "expires 2026-12-03 07:10 UTC (after 24 h)",
    ):
        assert expected in shown, expected
    assert "$786.54/day" in text and "$32.77/h" in text


def test_an_owner_without_a_slack_user_is_named_not_mentioned() -> None:
    text, blocks = describe_proposal(view(owner_user=None))
    assert "ada@example.com (no Slack user known)" in all_text(blocks)
    assert "<@" not in text
    _, blocks = describe_proposal(view(proposal(instance={"name": "x"}), owner_user=None))
    assert "unknown (no owner tag)" in all_text(blocks)


def test_no_price_is_said_and_no_saving_is_promised() -> None:
    p = proposal(hourly_cost=None, currency=None, price_source=None)
    text, blocks = describe_proposal(view(p, saving_per_day=None))
    assert "cost per hour unknown" in all_text(blocks) and "/day" not in all_text(blocks)
    assert "cost per hour unknown" in text


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (ProposalState.APPROVED, ["Approved by <@U0SANDBOX2>", "stopping…"]),
        (ProposalState.STOPPING, ["stopping…", "Approved by <@U0SANDBOX2>"]),
        (
            ProposalState.STOPPED,
            [
                "Stopped at 2026-12-02 07:16 UTC",
                "approved by <@U0SANDBOX2> at 2026-12-02 07:15 UTC",
                "Result: stopped",
                "Saves about $786.54/day",
                "Start again",
            ],
        ),
        (ProposalState.CANCELLED, ["Not stopped: it is busy again (CPU 80%)", "nothing was"]),
        (
            ProposalState.KEPT,
            ["Kept running by <@U0SANDBOX2> until 2026-12-03 07:10 UTC", "training resumes"],
        ),
        (ProposalState.EXPIRED, ["Expired", "nobody decided within 24 h", "buttons were removed"]),
        (ProposalState.STARTING, ["Starting again, asked by <@U0SANDBOX1>"]),
        (ProposalState.STARTED, ["Started again by <@U0SANDBOX1> at 2026-12-02 10:10 UTC"]),
    ],
)
def test_each_state_says_what_happened(state, expected) -> None:
    result = "it is busy again (CPU 80%)" if state == ProposalState.CANCELLED else "stopped"
    text, blocks = describe_proposal(in_state(state, result=result))
    shown = all_text(blocks)
    for words in expected:
        assert words in shown, words
    assert expected[0] in text


def test_a_failure_says_the_error_and_what_to_do() -> None:
    v = in_state(ProposalState.FAILED, result="access denied: ec2:StopInstances")
    text, blocks = describe_proposal(v)
    shown = all_text(blocks)
    assert "failed: access denied: ec2:StopInstances" in shown
    assert "What to do" in shown and "cloud console" in shown
    assert "access denied" in text


def test_started_elsewhere_is_said() -> None:
    _, blocks = describe_proposal(in_state(ProposalState.STARTED, started_by=None))
    assert "started outside costbot" in all_text(blocks)


def test_a_dry_run_stop_does_not_claim_a_saving() -> None:
    _, blocks = describe_proposal(in_state(ProposalState.STOPPED, dry_run=True))
    shown = all_text(blocks)
    assert "dry run: nothing was really stopped" in shown
    assert "Saves about" not in shown


# -- hostile and huge input --
def test_tag_values_and_reasons_never_mention_anyone() -> None:
    evil = "<!channel> & <@U0EVIL123> *bold*"
    p = proposal(
        state=ProposalState.KEPT,
        instance={"name": evil, "type": evil, "project": evil, "team": evil, "owner": evil},
        keep_reason=evil,
        decided_by=BEN,
        lease_until=AT,
        price_source=evil,
        result=evil,
    )
    text, blocks = describe_proposal(view(p, owner_user=None, approvers=("<!here>",)))
    for where in (text, all_text(blocks)):
        assert "<!channel>" not in where and "<@U0EVIL123>" not in where and "<!here>" not in where
        assert "&lt;!channel&gt;" in where


@pytest.mark.parametrize("state", STATES)
def test_huge_values_stay_within_slacks_limits(state) -> None:
    huge = "x" * 5000
    p = proposal(
        state=state,
        id="p" * 100,
        instance={"name": huge, "type": huge, "project": huge, "team": huge, "owner": huge},
        instance_id="i-" + "9" * 3000,
        price_source=huge,
        **{**DECIDED, "result": huge, "keep_reason": huge},
    )
    text, blocks = describe_proposal(view(p, approvers=tuple(f"U{i:08d}" for i in range(500))))
    slack_accepts(text, blocks)
    assert len(text) <= 3000
    if state == ProposalState.PROPOSED:
        confirm = buttons(blocks)[0]["confirm"]
        assert len(confirm["text"]["text"]) <= 300 and len(confirm["title"]["text"]) <= 100


def test_stored_numbers_of_any_shape_are_read() -> None:
    p = proposal(verdict={"idle_minutes": 130, "cpu_max": 2, "gpu_max": None, "since": None})
    _, blocks = describe_proposal(view(p))
    shown = all_text(blocks)
    assert "Idle (2 h 10 min): CPU at most 2%." in shown and "GPU" not in shown
    p = proposal(verdict={"idle_minutes": "soon", "cpu_max": "n/a", "since": "yesterday"})
    _, blocks = describe_proposal(view(p))
    assert "no utilisation numbers kept" in all_text(blocks)


# -- /cost idle --
def row(i: int = 0, **changes: Any) -> ScanRow:
    base = ScanRow(
        controller="simulated",
        instance_id=f"i-{i:04d}",
        name=f"gpu-{i}",
        type="g5.xlarge",
        project="recsys",
        team="recs",
        owner="chen@example.com",
        idle_minutes=40,
        cpu_max=Decimal("0.8"),
        gpu_max=Decimal("0"),
        hourly_cost=Decimal("1.006"),
        currency="USD",
        proposal_id="p-1",
        proposal_state="proposed",
        note="",
    )
    return replace(base, **changes)


def payload(blocks: list[Block]) -> list[dict]:
    return to_payload(blocks)


def test_the_overview_lists_each_kind() -> None:
    kept = proposal(id="p-2", state=ProposalState.KEPT, **DECIDED)
    stopped = proposal(id="p-3", state=ProposalState.STOPPED, **DECIDED)
    overview = IdleOverview(
        scanned_at=AT,
        candidates=[row(1), row(2, proposal_id=None, proposal_state=None, note="excluded by tag")],
        open=[proposal()],
        kept=[kept],
        stopped=[stopped],
        dry_run=False,
    )
    text, blocks = describe_idle_overview(overview)
    shown = all_text(payload(blocks))
    slack_accepts(text, payload(blocks))
    for expected in (
        "Waiting for a decision* (1)",
        "Idle now (last scan)* (2)",
        "excluded by tag",
        "CPU ≤ 0.8%",
        "$1.01/h",
        "kept by <@U0SANDBOX2> until 2026-12-03 07:10 UTC",
        "training resumes tonight",
        "Stopped by costbot* (1)",
        "last scan 2026-12-02 07:10 UTC",
    ):
        assert expected in shown, expected
    assert text.startswith("Idle machines: 1 waiting for a decision, 2 idle")
    assert "DRY RUN" not in shown


def test_the_overview_before_any_scan_and_in_dry_run() -> None:
    empty = IdleOverview(None, [], [], [], [], dry_run=True)
    text, blocks = describe_idle_overview(empty)
    shown = all_text(payload(blocks))
    assert "No scan has run yet" in shown and "`costbot idle scan`" in shown
    assert "DRY RUN" in shown and text.startswith("[DRY RUN]")
    nothing = IdleOverview(AT, [], [], [], [], dry_run=False)
    assert "No idle machine was found" in all_text(payload(describe_idle_overview(nothing)[1]))


def test_a_long_overview_is_cut_to_fit() -> None:
    many = IdleOverview(
        AT, [row(i, name="n" * 500) for i in range(400)], [proposal()] * 200, [], [], False
    )
    text, blocks = describe_idle_overview(many)
    slack_accepts(text, payload(blocks))
    assert "…and 385 more" in all_text(payload(blocks))


# -- /cost savings --
def test_savings_by_currency_never_added_together() -> None:
    usd = proposal(state=ProposalState.STOPPED, **DECIDED)
    eur = proposal(id="p-9", currency="EUR", state=ProposalState.STARTED, **DECIDED)
    report = SavingsReport(
        start=date(2026, 12, 1),
        end=date(2026, 12, 3),  # exclusive: the 1st and the 2nd
        rows=[SavingRow(usd, Decimal("1200.50"), True), SavingRow(eur, Decimal("80"), False)],
        totals={"USD": Decimal("1200.50"), "EUR": Decimal("80")},
    )
    text, blocks = describe_savings(report)
    shown = all_text(payload(blocks))
    slack_accepts(text, payload(blocks))
    assert "*€80.00 EUR*, *$1,200.50 USD*" in shown
    assert "saved $1,200.50" in shown and "still stopped" in shown
    assert "started again 2026-12-02 10:10 UTC" in shown
    assert "currencies are never added together" in shown
    assert "€80.00 EUR, $1,200.50 USD (estimated) from 2 stop(s)" in text
    assert "2026-12-01 to 2026-12-02" in text and "2026-12-01 – 2026-12-02" in shown


def test_no_savings_says_so() -> None:
    report = SavingsReport(date(2026, 11, 1), date(2026, 12, 1), [], {})
    text, blocks = describe_savings(report)
    assert "nothing saved" in text and "2026-11-01 to 2026-11-30" in text
    assert "Nothing saved in this period" in all_text(payload(blocks))


# -- the Keep running modal --
def test_the_keep_modal_offers_three_durations_and_asks_why() -> None:
    built = build_keep_modal(KeepContext("p-7f3a9c", "C0MLPLATF1"), proposal())
    assert built["callback_id"] == CALLBACK_ID
    assert KeepContext.decode(built["private_metadata"]) == KeepContext("p-7f3a9c", "C0MLPLATF1")
    duration, reason = [b for b in built["blocks"] if b["type"] == "input"]
    assert [o["value"] for o in duration["element"]["options"]] == ["3h", "1d", "1w"]
    assert reason["element"]["type"] == "plain_text_input" and not reason.get("optional")
    assert "gpu-train-1" in all_text(built["blocks"])


def submission(choice: str | None, reason: str) -> dict:
    option = {"selected_option": {"value": choice}} if choice else {"selected_option": None}
    return {
        "state": {"values": {"duration": {"value": option}, "reason": {"value": {"value": reason}}}}
    }


def test_a_keep_submission_is_read_back() -> None:
    kept = keep_from_submission(submission("1w", "  demo\n on Friday "))
    assert (kept.choice, kept.reason) == ("1w", "demo on Friday")


@pytest.mark.parametrize(
    ("choice", "reason", "blocks"),
    [
        (None, "why", {"duration"}),
        ("2y", "why", {"duration"}),
        ("3h", "   ", {"reason"}),
        (None, "", {"duration", "reason"}),
        ("1d", "x" * 501, {"reason"}),
    ],
)
def test_a_bad_keep_submission_names_each_input(choice, reason, blocks) -> None:
    with pytest.raises(ModalErrors) as caught:
        keep_from_submission(submission(choice, reason))
    assert set(caught.value.errors) == blocks
