"""Buttons on idle-machine proposals: Approve stop, Keep running (a modal), Start again.

The value is a `ProposalRef` (the proposal's opaque id only). Only the machine's owner and
the team's approvers get through (`deciders_only`, before the ack); anyone else is told
privately who may decide, and nothing happens. The service checks again from the store, moves
the proposal with one conditional update, calls the cloud at most once and rewrites the
channel message itself (chat.update): these listeners never rewrite it. Every failure is told
privately to whoever clicked (handlers/errors.py `reported`): a button never fails silently.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.idle.proposals import ProposalState
from bot.services.errors import (
    AlreadyDecidedError,
    NotFoundError,
    StaleButtonError,
    UserFacingError,
)
from handlers import HandlerServices
from handlers.access import only_allowed, user_of
from handlers.blocks import ActionId
from handlers.blocks.budget_modal import ModalErrors
from handlers.blocks.idle_keep_modal import (
    CALLBACK_ID,
    REASON,
    KeepContext,
    build_keep_modal,
    keep_from_submission,
)
from handlers.button_values import ProposalRef, action_value
from handlers.commands import acknowledge
from handlers.errors import SORRY, reported

if TYPE_CHECKING:
    from bot.services.idle import IdleService

logger = logging.getLogger(__name__)

UNAVAILABLE = "Idle machines are not set up in this costbot (no `idle:` in its config)."
REFUSAL = "Only the machine's owner and the team's approvers may decide; nothing was changed."
OUT_OF_DATE = "This form is out of date: press Keep running on the message again."


def register(app: App, services: HandlerServices) -> None:
    @reported
    def idle_approve(body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        approve_proposal(body, services)

    @reported
    def idle_keep(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: logging.Logger
    ) -> None:
        open_keep_modal(body, client, services)

    @reported
    def idle_start(body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        start_again(body, services)

    def idle_keep_save(body: dict[str, Any], client: WebClient) -> None:
        keep_proposal(body, client, services)

    deciders = [deciders_only(services)]
    app.action(ActionId.IDLE_APPROVE.value, middleware=deciders)(
        ack=acknowledge, lazy=[idle_approve]
    )
    app.action(ActionId.IDLE_KEEP.value, middleware=deciders)(ack=acknowledge, lazy=[idle_keep])
    app.action(ActionId.IDLE_START.value, middleware=deciders)(ack=acknowledge, lazy=[idle_start])
    submissions = [deciders_only(services, block_id=REASON)]
    app.view(CALLBACK_ID, middleware=submissions)(ack=check_keep_submission, lazy=[idle_keep_save])


def _idle(services: HandlerServices) -> IdleService:
    if services.idle is None:
        raise NotFoundError(UNAVAILABLE)
    return services.idle


def proposal_id_of(body: dict[str, Any]) -> str | None:
    """The proposal a button or the Keep running modal is about; None when it cannot say."""
    if body.get("type") == "view_submission":
        return KeepContext.decode((body.get("view") or {}).get("private_metadata")).proposal_id
    try:
        return action_value(body, ProposalRef).id
    except StaleButtonError:
        return None


def deciders_only(services: HandlerServices, *, block_id: str | None = None):
    """Listener middleware: only who may decide on the proposal named gets through.

    A request the listener must answer itself (idle not set up, a stale button, a proposal
    that no longer exists) goes through, so it is told why rather than refused."""

    def may_decide(user: str, body: dict[str, Any]) -> bool:
        proposal_id = proposal_id_of(body)
        if services.idle is None or not proposal_id:
            return True
        try:
            return services.idle.may_decide(proposal_id, user)
        except NotFoundError:
            return True

    def refusal(body: dict[str, Any]) -> str:
        proposal_id = proposal_id_of(body)
        if services.idle is None or not proposal_id:
            return REFUSAL
        try:
            return services.idle.who_may_decide(proposal_id)
        except UserFacingError:
            return REFUSAL

    return only_allowed(
        lambda user: False,
        lambda: REFUSAL,
        about=may_decide,
        refusal_about=refusal,
        block_id=block_id,
    )


def approve_proposal(body: dict[str, Any], services: HandlerServices) -> None:
    """Approve stop (its confirm dialog was answered in Slack): the service does the rest."""
    ref = action_value(body, ProposalRef)
    _idle(services).approve(ref.id, user_of(body))


def start_again(body: dict[str, Any], services: HandlerServices) -> None:
    ref = action_value(body, ProposalRef)
    _idle(services).start_again(ref.id, user_of(body))


def _channel(body: dict[str, Any]) -> str:
    channel = (body.get("channel") or {}).get("id")
    return channel or (body.get("container") or {}).get("channel_id") or ""


def open_keep_modal(body: dict[str, Any], client: WebClient, services: HandlerServices) -> None:
    """Open the modal with the trigger of the button just pressed (valid for 3 seconds)."""
    ref = action_value(body, ProposalRef)
    proposal = _idle(services).proposal(ref.id)
    if proposal.state != ProposalState.PROPOSED:
        raise AlreadyDecidedError(
            f"This proposal is already {proposal.state}, so there is nothing to keep running: "
            "the message says what happened."
        )
    view = build_keep_modal(KeepContext(ref.id, _channel(body)), proposal)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def check_keep_submission(ack: Ack, body: dict[str, Any]) -> None:
    """In Slack's own request: errors on the modal, or close it (the lease is taken after)."""
    view = body.get("view") or {}
    if not KeepContext.decode(view.get("private_metadata")).proposal_id:
        ack(response_action="errors", errors={REASON: OUT_OF_DATE})
        return
    try:
        keep_from_submission(view)
    except ModalErrors as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    ack()


def keep_proposal(body: dict[str, Any], client: WebClient, services: HandlerServices) -> None:
    """Take the lease; the modal is closed, so a failure is told in a private message."""
    view = body.get("view") or {}
    context = KeepContext.decode(view.get("private_metadata"))
    try:
        request = keep_from_submission(view)
    except ModalErrors:
        return  # refused in the ack already
    user = user_of(body)
    try:
        _idle(services).keep(context.proposal_id, user, request.choice, request.reason)
        return  # the service rewrote the message: it says who kept it, until when and why
    except UserFacingError as error:  # e.g. someone approved it meanwhile
        text = str(error)
    except Exception as error:
        error_id = uuid.uuid4().hex[:12]
        logger.error("keeping a machine running failed (error id %s)", error_id, exc_info=error)
        text = f"It could not be kept running; nothing was changed. {SORRY} Error id: {error_id}"
    tell_privately(client, context.channel, user, text)


def tell_privately(client: WebClient, channel: str, user: str, text: str) -> None:
    """A private message in the channel the button was in, else a direct message."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except SlackApiError:  # e.g. costbot is not in that channel any more
            logger.warning("could not answer in %s; telling %s directly", channel, user)
    client.chat_postMessage(channel=user, text=text)
