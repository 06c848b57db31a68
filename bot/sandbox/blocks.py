"""Slack's message limits and a Block Kit checker that answers with Slack's error codes.

Problems are reported the way Slack reports them in ``response_metadata.messages``:
``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``.
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

TEXT_TYPES = {"plain_text", "mrkdwn"}
PLAIN = {"plain_text"}
# Block types Slack knows that the checker does not look inside.
OTHER_BLOCKS = {"rich_text", "file", "video", "table", "context_actions"}
INTERACTIVE = {
    "button", "static_select", "external_select", "users_select", "conversations_select",
    "channels_select", "multi_static_select", "multi_external_select", "multi_users_select",
    "multi_conversations_select", "multi_channels_select", "overflow", "datepicker",
    "timepicker", "datetimepicker", "checkboxes", "radio_buttons", "plain_text_input",
    "workflow_button", "rich_text_input", "email_text_input", "number_input",
    "url_text_input", "file_input",
}  # fmt: skip


class MessageError(Exception):
    """A message Slack would refuse: ``code`` is Slack's error, ``messages`` the details."""

    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.messages = messages or []


def _err(message: str, pointer: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"


def parse_blocks(raw: Any, pointer: str = "/blocks") -> list[Any] | None:
    """Blocks as sent (a JSON string from a form, or a list from a JSON body); None if absent."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise MessageError("invalid_blocks_format", [_err("invalid json", pointer)]) from None
    if not isinstance(raw, list):
        raise MessageError("invalid_blocks_format", [_err("must provide an array", pointer)])
    return raw


def check_message(text: Any, blocks: list[Any] | None, *, has_files: bool = False) -> None:
    """Raise MessageError as chat.postMessage would for this text and these blocks."""
    if text is not None and len(str(text)) > MAX_TEXT:
        raise MessageError("msg_too_long")
    if not text and not blocks and not has_files:
        raise MessageError("no_text")
    problems = block_problems(blocks or [], max_blocks=MAX_MESSAGE_BLOCKS)
    if problems:
        raise MessageError("invalid_blocks", problems)


def block_problems(blocks: list[Any], *, max_blocks: int, root: str = "/blocks") -> list[str]:
    """Every Block Kit problem in ``blocks`` (empty when Slack would accept them)."""
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(_err(f"no more than {max_blocks} items allowed", root))
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        _check_block(block, f"{root}/{i}", problems, seen_ids)
    return problems


def _check_block(block: Any, at: str, problems: list[str], seen_ids: set[str]) -> None:
    if not isinstance(block, dict):
        problems.append(_err("must provide an object", at))
        return
    kind = block.get("type")
    if not isinstance(kind, str) or not kind:
        problems.append(_err("missing required field: type", at))
        return
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not 0 < len(block_id) <= 255:
            problems.append(_err("must be a string of 1 to 255 characters", f"{at}/block_id"))
        elif block_id in seen_ids:
            problems.append(_err(f"duplicate block_id: {block_id}", f"{at}/block_id"))
        else:
            seen_ids.add(block_id)
    checker = _BLOCK_CHECKS.get(kind)
    if checker is not None:
        checker(block, at, problems)
    elif kind not in OTHER_BLOCKS:
        problems.append(_err(f"unsupported type: {kind}", f"{at}/type"))


def _text(obj: Any, at: str, problems: list[str], *, limit: int, types: set[str] = TEXT_TYPES):
    if not isinstance(obj, dict):
        problems.append(_err("must provide an object", at))
        return
    if obj.get("type") not in types:
        problems.append(_err(f"must be one of the values: {', '.join(sorted(types))}", at))
    _string(obj.get("text"), f"{at}/text", problems, limit=limit, required=True)


def _string(value: Any, at: str, problems: list[str], *, limit: int, required: bool = False):
    if value is None:
        if required:
            problems.append(_err("missing required field", at))
    elif not isinstance(value, str):
        problems.append(_err("must be a string", at))
    elif not value and required:
        problems.append(_err("must be more than 0 characters", at))
    elif len(value) > limit:
        problems.append(_err(f"must be less than {limit + 1} characters", at))


def _list(value: Any, at: str, problems: list[str], *, most: int) -> list[Any]:
    if not isinstance(value, list):
        problems.append(_err("must provide an array", at))
        return []
    if not value:
        problems.append(_err("must provide at least 1 item", at))
    if len(value) > most:
        problems.append(_err(f"no more than {most} items allowed", at))
    return value


def _section(block: dict[str, Any], at: str, problems: list[str]) -> None:
    if "text" not in block and "fields" not in block:
        problems.append(_err("must provide either text or fields", at))
    if "text" in block:
        _text(block["text"], f"{at}/text", problems, limit=3000)
    if "fields" in block:
        for i, item in enumerate(_list(block["fields"], f"{at}/fields", problems, most=10)):
            _text(item, f"{at}/fields/{i}", problems, limit=2000)
    if "accessory" in block:
        _element(block["accessory"], f"{at}/accessory", problems)


def _header(block: dict[str, Any], at: str, problems: list[str]) -> None:
    _text(block.get("text"), f"{at}/text", problems, limit=150, types=PLAIN)


def _context(block: dict[str, Any], at: str, problems: list[str]) -> None:
    for i, item in enumerate(_list(block.get("elements"), f"{at}/elements", problems, most=10)):
        if isinstance(item, dict) and item.get("type") == "image":
            _image_parts(item, f"{at}/elements/{i}", problems)
        else:
            _text(item, f"{at}/elements/{i}", problems, limit=3000)


def _image_parts(obj: dict[str, Any], at: str, problems: list[str]) -> None:
    if "slack_file" in obj:
        ref = obj["slack_file"]
        if not isinstance(ref, dict) or not (
            isinstance(ref.get("id"), str) or isinstance(ref.get("url"), str)
        ):
            problems.append(_err("must provide an object with id or url", f"{at}/slack_file"))
    else:
        _string(obj.get("image_url"), f"{at}/image_url", problems, limit=3000, required=True)
    _string(obj.get("alt_text"), f"{at}/alt_text", problems, limit=2000, required=True)


def _image(block: dict[str, Any], at: str, problems: list[str]) -> None:
    _image_parts(block, at, problems)
    if "title" in block:
        _text(block["title"], f"{at}/title", problems, limit=2000, types=PLAIN)


def _actions(block: dict[str, Any], at: str, problems: list[str]) -> None:
    elements = _list(block.get("elements"), f"{at}/elements", problems, most=25)
    action_ids = [e.get("action_id") for e in elements if isinstance(e, dict)]
    for i, element in enumerate(elements):
        _element(element, f"{at}/elements/{i}", problems)
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is not None and action_ids.count(action_id) > 1:
            problems.append(_err("duplicate action_id", f"{at}/elements/{i}/action_id"))


def _markdown(block: dict[str, Any], at: str, problems: list[str]) -> None:
    _string(block.get("text"), f"{at}/text", problems, limit=12_000, required=True)


def _element(element: Any, at: str, problems: list[str]) -> None:
    if not isinstance(element, dict):
        problems.append(_err("must provide an object", at))
        return
    kind = element.get("type")
    if kind == "image":
        _image_parts(element, at, problems)
        return
    if kind not in INTERACTIVE:
        problems.append(_err(f"unsupported type: {kind}", f"{at}/type"))
        return
    _string(element.get("action_id"), f"{at}/action_id", problems, limit=255)
    if "confirm" in element:
        _confirm(element["confirm"], f"{at}/confirm", problems)
    if "options" in element:
        most = 10 if kind in ("radio_buttons", "checkboxes") else 100
        for i, option in enumerate(_list(element["options"], f"{at}/options", problems, most=most)):
            _option(option, f"{at}/options/{i}", problems)
    elif kind in ("static_select", "multi_static_select") and "option_groups" not in element:
        problems.append(_err("must provide either options or option_groups", at))
    elif kind in ("radio_buttons", "checkboxes"):
        problems.append(_err("missing required field: options", at))
    if kind == "button":
        _text(element.get("text"), f"{at}/text", problems, limit=75, types=PLAIN)
        _string(element.get("value"), f"{at}/value", problems, limit=2000)
        _string(element.get("url"), f"{at}/url", problems, limit=3000)
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(_err("must be one of the values: primary, danger", f"{at}/style"))


def _confirm(obj: Any, at: str, problems: list[str]) -> None:
    """A confirmation dialog: title, text, confirm and deny, with Slack's lengths."""
    if not isinstance(obj, dict):
        problems.append(_err("must provide an object", at))
        return
    for name, limit in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
        types = TEXT_TYPES if name == "text" else PLAIN
        _text(obj.get(name), f"{at}/{name}", problems, limit=limit, types=types)
    if obj.get("style") not in (None, "primary", "danger"):
        problems.append(_err("must be one of the values: primary, danger", f"{at}/style"))


def _option(obj: Any, at: str, problems: list[str]) -> None:
    if not isinstance(obj, dict):
        problems.append(_err("must provide an object", at))
        return
    _text(obj.get("text"), f"{at}/text", problems, limit=75)
    _string(obj.get("value"), f"{at}/value", problems, limit=150, required=True)


def _input(block: dict[str, Any], at: str, problems: list[str]) -> None:
    _text(block.get("label"), f"{at}/label", problems, limit=2000, types=PLAIN)
    if "hint" in block:
        _text(block["hint"], f"{at}/hint", problems, limit=2000, types=PLAIN)
    if "element" not in block:
        problems.append(_err("missing required field: element", at))
    elif isinstance(block["element"], dict) and block["element"].get("type") == "button":
        problems.append(_err("unsupported type: button", f"{at}/element/type"))
    else:
        _element(block["element"], f"{at}/element", problems)


_BLOCK_CHECKS = {
    "section": _section,
    "header": _header,
    "context": _context,
    "divider": lambda block, at, problems: None,
    "image": _image,
    "actions": _actions,
    "markdown": _markdown,
    "input": _input,
}


def slack_file_ids(blocks: list[Any], root: str = "/blocks") -> list[tuple[str, str]]:
    """(json pointer, file id) of every image that shows an uploaded file by id."""
    found: list[tuple[str, str]] = []

    def visit(obj: Any, at: str) -> None:
        if isinstance(obj, dict):
            ref = obj.get("slack_file")
            if obj.get("type") == "image" and isinstance(ref, dict) and "id" in ref:
                found.append((f"{at}/slack_file", str(ref["id"])))
            for key in ("elements", "accessory"):
                visit(obj.get(key), f"{at}/{key}")
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                visit(item, f"{at}/{i}")

    visit(blocks, root)
    return found


def with_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy with a block_id on every block and an action_id on every interactive element,
    as Slack fills them in when an app leaves them out."""
    out = copy.deepcopy(blocks)
    for block in out:
        block.setdefault("block_id", secrets.token_urlsafe(4)[:5])
        elements = list(block.get("elements") or [])
        for key in ("accessory", "element"):  # a section's accessory, an input's element
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        for element in elements:
            if isinstance(element, dict) and element.get("type") in INTERACTIVE:
                element.setdefault("action_id", secrets.token_urlsafe(4)[:5])
    return out
