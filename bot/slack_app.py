"""Build the Bolt app: one Web API client (with retries) pointed at the configured Slack API."""

from __future__ import annotations

import logging
import os

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

import handlers
from bot import bolt_fixes
from bot.app import Services
from bot.services.alert_routing import AlertRouter
from bot.services.answer_pool import AnswerPool
from bot.settings import ConfigError, SlackSettings
from bot.slack_directory import SlackChannelDirectory, SlackOwnerDirectory, SlackUserGroups
from bot.slack_notifier import SlackNotifier
from handlers.middleware import InstalledApp

logger = logging.getLogger("costbot.slack")

# Answers are mostly CPU work under one GIL: a few threads keep the cores busy, while many
# would only queue for the GIL and slow the acks served beside them.
LISTENER_THREADS = min(32, 2 * (os.cpu_count() or 1) + 2)


def build_web_client(settings: SlackSettings) -> WebClient:
    """A WebClient for the bot token that retries on rate limits and dropped connections."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.costbot_slack_api_url.rstrip("/") + "/"
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_bolt_app(services: Services, settings: SlackSettings) -> App:
    """The Slack app with every listener registered; signatures always verified."""
    settings.check()
    bolt_fixes.apply()
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    try:
        return _build_bolt_app(services, settings, secret)
    except (BoltError, SlackClientError, OSError) as error:
        # A wrong token or an unreachable Slack API at start is a setting to fix, not a crash.
        raise ConfigError(
            f"costbot cannot start: Slack at {settings.costbot_slack_api_url} could not confirm "
            f"the bot token ({_reason(error)}). Check SLACK_BOT_TOKEN (OAuth & Permissions > "
            "Bot User OAuth Token) and that this machine reaches Slack (COSTBOT_SLACK_API_URL)."
        ) from error


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "refused")
    return str(error).splitlines()[0][:200] or type(error).__name__


def _build_bolt_app(services: Services, settings: SlackSettings, secret: str | None) -> App:
    app = App(
        client=build_web_client(settings),
        signing_secret=secret,
        request_verification_enabled=True,
        # Every listener acks in Slack's own request, at once, and answers in a lazy function
        # on the pool: an ack never waits behind other people's answers (Slack allows 3 s).
        process_before_response=True,
        listener_executor=answer_pool(services),
        logger=logging.getLogger("costbot.slack"),
    )
    # Budget editors' user groups, read now so no access check waits on Slack before its ack.
    groups = SlackUserGroups(app.client)
    groups.warm([e for e in services.config.alerts.budget_editors if e.startswith("S")])
    services.budgets.use_user_groups(groups)
    idle = services.config.idle
    groups.warm(sorted({a for a in idle.approvers.all_ids() if a.startswith("S")}))
    services.idle.use_slack(
        owners=SlackOwnerDirectory(app.client, idle.owners),
        groups=groups,
        editor=SlackNotifier(app.client),
        router=AlertRouter(services.config.channels, SlackChannelDirectory(app.client)),
    )
    handlers.register(
        app,
        handlers.HandlerServices(
            costs=services.costs,
            coverage=services.coverage,
            source_status=services.source_status,
            today=services.costs.today,
            installed=learn_installed_app(app.client, settings),
            deliveries=services.deliveries,
            budgets=services.budgets,
            alerts=services.alerts,
            idle=services.idle,
        ),
    )
    return app


def answer_pool(services: Services) -> AnswerPool:
    """Answers on a few workers, as many waiting, each within COSTBOT_ANSWER_SECONDS."""
    workers = services.settings.answer_workers or LISTENER_THREADS
    return AnswerPool(workers, waiting=workers, seconds=services.settings.answer_seconds)


def learn_installed_app(client: WebClient, settings: SlackSettings) -> InstalledApp:
    """The workspace and app the bot token belongs to, unless SLACK_TEAM_ID/SLACK_APP_ID pin them.

    auth.test names the team and the bot; bots.info (scope users:read) names the bot's app.
    """
    team_id, app_id = settings.slack_team_id, settings.slack_app_id
    if team_id and app_id:
        return InstalledApp(team_id, app_id)
    identity = client.auth_test()
    team_id = team_id or identity.get("team_id")
    if not app_id and identity.get("bot_id"):
        try:
            app_id = client.bots_info(bot=identity["bot_id"])["bot"].get("app_id")
        except SlackApiError as error:
            logger.warning(
                "could not learn the app id (%s); set SLACK_APP_ID to refuse other apps' requests",
                error.response.get("error"),
            )
    logger.info("serving workspace %s, app %s", team_id, app_id)
    return InstalledApp(team_id, app_id)


def health(services: Services) -> dict[str, object]:
    """What `GET /healthz` reports: the store answers, and how fresh its data is (or why not)."""
    return services.health.report()
