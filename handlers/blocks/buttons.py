"""The buttons on our messages: action ids, and the values "share" and "did you mean" carry."""

from __future__ import annotations

import json
import re
from datetime import date
from enum import StrEnum

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.domain.command_grammar import CostQuery, command_text
from bot.domain.periods import DEFAULT_PERIOD, parse_period
from handlers.blocks.elements import _button
from handlers.blocks.limits import MAX_BUTTON_VALUE


class ActionId(StrEnum):
    """The action ids of every button these builders make, and what each button's value is.

    - `share_answer`: compact JSON `{"cmd":"<command text>"}` (see `share_value` and
      `command_from_share_value`); the command text is what followed `/cost`, e.g.
      `project fraud-detection mtd`. No button is added when it would not fit in 2,000
      characters.
    - `suggestion_0`, `suggestion_1`, `suggestion_2`: the corrected command text itself, e.g.
      `project fraud-detection mtd`, as `bot.domain.command_grammar.command_text` writes it, so
      `parse_command` reads it back (see `suggestion_command`). Slack wants action ids unique
      within a block, so the buttons of one actions block cannot share a single action id;
      match them with `SUGGESTION_ACTION_PATTERN`.
    """

    SHARE_ANSWER = "share_answer"
    SUGGESTION_0 = "suggestion_0"
    SUGGESTION_1 = "suggestion_1"
    SUGGESTION_2 = "suggestion_2"
    # On alerts; the value is an `AlertRef` (handlers.button_values): the alert's key only.
    ALERT_BREAKDOWN = "alert_breakdown"
    ALERT_SNOOZE = "alert_snooze"
    ALERT_ACKNOWLEDGE = "alert_acknowledge"
    # On idle-machine proposals; the value is a `ProposalRef` (handlers.button_values): the
    # proposal's opaque id only. Approve stop has a confirm dialog; Keep running opens a modal.
    IDLE_APPROVE = "idle_approve"
    IDLE_KEEP = "idle_keep"
    IDLE_START = "idle_start"


SUGGESTION_ACTIONS: tuple[ActionId, ...] = (
    ActionId.SUGGESTION_0,
    ActionId.SUGGESTION_1,
    ActionId.SUGGESTION_2,
)
# For `app.action(SUGGESTION_ACTION_PATTERN)` in Bolt: one listener for every suggestion button.
SUGGESTION_ACTION_PATTERN = re.compile(r"^suggestion_[0-9]+$")
MAX_SUGGESTIONS = len(SUGGESTION_ACTIONS)

# Any day will do: a relative label ("mtd", "7d") is written back as the label itself.
_LABEL_DAY = date(2000, 6, 15)


def share_value(command_text: str) -> str:
    """The share button's value: compact JSON `{"cmd":"..."}` carrying the command text."""
    return json.dumps({"cmd": command_text}, separators=(",", ":"), ensure_ascii=False)


def command_from_share_value(value: str) -> str:
    """The command text inside a share button's value; ValueError if the value is not ours."""
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError("not a share button value") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cmd"), str):
        raise ValueError("not a share button value")
    return data["cmd"]


def suggestion_command(dimension: str, name: str, period_label: str) -> str:
    """The corrected command text for a suggested name, e.g. `project fraud-detection mtd`.

    Written by the command grammar's own `command_text`, so `parse_command` reads it back as
    the same question: names with spaces, quotes or period-like text are quoted and `&<>` are
    in Slack's escaped form. A period label that does not parse gives the default period.
    """
    try:
        period = parse_period(period_label, _LABEL_DAY)
    except ValueError:
        period = parse_period(DEFAULT_PERIOD, _LABEL_DAY)
    return command_text(CostQuery(dimension, name, period))


def build_share_actions(command_text: str) -> list[Block]:
    """The "Share in channel" actions block for `command_text`, as a list to `extend` with.

    Empty when there is no command to re-run or its value would not fit in 2,000 characters.
    """
    if not command_text.strip():
        return []
    value = share_value(command_text)
    if len(value) > MAX_BUTTON_VALUE:
        return []
    return [ActionsBlock(elements=[_button("Share in channel", ActionId.SHARE_ANSWER, value)])]
