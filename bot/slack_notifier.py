"""Post outbox messages with slack_sdk: its retry handlers wait out 429s and brief outages."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.settings import SlackSettings


class SlackNotifier:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        self._client.chat_postMessage(channel=channel, text=text, blocks=blocks or None)


def build_notifier(slack: SlackSettings) -> SlackNotifier | None:
    """A notifier when a bot token is set; None otherwise (messages wait in the outbox)."""
    if slack.slack_bot_token is None or not slack.slack_bot_token.get_secret_value():
        return None
    client = WebClient(
        token=slack.slack_bot_token.get_secret_value(),
        base_url=slack.costbot_slack_api_url,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
    return SlackNotifier(client)
