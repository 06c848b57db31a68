"""chat.postMessage, chat.postEphemeral, chat.update and chat.delete, with Slack's limits."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.blocks import (
    MessageError,
    check_message,
    parse_blocks,
    slack_file_ids,
    with_ids,
)
from bot.sandbox.state import Channel, Message, SandboxState
from bot.sandbox.web_api import ApiError, MethodCall, method


def message_content(
    state: SandboxState, text: Any, raw_blocks: Any, *, has_other_content: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """(text, blocks) checked against Slack's limits; raises MessageError with Slack's code.

    Images that show an uploaded file (``slack_file: {"id": ...}``) must name a file that was
    uploaded, as in Slack.
    """
    blocks = parse_blocks(raw_blocks)
    check_message(text, blocks, has_files=has_other_content)
    missing = [p for p, file_id in slack_file_ids(blocks or []) if state.file(file_id) is None]
    if missing:
        raise MessageError(
            "invalid_blocks", [f"[ERROR] invalid slack file [json-pointer:{p}]" for p in missing]
        )
    return ("" if text is None else str(text)), with_ids(blocks or [])


def _content(call: MethodCall) -> tuple[str, list[dict[str, Any]]]:
    text = call.get("text")
    if text is None:
        text = call.get("markdown_text")
    try:
        return message_content(
            call.state, text, call.get("blocks"), has_other_content=bool(call.get("attachments"))
        )
    except MessageError as exc:
        raise ApiError(exc.code, exc.messages) from None


def _postable_channel(call: MethodCall) -> Channel:
    """The channel to post in: the bot must be a member (DMs always work), as in Slack."""
    channel = call.channel()
    if channel.is_archived:
        raise ApiError("is_archived")
    if not channel.im_user and not channel.is_member:
        raise ApiError("not_in_channel")
    return channel


# A file's permalink (bot/sandbox/files.py file_object): `<base>/files/<user>/<file id>/<name>`.
_PERMALINK = re.compile(r"/files/(?P<user>[A-Z0-9]+)/(?P<id>F[A-Z0-9]+)/")


def _linked_files(state: SandboxState, text: str, blocks: list[dict[str, Any]]) -> list[str]:
    """Files of the bot that the message links by permalink: Slack shares them in the channel
    and shows them with the message (a file uploaded without a channel is private until then)."""
    found = []
    for match in _PERMALINK.finditer(text + json.dumps(blocks)):
        file = state.file(match["id"])
        mine = file is not None and file.user == state.bot_user.id and file.content is not None
        if mine and match["id"] not in found:
            found.append(match["id"])
    return found


@method("chat.postMessage")
def post_message(call: MethodCall) -> dict[str, Any]:
    state = call.state
    channel = _postable_channel(call)
    text, blocks = _content(call)
    files = _linked_files(state, text, blocks)
    for file_id in files:
        state.complete_file(file_id, None, channel.id)
    message = state.add_message(
        Message(
            channel.id,
            state.next_ts(),
            state.bot_user.id,
            text,
            blocks,
            file_ids=files,
            thread_ts=call.get("thread_ts"),
            bot_id=state.bot_id,
        )
    )
    return {"channel": channel.id, "ts": message.ts, "message": state.message_json(message)}


@method("chat.postEphemeral")
def post_ephemeral(call: MethodCall) -> dict[str, Any]:
    state = call.state
    channel = _postable_channel(call)
    user_id = call.require("user")
    if state.user(user_id) is None:
        raise ApiError("user_not_in_channel")
    text, blocks = _content(call)
    message = state.add_message(
        Message(
            channel.id,
            state.next_ts(),
            state.bot_user.id,
            text,
            blocks,
            thread_ts=call.get("thread_ts"),
            ephemeral_to=user_id,
            bot_id=state.bot_id,
        )
    )
    return {"message_ts": message.ts}


def _own_message(call: MethodCall, refusal: str) -> tuple[str, Message]:
    channel = call.channel()
    found = call.state.find_message(channel.id, str(call.require("ts")))
    if found is None or found.ephemeral_to is not None:
        raise ApiError("message_not_found")
    if found.user != call.state.bot_user.id:
        raise ApiError(refusal)
    return channel.id, found


@method("chat.update")
def update(call: MethodCall) -> dict[str, Any]:
    channel_id, found = _own_message(call, "cant_update_message")
    text = call.get("text")
    raw_blocks = call.get("blocks")
    if raw_blocks is None and call.params.get("blocks") is None:
        raw_blocks = found.blocks  # Slack keeps the old blocks unless blocks is sent
    try:
        new_text, blocks = message_content(
            call.state,
            found.text if text is None else text,
            raw_blocks,
            has_other_content=bool(found.file_ids),
        )
    except MessageError as exc:
        raise ApiError(exc.code, exc.messages) from None
    updated = call.state.update_message(channel_id, found.ts, text=new_text, blocks=blocks)
    assert updated is not None
    return {
        "channel": channel_id,
        "ts": updated.ts,
        "text": updated.text,
        "message": call.state.message_json(updated),
    }


@method("chat.delete")
def delete(call: MethodCall) -> dict[str, Any]:
    channel_id, found = _own_message(call, "cant_delete_message")
    call.state.delete_message(channel_id, found.ts)
    return {"channel": channel_id, "ts": found.ts}
