"""The budget modal flow: Edit / New budget open it, a submission is checked, then saved.

Only budget editors get through (handlers/access.py on every listener here; the service checks
again). A submission is checked in the ack itself, so a bad input is shown on the modal
(`response_action: errors`) and nothing is saved; a good one closes the modal, is saved after
the ack, and the user is told privately in the channel the button was pressed in.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.budgets import BudgetService
from bot.services.errors import UserFacingError
from handlers import HandlerServices
from handlers.blocks.budget_modal import (
    AMOUNT,
    CALLBACK_ID,
    ModalContext,
    ModalErrors,
    budget_from_submission,
    build_budget_modal,
    scope_from_key,
)
from handlers.blocks.budgets import EDIT_ACTION, NEW_ACTION, budget_change_text
from handlers.button_values import BudgetRef, action_value
from handlers.commands import acknowledge
from handlers.commands.budget import budget_editors_only
from handlers.errors import SORRY, reported

logger = logging.getLogger(__name__)


def register(app: App, services: HandlerServices) -> None:
    budgets = services.budgets
    if budgets is None:
        return
    editors_only = [budget_editors_only(budgets)]

    @reported
    def open_modal(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: logging.Logger
    ) -> None:
        open_budget_modal(body, client, budgets)

    @reported
    def save(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        save_budget(body, client, budgets)

    app.action(EDIT_ACTION, middleware=editors_only)(ack=acknowledge, lazy=[open_modal])
    app.action(NEW_ACTION, middleware=editors_only)(ack=acknowledge, lazy=[open_modal])
    submissions = [budget_editors_only(budgets, block_id=AMOUNT)]
    app.view(CALLBACK_ID, middleware=submissions)(ack=check_submission, lazy=[save])


def _channel(body: dict[str, Any]) -> str:
    channel = (body.get("channel") or {}).get("id")
    return channel or (body.get("container") or {}).get("channel_id") or ""


def open_budget_modal(body: dict[str, Any], client: WebClient, budgets: BudgetService) -> None:
    """Open the modal with the trigger of the button just pressed (valid for 3 seconds)."""
    action = (body.get("actions") or [{}])[0]
    budget = None
    scope_key = None
    if action.get("action_id") == EDIT_ACTION:
        scope_key = action_value(body, BudgetRef).scope
        scope = scope_from_key(scope_key)
        budget = budgets.stored_budget(scope) or budgets.config_budget(scope)
    view = build_budget_modal(
        ModalContext(scope_key, _channel(body)), budget, budgets.default_currency
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def check_submission(ack: Ack, body: dict[str, Any]) -> None:
    """In Slack's own request: errors on the modal, or close it (the save runs after)."""
    view = body.get("view") or {}
    try:
        budget_from_submission(view, ModalContext.decode(view.get("private_metadata")))
    except ModalErrors as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    ack()


def save_budget(body: dict[str, Any], client: WebClient, budgets: BudgetService) -> None:
    view = body.get("view") or {}
    context = ModalContext.decode(view.get("private_metadata"))
    try:
        budget = budget_from_submission(view, context)
    except ModalErrors:
        return  # refused in the ack already
    user = (body.get("user") or {}).get("id", "")
    try:
        text = budget_change_text(budgets.set_budget(user, budget))
    except UserFacingError as error:  # e.g. no longer an editor: the modal is closed already
        text = str(error)
    except Exception as error:  # the modal is closed: nobody would hear of it but by us
        error_id = uuid.uuid4().hex[:12]
        logger.error("saving a budget failed (error id %s)", error_id, exc_info=error)
        text = f"The budget could not be saved; nothing was changed. {SORRY} Error id: {error_id}"
    if context.channel:
        try:
            client.chat_postEphemeral(channel=context.channel, user=user, text=text)
            return
        except SlackApiError:  # e.g. costbot is not in that channel: a direct message does
            logger.warning("could not answer in %s; telling %s directly", context.channel, user)
    client.chat_postMessage(channel=user, text=text)
