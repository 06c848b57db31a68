"""The page's modal API: what the open modal of a user is, and Submit / Close on it.

  GET  /sandbox/api/modal?user=U...          {"view", "depth", "errors", "notice"}
  POST /sandbox/api/modal/submit             {"user", "values": {block_id: {action_id: raw}}}
  POST /sandbox/api/modal/close              {"user"}

Submit answers ``{"result": closed|errors|updated|pushed|cleared|kept, "errors", "reply"}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from bot.sandbox.modal_submit import Outcome, close_modal, submit_modal
from bot.sandbox.signing import SLACK_TIMEOUT_SECONDS
from bot.sandbox.state import SandboxState


def modal_blueprint(
    state: SandboxState, *, signing_secret: str, timeout: float = SLACK_TIMEOUT_SECONDS
) -> Blueprint:
    modal = Blueprint("sandbox_modal", __name__)

    def user_of(data: dict[str, Any]) -> str | None:
        user_id = data.get("user") or state.sandbox_user_id
        return user_id if state.user(user_id) else None

    def answer(outcome: Outcome):
        reply = outcome.reply
        return jsonify(
            {
                "result": outcome.result,
                "errors": outcome.errors,
                "reply": None
                if reply is None
                else {"status": reply.status, "body": reply.body, "error": reply.error},
            }
        )

    @modal.get("/sandbox/api/modal")
    def current():
        user_id = user_of(dict(request.args))
        if user_id is None:
            return jsonify({"error": "unknown user"}), 400
        return jsonify(
            {
                "view": state.modals.top(user_id),
                "depth": state.modals.depth(user_id),
                "errors": state.modals.errors(user_id),
                "notice": state.modals.notice(user_id),
            }
        )

    @modal.post("/sandbox/api/modal/submit")
    def submit():
        data = request.get_json(silent=True) or {}
        user_id = user_of(data)
        if user_id is None:
            return jsonify({"error": "unknown user"}), 400
        if not state.bot_url:
            return jsonify({"error": "no bot URL configured for this sandbox"}), 503
        values = data.get("values") or {}
        if not isinstance(values, dict):
            return jsonify({"error": "values must be an object"}), 400
        try:
            outcome = submit_modal(
                state, state.bot_url, signing_secret, user_id, values, timeout=timeout
            )
        except LookupError as exc:
            return jsonify({"error": str(exc)}), 404
        except ValueError as exc:  # an option the element does not have
            return jsonify({"error": str(exc)}), 400
        return answer(outcome)

    @modal.post("/sandbox/api/modal/close")
    def close():
        data = request.get_json(silent=True) or {}
        user_id = user_of(data)
        if user_id is None:
            return jsonify({"error": "unknown user"}), 400
        try:
            outcome = close_modal(state, state.bot_url, signing_secret, user_id, timeout=timeout)
        except LookupError as exc:
            return jsonify({"error": str(exc)}), 404
        return answer(outcome)

    return modal
