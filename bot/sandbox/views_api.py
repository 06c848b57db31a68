"""views.open, views.push and views.update: modals, checked as Slack checks them.

A modal needs a trigger_id the sandbox issued (see bot/sandbox/modals.py). Slack's limits:
type "modal"; title, submit and close plain_text of at most 24 characters; at most 100 blocks;
a view with input blocks must have a submit button; callback_id and external_id at most 255
characters, private_metadata at most 3000. Problems answer ``invalid_arguments`` with
``response_metadata.messages`` naming each field, as Slack does.
"""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.blocks import MAX_VIEW_BLOCKS, PLAIN, _err, _string, _text, block_problems
from bot.sandbox.modals import ModalError
from bot.sandbox.web_api import ApiError, MethodCall, method

MAX_VIEW_BYTES = 250_000  # Slack: view_too_large


def modal_problems(view: Any, root: str = "/view") -> list[str]:
    """Every problem Slack would report for this modal view (empty when it would accept it)."""
    if not isinstance(view, dict):
        return [_err("must provide an object", root)]
    problems: list[str] = []
    if view.get("type") != "modal":
        problems.append(_err("must be one of the values: modal", f"{root}/type"))
    _text(view.get("title"), f"{root}/title", problems, limit=24, types=PLAIN)
    for name in ("submit", "close"):
        if view.get(name) is not None:
            _text(view[name], f"{root}/{name}", problems, limit=24, types=PLAIN)
    _string(view.get("callback_id"), f"{root}/callback_id", problems, limit=255)
    _string(view.get("external_id"), f"{root}/external_id", problems, limit=255)
    _string(view.get("private_metadata"), f"{root}/private_metadata", problems, limit=3000)
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append(_err("must provide an array", f"{root}/blocks"))
        return problems
    problems += block_problems(blocks, max_blocks=MAX_VIEW_BLOCKS, root=f"{root}/blocks")
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if has_input and view.get("submit") is None:
        problems.append(_err("must provide submit when blocks contain input", f"{root}/submit"))
    return problems


def checked_modal(raw: Any) -> dict[str, Any]:
    """The view parameter, parsed and checked; ApiError with Slack's code otherwise."""
    if isinstance(raw, str):
        if len(raw.encode()) > MAX_VIEW_BYTES:
            raise ApiError("view_too_large")
        try:
            raw = json.loads(raw)
        except ValueError:
            message = "[ERROR] invalid json [json-pointer:/view]"
            raise ApiError("invalid_arguments", [message]) from None
    elif raw is not None and len(json.dumps(raw).encode()) > MAX_VIEW_BYTES:
        raise ApiError("view_too_large")
    if raw is None:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: view"])
    problems = modal_problems(raw)
    if problems:
        raise ApiError("invalid_arguments", problems)
    return raw


def _trigger_user(call: MethodCall) -> str:
    trigger_id = call.get("trigger_id") or call.get("interactivity_pointer")
    if not trigger_id:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
    try:
        return call.state.modals.use_trigger(str(trigger_id))
    except ModalError as exc:
        raise ApiError(exc.code) from None


@method("views.open")
def views_open(call: MethodCall) -> dict[str, Any]:
    view = checked_modal(call.get("view"))
    user_id = _trigger_user(call)
    try:
        return {"view": call.state.modals.open(user_id, view)}
    except ModalError as exc:
        raise ApiError(exc.code) from None


@method("views.push")
def views_push(call: MethodCall) -> dict[str, Any]:
    view = checked_modal(call.get("view"))
    user_id = _trigger_user(call)
    try:
        return {"view": call.state.modals.push(user_id, view)}
    except ModalError as exc:
        raise ApiError(exc.code) from None


@method("views.update")
def views_update(call: MethodCall) -> dict[str, Any]:
    view_id, external_id = call.get("view_id"), call.get("external_id")
    if not view_id and not external_id:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: view_id"])
    view = checked_modal(call.get("view"))
    try:
        updated = call.state.modals.update(
            view, view_id=view_id, external_id=external_id, hash_=call.get("hash")
        )
    except ModalError as exc:
        raise ApiError(exc.code) from None
    return {"view": updated}
