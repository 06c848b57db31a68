"""The budget modal: its view (Edit or New budget) and reading a submission back into a Budget.

Every input is checked with the Budget's own rules (BudgetError messages), field by field, so a
bad entry is named on its own input (`response_action: errors`) and nothing is saved.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.allocation import DIMENSIONS
from bot.domain.budgets import (
    ALL_SCOPE,
    DEFAULT_PERIOD,
    DEFAULT_THRESHOLDS,
    Budget,
    BudgetError,
    BudgetPeriod,
    BudgetScope,
)
from handlers.blocks.budgets import scope_text
from handlers.blocks.elements import _section

CALLBACK_ID = "budget_modal"
ACTION = "value"  # every input's one element
DIMENSION, NAME, AMOUNT, CURRENCY, PERIOD = "dimension", "name", "amount", "currency", "period"
THRESHOLDS, CHANNEL, MENTIONS, FLOOR = "thresholds", "channel", "mentions", "floor"
MAX_ERROR = 150  # Slack shows an input's error in one short line
_MENTION = re.compile(r"<[@!](?:subteam\^)?([A-Z0-9]+)(?:\|[^>]*)?>|([A-Z0-9]+)")


def scope_from_key(key: str) -> BudgetScope:
    """The scope a BudgetRef carries (`all`, `project=fraud-detection`); BudgetError if none."""
    if key == ALL_SCOPE:
        return BudgetScope.everything()
    dimension, _, value = key.partition("=")
    return BudgetScope(dimension, value)


@dataclass(frozen=True)
class ModalContext:
    """What the modal remembers in `private_metadata`: the scope edited (None: a new budget)
    and the channel the button was pressed in, where the user is told what was saved."""

    scope: str | None
    channel: str
    # A budget's channel written as `#name` (no id the channel picker could show): kept when
    # the picker is left empty, so editing other fields never drops it.
    channel_name: str | None = None

    def encode(self) -> str:
        data = {"scope": self.scope, "channel": self.channel, "channel_name": self.channel_name}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> ModalContext:
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            data = {}
        data = data if isinstance(data, dict) else {}
        scope, channel, name = data.get("scope"), data.get("channel"), data.get("channel_name")
        return cls(
            scope if isinstance(scope, str) else None,
            str(channel or ""),
            name if isinstance(name, str) and name.startswith("#") else None,
        )


def build_budget_modal(
    context: ModalContext, budget: Budget | None, default_currency: str
) -> dict[str, Any]:
    """The modal's view: Edit (the scope fixed, fields filled in) or New budget."""
    blocks: list[Block] = []
    if budget is not None:
        blocks.append(_section(f"Budget for *{scope_text(budget)}*"))
    else:
        options = [Option(value=d, text=d) for d in (ALL_SCOPE, *DIMENSIONS)]
        blocks.append(
            _input(
                DIMENSION,
                "Budget for",
                StaticSelectElement(action_id=ACTION, options=options, initial_option=options[1]),
            )
        )
        blocks.append(_input(NAME, "Name (empty for all)", _text("fraud-detection"), False))
    period = budget.period if budget else DEFAULT_PERIOD
    periods = [Option(value=p.value, text=p.value) for p in BudgetPeriod]
    thresholds = budget.thresholds if budget else DEFAULT_THRESHOLDS
    channel = budget.channel if budget and budget.channel and budget.channel[0] in "CG" else None
    channel_label = "Channel (empty: routed by scope)"
    if budget is not None and budget.channel and channel is None:
        channel_label = f"Channel (now {budget.channel}; empty keeps it)"
        context = replace(context, channel_name=budget.channel)
    blocks += [
        _input(AMOUNT, "Amount", _text("5000", _amount(budget.amount) if budget else None)),
        _input(CURRENCY, "Currency", _text("USD", budget.currency if budget else default_currency)),
        _input(
            PERIOD,
            "Period",
            StaticSelectElement(
                action_id=ACTION,
                options=periods,
                initial_option=periods[list(BudgetPeriod).index(period)],
            ),
        ),
        _input(
            THRESHOLDS, "Alert at (percent)", _text("50, 80, 100", ", ".join(map(str, thresholds)))
        ),
        _input(
            CHANNEL,
            channel_label,
            ConversationSelectElement(action_id=ACTION, initial_conversation=channel),
            False,
        ),
        _input(
            MENTIONS,
            "Mention (user or user-group ids)",
            _text("U0123ABCD S0123ABCD", " ".join(budget.mentions) if budget else None),
            False,
        ),
        _input(
            FLOOR,
            "No alerts while spend is under",
            _text("50", _amount(budget.floor) if budget and budget.floor is not None else None),
            False,
        ),
    ]
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=PlainTextObject(text="Edit budget" if budget else "New budget"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=context.encode(),
        blocks=blocks,
    )
    return view.to_dict()


def _amount(amount: Decimal) -> str:
    return format(amount, "f")


def _text(placeholder: str, initial: str | None = None) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=ACTION, placeholder=placeholder, initial_value=initial or None
    )


def _input(block_id: str, label: str, element: Any, required: bool = True) -> InputBlock:
    return InputBlock(block_id=block_id, label=label, element=element, optional=not required)


# -- reading a submission -----------------------------------------------------------------


class ModalErrors(Exception):
    """Inputs to fix: block id -> message, shown under each input; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = {block: message[:MAX_ERROR] for block, message in errors.items()}


def budget_from_submission(view: dict[str, Any], context: ModalContext) -> Budget:
    """The Budget the modal's inputs describe, or ModalErrors naming each bad input."""
    values = (view.get("state") or {}).get("values") or {}
    read = lambda block: _value(values.get(block, {}).get(ACTION) or {})  # noqa: E731
    errors: dict[str, str] = {}
    scope = _scope(context, read, errors)
    base = Budget(scope or BudgetScope.everything(), Decimal(1), "USD")
    fields: dict[str, Any] = {}
    parsers = {
        AMOUNT: ("amount", lambda t: _decimal(t, "The amount")),
        CURRENCY: ("currency", lambda t: t.strip()),
        PERIOD: ("period", lambda t: BudgetPeriod.parse(t or DEFAULT_PERIOD.value)),
        THRESHOLDS: ("thresholds", _thresholds),
        CHANNEL: ("channel", lambda t: t or context.channel_name),
        MENTIONS: ("mentions", _mentions),
        FLOOR: ("floor", lambda t: _decimal(t, "The floor") if t.strip() else None),
    }
    for block, (name, parse) in parsers.items():
        try:
            value = parse(read(block))
            replace(base, **{name: value})  # the Budget's own check of this one field
            fields[name] = value
        except BudgetError as error:
            errors[block] = str(error).removeprefix(f"Budget for {base.scope}: ")
    if errors or scope is None:
        raise ModalErrors(errors)
    return Budget(scope=scope, **fields)


def _scope(context: ModalContext, read, errors: dict[str, str]) -> BudgetScope | None:
    try:
        if context.scope is not None:
            return scope_from_key(context.scope)
        dimension = read(DIMENSION) or ALL_SCOPE
        if dimension == ALL_SCOPE:
            return BudgetScope.everything()
        return BudgetScope(dimension, " ".join(read(NAME).split()))
    except BudgetError as error:
        errors[NAME if context.scope is None else AMOUNT] = str(error)
        return None


def _value(state: dict[str, Any]) -> str:
    """The text, selected option or conversation of one input's state."""
    option = state.get("selected_option")
    if isinstance(option, dict):
        return str(option.get("value") or "")
    for key in ("selected_conversation", "selected_channel", "value"):
        if state.get(key):
            return str(state[key])
    return ""


def _decimal(text: str, what: str) -> Decimal:
    cleaned = text.strip().lstrip("$€£¥").replace(",", "").replace(" ", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise BudgetError(f"{what} must be a number such as 5000 or 1250.50.") from None


def _thresholds(text: str) -> tuple[int, ...]:
    parts = [p.strip().rstrip("%") for p in text.replace(";", ",").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise BudgetError(
            "Thresholds must be whole percents separated by commas, e.g. 50, 80, 100."
        )
    return tuple(int(p) for p in parts)


def _mentions(text: str) -> tuple[str, ...]:
    found = []
    for word in text.replace(",", " ").split():
        match = _MENTION.fullmatch(word)
        found.append((match.group(1) or match.group(2)) if match else word)
    return tuple(found)
