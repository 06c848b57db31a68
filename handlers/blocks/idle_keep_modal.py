"""The Keep running modal: for how long (3 h, 1 day, 1 week) and why; reading it back.

The proposal's id and the channel the button was pressed in travel in `private_metadata`;
a submission without a reason, or with a duration costbot does not offer, is refused on the
modal itself (`response_action: errors`) and nothing is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.domain.idle.proposals import KEEP_CHOICES
from bot.services.idle_ports import Proposal
from handlers.blocks.budget_modal import ModalErrors
from handlers.blocks.elements import _section
from handlers.blocks.idle_text import machine_name

CALLBACK_ID = "idle_keep_modal"
ACTION = "value"
DURATION, REASON = "duration", "reason"
MAX_REASON = 500
CHOICE_LABELS = {"3h": "3 hours", "1d": "1 day", "1w": "1 week"}
DEFAULT_CHOICE = "1d"


@dataclass(frozen=True)
class KeepContext:
    """What the modal remembers: the proposal, and where to tell the clicker what happened."""

    proposal_id: str
    channel: str = ""

    def encode(self) -> str:
        return json.dumps({"proposal": self.proposal_id, "channel": self.channel})

    @classmethod
    def decode(cls, text: str | None) -> KeepContext:
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            data = {}
        data = data if isinstance(data, dict) else {}
        proposal, channel = data.get("proposal"), data.get("channel")
        return cls(
            proposal if isinstance(proposal, str) else "",
            channel if isinstance(channel, str) else "",
        )


@dataclass(frozen=True)
class KeepRequest:
    choice: str  # a key of KEEP_CHOICES
    reason: str


def build_keep_modal(context: KeepContext, proposal: Proposal) -> dict[str, Any]:
    """The modal's view, naming the machine it keeps running."""
    options = [Option(value=key, text=CHOICE_LABELS.get(key, key)) for key in KEEP_CHOICES]
    initial = next((o for o in options if o.value == DEFAULT_CHOICE), options[0])
    blocks: list[Block] = [
        _section(
            f"Keep {machine_name(proposal)} running, and say why: the reason is shown in "
            "the message and kept in the audit log."
        ),
        InputBlock(
            block_id=DURATION,
            label="For how long",
            element=RadioButtonsElement(action_id=ACTION, options=options, initial_option=initial),
        ),
        InputBlock(
            block_id=REASON,
            label="Why",
            element=PlainTextInputElement(
                action_id=ACTION,
                multiline=True,
                max_length=MAX_REASON,
                placeholder="e.g. training resumes after the data refresh tonight",
            ),
        ),
    ]
    if proposal.dry_run:
        blocks.insert(0, _section(":test_tube: *DRY RUN*: the lease is recorded all the same."))
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=PlainTextObject(text="Keep running"),
        submit=PlainTextObject(text="Keep running"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=context.encode(),
        blocks=blocks,
    )
    return view.to_dict()


def keep_from_submission(view: dict[str, Any]) -> KeepRequest:
    """The duration and reason entered, or ModalErrors naming each input to fix."""
    values = (view.get("state") or {}).get("values") or {}
    duration = values.get(DURATION, {}).get(ACTION) or {}
    option = duration.get("selected_option") or {}
    choice = str(option.get("value") or "") if isinstance(option, dict) else ""
    reason = " ".join(str((values.get(REASON, {}).get(ACTION) or {}).get("value") or "").split())
    errors: dict[str, str] = {}
    if choice not in KEEP_CHOICES:
        errors[DURATION] = "Choose how long: 3 hours, 1 day or 1 week."
    if not reason:
        errors[REASON] = "Say why it should keep running (the team sees the reason)."
    elif len(reason) > MAX_REASON:
        errors[REASON] = f"Keep the reason under {MAX_REASON} characters."
    if errors:
        raise ModalErrors(errors)
    return KeepRequest(choice, reason)
