"""Post outbox messages, and rewrite posted ones in place, with slack_sdk: its retry handlers
wait out 429s and brief outages."""

from __future__ import annotations

import hashlib
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.services.outbox import (
    MAX_BLOCKS,
    ChannelUnavailable,
    PermanentPostError,
    PostedMessage,
    RateLimited,
)
from bot.services.snapshot_state import OutboxFile
from bot.settings import SlackSettings

# Errors that say the bot cannot post in this channel at all (another channel may do).
_CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
# Errors about the message or the app itself: the same post would be refused again.
_PERMANENT_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "too_many_attachments",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "not_authed",
        "missing_scope",
    }
)
# Errors that say this one message can no longer be rewritten (deleted, not the bot's, too
# old): the next edit of it would be refused the same way.
_MESSAGE_ERRORS = frozenset(
    {"message_not_found", "cant_update_message", "edit_window_closed", "msg_too_long"}
)
DEFAULT_RETRY_AFTER = 30.0
# The longest Retry-After the client sleeps out itself. With the client's 30 s timeout and two
# connection retries, a post then ends well inside the outbox's lease (LEASE_SECONDS), so no
# other process can take a message still being posted; a longer wait is the outbox's.
CLIENT_RETRY_AFTER_LIMIT = 20.0
CLIENT_TIMEOUT_SECONDS = 30
_UPLOADS_REMEMBERED = 64
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, for short waits only: a longer Retry-After raises at once,
    so the outbox keeps the message, waits without holding a thread, and posts it later."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after(response.headers)
        return wait is not None and wait <= CLIENT_RETRY_AFTER_LIMIT


def _retry_after(headers: dict[str, Any]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class SlackNotifier:
    def __init__(self, client: WebClient) -> None:
        self._client = client
        # Files already uploaded, by sha256 of their content: a message posted again (in its
        # fallback channel, or after a failed post) shows the same upload.
        self._uploaded: dict[str, tuple[str, str]] = {}

    @property
    def client(self) -> WebClient:
        return self._client

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        file: OutboxFile | None = None,
    ) -> PostedMessage:
        if file is not None and is_image(file):
            blocks = [*blocks[: MAX_BLOCKS - 1], self._image_block(file)]
        elif file is not None:
            text, blocks = self._with_file_link(file, text, blocks)
        try:
            answer = self._client.chat_postMessage(
                channel=channel, text=text, blocks=blocks or None
            )
        except SlackApiError as error:
            raise _typed(error) from error
        return PostedMessage(str(answer.get("channel") or channel), str(answer.get("ts") or ""))

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Rewrite the bot's message `ts` in `channel` (chat.update); an empty `blocks` removes
        the old ones (buttons included). Raises ChannelUnavailable, PermanentPostError (the
        message is gone or not the bot's), RateLimited (still 429 after the client's retry)
        or SlackApiError."""
        try:
            self._client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as error:
            code = error.response.get("error")
            if code in _MESSAGE_ERRORS:
                raise PermanentPostError(f"Slack refused the update: {code}") from error
            raise _typed(error) from error

    def _image_block(self, file: OutboxFile) -> dict[str, Any]:
        """Upload without a channel (the file stays the bot's) and show it in the message."""
        file_id, _permalink = self._upload(file)
        return {
            "type": "image",
            "slack_file": {"id": file_id},
            "alt_text": file.title or file.name,
        }

    def _with_file_link(
        self, file: OutboxFile, text: str, blocks: list[dict[str, Any]]
    ) -> tuple[str, list[dict[str, Any]]]:
        """A file that is not an image (a report's CSV): uploaded without a channel, then
        linked by its permalink in the message, which shares it where the message is posted.
        The message is still one chat.postMessage, so it is posted once like any other."""
        _file_id, permalink = self._upload(file)
        link = f"<{permalink}|{file.name}>"
        block = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f":page_facing_up: {link}"},
        }
        return f"{text}\n{link}", [*blocks[: MAX_BLOCKS - 1], block]

    def _upload(self, file: OutboxFile) -> tuple[str, str]:
        """(file id, permalink) of the file, uploaded once per content in this process."""
        digest = hashlib.sha256(file.content).hexdigest()
        uploaded = self._uploaded.get(digest)
        if uploaded is None:
            try:
                upload = self._client.files_upload_v2(
                    file=file.content, filename=file.name, title=file.title or file.name
                )
            except SlackApiError as error:
                raise _typed(error) from error
            uploaded = (str(upload["file"]["id"]), str(upload["file"].get("permalink") or ""))
            if len(self._uploaded) >= _UPLOADS_REMEMBERED:
                self._uploaded.clear()
            self._uploaded[digest] = uploaded
        return uploaded


def is_image(file: OutboxFile) -> bool:
    """Images are shown in the message; other files are linked (the outbox keeps no type)."""
    return file.name.lower().endswith(_IMAGE_SUFFIXES)


def _typed(error: SlackApiError) -> Exception:
    code = error.response.get("error")
    if code in _CHANNEL_ERRORS:
        return ChannelUnavailable(str(code))
    if code in _PERMANENT_ERRORS:
        return PermanentPostError(f"Slack refused the message: {code}")
    if error.response.status_code == 429:
        retry_after = _retry_after(error.response.headers or {})
        return RateLimited(retry_after if retry_after is not None else DEFAULT_RETRY_AFTER)
    return error


def build_notifier(slack: SlackSettings) -> SlackNotifier | None:
    """A notifier when a bot token is set; None otherwise (messages wait in the outbox)."""
    if slack.slack_bot_token is None or not slack.slack_bot_token.get_secret_value():
        return None
    client = WebClient(
        token=slack.slack_bot_token.get_secret_value(),
        base_url=slack.costbot_slack_api_url,
        timeout=CLIENT_TIMEOUT_SECONDS,
        retry_handlers=[
            # One wait inside the client; a longer rate limit is the outbox's to wait out.
            ShortRateLimitRetryHandler(max_retry_count=1),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
    return SlackNotifier(client)
