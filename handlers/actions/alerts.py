"""Buttons on alerts: Show breakdown (private to the clicker), Snooze 7 days, Acknowledge.

The value is an `AlertRef` (the alert's key only); what it means is read again from the alert
service. Snooze and Acknowledge update the message in place through its response_url, saying
who did it; a second acknowledgement is answered privately with who was first.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.domain.command_grammar import CostQuery
from bot.domain.command_grammar.subcommands.top import TopQuery
from bot.domain.periods import Period
from bot.services.alerts import AlertService
from bot.services.errors import NotFoundError, StaleButtonError
from handlers import HandlerServices
from handlers.access import only_allowed
from handlers.blocks import ActionId
from handlers.blocks.alerts import build_acknowledged_context, build_snoozed_context
from handlers.button_values import AlertRef, action_value
from handlers.commands import acknowledge
from handlers.commands.answer import Asker
from handlers.commands.dispatch import answer_query
from handlers.errors import reported


def register(app: App, services: HandlerServices) -> None:
    @reported
    def alert_breakdown(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: logging.Logger
    ) -> None:
        show_breakdown(body, respond, client, services)

    @reported
    def alert_snooze(body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        snooze_alert(body, respond, services)

    @reported
    def alert_acknowledge(body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        acknowledge_alert(body, respond, services)

    app.action(ActionId.ALERT_BREAKDOWN.value)(ack=acknowledge, lazy=[alert_breakdown])
    app.action(
        ActionId.ALERT_SNOOZE.value,
        middleware=[snoozers_only(services)],
    )(ack=acknowledge, lazy=[alert_snooze])
    app.action(ActionId.ALERT_ACKNOWLEDGE.value)(ack=acknowledge, lazy=[alert_acknowledge])


def _alerts(services: HandlerServices) -> AlertService:
    if services.alerts is None:
        raise NotFoundError("Alerts are not set up in this costbot.")
    return services.alerts


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id", "")


def show_breakdown(
    body: dict[str, Any], respond: Respond, client: WebClient, services: HandlerServices
) -> None:
    """The `/cost` answer for the alert's scope and period, shown to the clicker only."""
    ref = action_value(body, AlertRef)
    scope = _alerts(services).scope_of(ref.key)
    period = Period(scope.start, scope.end, scope.label)
    if scope.dimension is None or scope.value is None:
        query: Any = TopQuery("service", period)
    else:
        query = CostQuery(scope.dimension, scope.value, period)
    channel = (body.get("channel") or {}).get("id", "")
    answer = answer_query(query, services, Asker(_user(body), channel, client), shareable=False)
    respond(response_type="ephemeral", replace_original=False, **answer.payload())


SNOOZE_REFUSAL = (
    "Only budget editors and the people this alert mentions may snooze it; nothing was changed. "
    "Acknowledge it instead, or ask one of them."
)


def snoozers_only(services: HandlerServices):
    """Listener middleware: Snooze goes through for budget editors and the alert's mentions."""

    def may_snooze(user: str, body: dict[str, Any]) -> bool:
        try:
            key = action_value(body, AlertRef).key
        except StaleButtonError:
            return True  # the listener says the button is out of date
        return _alerts(services).may_snooze(key, user)

    return only_allowed(lambda user: False, lambda: SNOOZE_REFUSAL, about=may_snooze)


def snooze_alert(body: dict[str, Any], respond: Respond, services: HandlerServices) -> None:
    ref = action_value(body, AlertRef)
    user = _user(body)
    until = _alerts(services).snooze(ref.key, user)
    _update(body, respond, build_snoozed_context(user, until).to_dict(), _snoozed(user, until))


def acknowledge_alert(body: dict[str, Any], respond: Respond, services: HandlerServices) -> None:
    ref = action_value(body, AlertRef)
    record = _alerts(services).acknowledge(ref.key, _user(body))
    who = record.acknowledged_by or _user(body)
    _update(body, respond, build_acknowledged_context(who).to_dict(), f"Acknowledged by <@{who}>")


def _snoozed(user: str, until: datetime) -> str:
    return f"Snoozed by <@{user}> until {until:%Y-%m-%d %H:%M} UTC"


def _update(body: dict[str, Any], respond: Respond, context: dict, note: str) -> None:
    """Replace the alert message with itself plus `note` (the original's blocks are kept)."""
    message = body.get("message") or {}
    blocks = [b for b in message.get("blocks") or [] if b.get("block_id") != context["block_id"]]
    text = f"{message.get('text') or 'costbot alert'} ({note})"
    respond(replace_original=True, text=text, blocks=[*blocks, context])
