"""The ops channel's messages about a source: failing (once per streak), and back."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.domain.source_health import HealthEvent
from handlers.blocks.elements import _cap_blocks, _context, _section, to_payload
from handlers.formatting import escape_mrkdwn


def source_health_text(event: HealthEvent) -> str:
    since = f"{event.since:%Y-%m-%d %H:%M} UTC"
    if event.kind == "failing":
        return (
            f"costbot source {event.source} ({event.type}) has failed {event.failures} runs in "
            f"a row since {since}; its stored data is unchanged and grows stale. "
            f"Last error: {event.error or 'unknown'}"
        )
    return (
        f"costbot source {event.source} ({event.type}) is back: it ran at "
        f"{event.at:%Y-%m-%d %H:%M} UTC after failing since {since}."
    )


def build_source_health_blocks(event: HealthEvent) -> list[Block]:
    name = f"*{escape_mrkdwn(event.source)}* ({escape_mrkdwn(event.type)})"
    since = f"{event.since:%Y-%m-%d %H:%M} UTC"
    if event.kind == "failing":
        blocks: list[Block] = [
            _section(
                f":warning: Source {name} has failed {event.failures} runs in a row "
                f"since {since}. Its stored data is unchanged and grows stale."
            ),
            _section(f"*Last error*\n```{escape_mrkdwn(event.error or 'unknown')}```"),
            _context(["`costbot status` shows every source; this is said once until it recovers."]),
        ]
    else:
        blocks = [
            _section(
                f":white_check_mark: Source {name} is back: it ran at "
                f"{event.at:%Y-%m-%d %H:%M} UTC after failing since {since}."
            )
        ]
    return _cap_blocks(blocks)


def describe_source_health(event: HealthEvent) -> tuple[str, list[dict]]:
    """The fallback text and Block Kit JSON of the event's ops message."""
    return source_health_text(event), to_payload(build_source_health_blocks(event))
