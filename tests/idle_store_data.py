"""Proposals to store in the idle-store tests and the multi-process proposer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.services.alert_ports import AuditEntry
from bot.services.idle_ports import NewProposal
from bot.services.snapshot_state import OutboxItem

AT = datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
CONTROLLER = "aws_ec2:eu-west-1"
CHANNEL = "C0FRAUDDT1"


def new_proposal(
    proposal_id: str,
    instance_id: str = "i-0abc1234567890def",
    *,
    episode: str = "2026-12-09T06:00:00+00:00",
    hourly_cost: Decimal | None = Decimal("32.7726"),
    dry_run: bool = False,
    message: bool = True,
) -> NewProposal:
    key = f"{CONTROLLER}/{instance_id}/{episode}"
    return NewProposal(
        id=proposal_id,
        key=key,
        controller=CONTROLLER,
        instance_id=instance_id,
        instance={"name": "train-gpu-7", "type": "p4d.24xlarge", "team": "fraud"},
        verdict={"idle_minutes": 185, "cpu_max": Decimal("0.031"), "since": AT, "gpus": (0, 1)},
        hourly_cost=hourly_cost,
        currency="USD" if hourly_cost is not None else None,
        price_source="price table",
        channel=CHANNEL,
        dry_run=dry_run,
        created_at=AT,
        expires_at=AT + timedelta(hours=24),
        # The service leaves the key to the store, which files it under the proposal's key.
        message=OutboxItem(key="", channel=CHANNEL, text=f"{instance_id} is idle")
        if message
        else None,
    )


def entry(action: str, subject: str, actor: str = "U0ALICE01", **after) -> AuditEntry:
    return AuditEntry(actor=actor, action=action, subject=subject, at=AT, after=after or None)
