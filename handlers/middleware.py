"""Global middleware, run after Bolt has verified a request and before any listener.

In order: mark the request verified (the error handler answers through a `response_url` only
then), refuse a request for another workspace or app than the installed one, and let each
Slack delivery through once however often Slack retries it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot.services.deliveries import DeliveryService, delivery_key

VERIFIED = "costbot_verified"

Next = Callable[[], None]


@dataclass(frozen=True)
class InstalledApp:
    """The workspace and app this bot is installed as; None where it could not be learnt."""

    team_id: str | None
    app_id: str | None

    def foreign(self, body: dict[str, Any]) -> str | None:
        """Why this request is for another workspace or app, or None when it is for this one."""
        app_id = body.get("api_app_id")
        if self.app_id and app_id is not None and app_id != self.app_id:
            if not isinstance(app_id, str):
                return "an app id that is not text"
            return f"app {app_id!r}"
        teams = _teams(body)
        if self.team_id and teams and self.team_id not in teams:
            return f"workspace {sorted(teams)!r}"
        return None


def _teams(body: dict[str, Any]) -> set[str]:
    """The workspaces a request names as its own (an event: the ones it was delivered to)."""
    team = body.get("team")
    named = [team.get("id")] if isinstance(team, dict) else []
    named.append(body.get("team_id"))
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list):
        named += [a.get("team_id") for a in authorizations if isinstance(a, dict)]
    # Checked before hashing: a list where an id belongs is no id (and cannot go in a set).
    return {t for t in named if isinstance(t, str) and t}


def register(app: App, installed: InstalledApp | None, deliveries: DeliveryService | None) -> None:
    app.middleware(mark_verified)
    if installed is not None:
        app.middleware(refuse_foreign_requests(installed))
    if deliveries is not None:
        app.middleware(handle_each_delivery_once(deliveries))


def mark_verified(context: BoltContext, next: Next) -> None:
    """Bolt runs global middleware only after its signature check has passed."""
    context[VERIFIED] = True
    next()


def refuse_foreign_requests(installed: InstalledApp):
    def refuse_foreign(
        body: dict[str, Any],
        logger: logging.Logger,
        next: Next,
    ) -> BoltResponse | None:
        reason = installed.foreign(body)
        if reason is None:
            next()
            return None
        logger.warning("refused a request for another installation: %s", reason)
        return BoltResponse(status=403, body="this request is for another workspace or app")

    return refuse_foreign


def handle_each_delivery_once(deliveries: DeliveryService):
    def once(
        body: dict[str, Any],
        request: BoltRequest,
        logger: logging.Logger,
        next: Next,
    ) -> BoltResponse | None:
        key = delivery_key(body)
        if key is None or _first(deliveries, key, logger):
            next()
            return None
        retry = (request.headers.get("x-slack-retry-num") or ["-"])[0]
        logger.info("delivery %s was already handled (retry %s): acknowledged only", key, retry)
        return BoltResponse(status=200, body="")

    return once


def _first(deliveries: DeliveryService, key: str, logger: logging.Logger) -> bool:
    """Claim the delivery; when the store cannot say, handle it (an answer twice beats none)."""
    try:
        return deliveries.first_delivery(key)
    except Exception as error:  # the store's own errors are not the edge's to name
        logger.warning("could not record delivery %s (%s): handling it anyway", key, error)
        return True
