"""Block Kit blocks and elements that can never exceed Slack's limits, whatever the text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from handlers.blocks.limits import (
    MAX_ACTION_ID,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CONFIRM_BUTTON,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_CONTEXT_ELEMENTS,
    MAX_CONTEXT_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
)
from handlers.formatting import truncate, truncate_mrkdwn

# Every builder ends with `_cap_blocks`, and every text goes through a helper here that enforces
# the limit of the field it lands in, so `to_payload` (which validates) never raises.

_CUT_NOTICE = "Some lines were left out to fit in one Slack message."


def to_payload(blocks: Sequence[Block]) -> list[dict]:
    """The blocks as the JSON-ready dicts Slack's API takes (slack_sdk validates here)."""
    return [block.to_dict() for block in blocks]


def _mrkdwn(text: str, limit: int) -> MarkdownTextObject:
    return MarkdownTextObject(text=truncate_mrkdwn(text, limit) or " ", verbatim=True)


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=truncate(text, MAX_HEADER_TEXT) or "costbot"))


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=_mrkdwn(text, MAX_SECTION_TEXT))


def _context(texts: Sequence[str]) -> ContextBlock:
    return ContextBlock(
        elements=[_mrkdwn(t, MAX_CONTEXT_TEXT) for t in texts[:MAX_CONTEXT_ELEMENTS]]
    )


def _button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    if len(value) > MAX_BUTTON_VALUE or len(action_id) > MAX_ACTION_ID:
        raise ValueError("button value or action id too long")  # callers check first
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, MAX_BUTTON_TEXT)),
        action_id=action_id,
        value=value,
        style=style,
        confirm=confirm,
    )


def _confirm(
    title: str, text: str, confirm: str, deny: str, *, style: str | None = None
) -> ConfirmObject:
    """A confirmation dialog (Slack asks before sending the click); `text` is escaped mrkdwn."""
    return ConfirmObject(
        title=PlainTextObject(text=truncate(title, MAX_CONFIRM_TITLE)),
        text=_mrkdwn(text, MAX_CONFIRM_TEXT),
        confirm=PlainTextObject(text=truncate(confirm, MAX_CONFIRM_BUTTON)),
        deny=PlainTextObject(text=truncate(deny, MAX_CONFIRM_BUTTON)),
        style=style,
    )


def _pack_sections(lines: Iterable[str]) -> list[Block]:
    """Lines joined into as few sections as the section text limit allows."""
    chunks: list[str] = []
    for line in lines:
        line = truncate_mrkdwn(line, MAX_SECTION_TEXT)
        if chunks and len(chunks[-1]) + 1 + len(line) <= MAX_SECTION_TEXT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return [_section(chunk) for chunk in chunks]


def _list_sections(title: str, lines: Sequence[str], limit: int, noun: str) -> list[Block]:
    shown = list(lines[:limit])
    if len(lines) > limit:
        shown.append(f"_…and {len(lines) - limit:,} {noun}_")
    return _pack_sections([f"{title}\n{shown[0]}", *shown[1:]] if shown else [title])


def _cap_blocks(blocks: list[Block]) -> list[Block]:
    """At most MAX_BLOCKS blocks; the trailing context and actions blocks are kept."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    tail: list[Block] = []
    for block in reversed(blocks):
        if len(tail) < 2 and isinstance(block, ContextBlock | ActionsBlock):
            tail.insert(0, block)
        else:
            break
    head = blocks[: MAX_BLOCKS - len(tail) - 1]
    return [*head, _context([f"_{_CUT_NOTICE}_"]), *tail]
