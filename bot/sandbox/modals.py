"""Trigger ids and open modals, as Slack keeps them per user.

Slack issues a ``trigger_id`` with every slash command and interaction; an app exchanges it
once for a modal (``views.open`` / ``views.push``). Slack lets a trigger live 3 seconds; the
sandbox allows ``TRIGGER_TTL_SECONDS`` (30) so a slow test machine or a debugger still opens
its modal, and refuses a second use (``exchanged_trigger_id``) as Slack does. A user sees one
modal at a time: a stack of at most three views (the root and two pushed on it).
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.sandbox.blocks import with_ids

if TYPE_CHECKING:
    from bot.sandbox.state import SandboxState

TRIGGER_TTL_SECONDS = 30.0
MAX_STACK = 3  # Slack: "push_limit_reached" beyond three views


class ModalError(Exception):
    """A views.* call Slack would refuse; ``code`` is Slack's error."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Trigger:
    user_id: str
    created: float
    used: bool = False


@dataclass
class _Stack:
    views: list[dict[str, Any]] = field(default_factory=list)  # root first
    errors: dict[str, str] = field(default_factory=dict)  # block_id -> message, top view
    notice: str = ""  # what the Slack client would say above the modal ("trouble connecting")


class ModalStore:
    """Held by SandboxState (``state.modals``); every method takes the state's lock."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self._triggers: dict[str, _Trigger] = {}
        self._stacks: dict[str, _Stack] = {}

    # -- trigger ids -------------------------------------------------------------------
    def new_trigger(self, user_id: str) -> str:
        """A trigger id like Slack's ("1700000000.123456789012.abcdef..."), for one user."""
        now = self._state.clock()
        trigger_id = f"{int(now)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        with self._state.lock:
            self._triggers[trigger_id] = _Trigger(user_id, now)
        return trigger_id

    def use_trigger(self, trigger_id: str) -> str:
        """Spend a trigger: the user it was issued for; ModalError if it cannot be used."""
        with self._state.lock:
            found = self._triggers.get(trigger_id)
            if found is None:
                raise ModalError("invalid_trigger_id")
            if found.used:
                raise ModalError("exchanged_trigger_id")
            if self._state.clock() - found.created > TRIGGER_TTL_SECONDS:
                raise ModalError("expired_trigger_id")
            found.used = True
            return found.user_id

    # -- views -------------------------------------------------------------------------
    def _publish(self, view: dict[str, Any], *, view_id: str | None, root: str | None, prev):
        state = self._state
        published = {
            "id": view_id or state.new_id("V"),
            "team_id": state.team_id,
            "type": "modal",
            "blocks": with_ids(view.get("blocks") or []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(state.clock())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": prev,
            "root_view_id": None,
            "app_id": state.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": state.team_id,
            "bot_id": state.bot_id,
        }
        published["root_view_id"] = root or published["id"]
        return published

    def _check_external_id(self, view: dict[str, Any], keep: str | None = None) -> None:
        wanted = view.get("external_id")
        if not wanted:
            return
        for stack in self._stacks.values():
            for open_view in stack.views:
                if open_view["external_id"] == wanted and open_view["id"] != keep:
                    raise ModalError("duplicate_external_id")

    def open(self, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """A new modal for the user (one already open is replaced, as a new one covers it)."""
        with self._state.lock:
            self._check_external_id(view)
            published = self._publish(view, view_id=None, root=None, prev=None)
            self._stacks[user_id] = _Stack([published])
            return copy.deepcopy(published)

    def push(self, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """A view on top of the user's open modal; with none open it becomes the root."""
        with self._state.lock:
            stack = self._stacks.get(user_id)
            if stack is None or not stack.views:
                return self.open(user_id, view)
            if len(stack.views) >= MAX_STACK:
                raise ModalError("push_limit_reached")
            self._check_external_id(view)
            top = stack.views[-1]
            published = self._publish(view, view_id=None, root=top["root_view_id"], prev=top["id"])
            stack.views.append(published)
            stack.errors, stack.notice = {}, ""
            return copy.deepcopy(published)

    def find(self, *, view_id: str | None = None, external_id: str | None = None):
        """(user id, index in their stack, view) of an open view, or None."""
        with self._state.lock:
            for user_id, stack in self._stacks.items():
                for i, open_view in enumerate(stack.views):
                    if (view_id and open_view["id"] == view_id) or (
                        external_id and open_view["external_id"] == external_id
                    ):
                        return user_id, i, copy.deepcopy(open_view)
            return None

    def update(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        hash_: str | None = None,
    ) -> dict[str, Any]:
        """Replace an open view in place (same id, new hash); ``hash_`` guards a race."""
        with self._state.lock:
            found = self.find(view_id=view_id, external_id=external_id)
            if found is None:
                raise ModalError("not_found")
            user_id, index, current = found
            if hash_ and hash_ != current["hash"]:
                raise ModalError("hash_conflict")
            self._check_external_id(view, keep=current["id"])
            published = self._publish(
                {"external_id": current["external_id"], **view},
                view_id=current["id"],
                root=current["root_view_id"],
                prev=current["previous_view_id"],
            )
            stack = self._stacks[user_id]
            stack.views[index] = published
            if index == len(stack.views) - 1:
                stack.errors, stack.notice = {}, ""
            return copy.deepcopy(published)

    # -- what the user sees and does ----------------------------------------------------
    def top(self, user_id: str) -> dict[str, Any] | None:
        with self._state.lock:
            stack = self._stacks.get(user_id)
            return copy.deepcopy(stack.views[-1]) if stack and stack.views else None

    def depth(self, user_id: str) -> int:
        with self._state.lock:
            stack = self._stacks.get(user_id)
            return len(stack.views) if stack else 0

    def errors(self, user_id: str) -> dict[str, str]:
        with self._state.lock:
            stack = self._stacks.get(user_id)
            return dict(stack.errors) if stack else {}

    def notice(self, user_id: str) -> str:
        with self._state.lock:
            stack = self._stacks.get(user_id)
            return stack.notice if stack else ""

    def show_errors(self, user_id: str, errors: dict[str, str], notice: str = "") -> None:
        with self._state.lock:
            stack = self._stacks.get(user_id)
            if stack:
                stack.errors, stack.notice = dict(errors), notice

    def pop(self, user_id: str) -> None:
        """Close the top view; the one beneath (if any) shows again."""
        with self._state.lock:
            stack = self._stacks.get(user_id)
            if stack and stack.views:
                stack.views.pop()
                stack.errors, stack.notice = {}, ""
                if not stack.views:
                    del self._stacks[user_id]

    def clear(self, user_id: str) -> None:
        """Close every view of the user's modal."""
        with self._state.lock:
            self._stacks.pop(user_id, None)
