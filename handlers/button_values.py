"""The one codec for the values our action buttons carry: typed, versioned, ids only.

A value is compact JSON `{"v":1,"t":"<type tag>",...fields}`. Each type is a frozen dataclass
registered under its tag; `decode` checks the version, the tag and every field, so a listener
gets a typed value or a `StaleButtonError` (an old or foreign button) and never a half-read
dict. Values carry ids only: what an id means is looked up, and re-checked, on the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from bot.services.errors import StaleButtonError
from handlers.blocks.limits import MAX_BUTTON_VALUE

VERSION = 1
T = TypeVar("T")
_TYPES: dict[str, type] = {}
_TAGS: dict[type, str] = {}


def button_value(tag: str):
    """Register a frozen dataclass of str fields as the value type with this tag."""

    def register(cls: type[T]) -> type[T]:
        if tag in _TYPES:
            raise ValueError(f"button value tag {tag!r} is registered twice")
        _TYPES[tag] = cls
        _TAGS[cls] = tag
        return cls

    return register


@button_value("alert")
@dataclass(frozen=True)
class AlertRef:
    """An alert, by its key (Show breakdown, Snooze 7 days, Acknowledge)."""

    key: str


@button_value("budget")
@dataclass(frozen=True)
class BudgetRef:
    """A budget, by its scope key (`project=fraud-detection`, `all`): the Edit button."""

    scope: str


@button_value("proposal")
@dataclass(frozen=True)
class ProposalRef:
    """An idle machine's stop proposal, by its opaque id (Approve stop, Keep running, Start
    again): who may decide and what the machine is are read from the store."""

    id: str


def encode(value: object) -> str:
    """The button value for `value`; ValueError past Slack's 2,000 characters."""
    tag = _TAGS.get(type(value))
    if tag is None:
        raise TypeError(f"{type(value).__name__} is not a registered button value")
    data: dict[str, Any] = {"v": VERSION, "t": tag}
    data.update({f.name: getattr(value, f.name) for f in fields(value)})  # type: ignore[arg-type]
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_BUTTON_VALUE:
        raise ValueError(f"button value is {len(text)} characters; Slack allows {MAX_BUTTON_VALUE}")
    return text


def decode(text: object, expected: type[T]) -> T:
    """The typed value a button carried; StaleButtonError for anything else."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise StaleButtonError()
    cls = _TYPES.get(data.get("t"))  # type: ignore[arg-type]
    if cls is not expected:
        raise StaleButtonError()
    names = {f.name for f in fields(cls)}
    values = {name: data.get(name) for name in names}
    if set(data) - names - {"v", "t"} or not all(isinstance(v, str) for v in values.values()):
        raise StaleButtonError()
    return cls(**values)


def action_value(body: dict[str, Any], expected: type[T]) -> T:
    """The typed value of the button pressed in a `block_actions` body."""
    actions = body.get("actions") or [{}]
    return decode(actions[0].get("value"), expected)
