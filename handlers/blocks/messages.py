"""Block Kit for the replies that are not reports: unknown name, help and errors."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.domain.allocation import DIMENSIONS
from bot.domain.command_grammar import SUBCOMMANDS
from bot.domain.periods import DEFAULT_PERIOD, VALID_PERIOD_FORMS
from handlers.blocks.buttons import MAX_SUGGESTIONS, SUGGESTION_ACTIONS, suggestion_command
from handlers.blocks.elements import _button, _cap_blocks, _context, _header, _section
from handlers.blocks.limits import MAX_BUTTON_VALUE, SHORT_CHARS
from handlers.blocks.text import _code, _code_escaped, _fallback, _fallback_name, _plain
from handlers.formatting import escape_mrkdwn, escape_truncate, one_line

COMMAND = "/cost"
# Straight from the grammar's table of subcommands: a new subcommand is in the help at once.
HELP_COMMANDS: tuple[tuple[str, str], ...] = tuple((s.usage, s.summary) for s in SUBCOMMANDS)
HELP_EXAMPLES: tuple[str, ...] = tuple(s.example for s in SUBCOMMANDS)
# Each modifier word once, with the subcommands it follows.
HELP_MODIFIERS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (m.word, m.summary, tuple(s.name for s in SUBCOMMANDS if m in s.modifiers))
    for m in dict.fromkeys(m for s in SUBCOMMANDS for m in s.modifiers)
)


def build_unknown_name_blocks(
    error_dimension: str, name: str, suggestions: Sequence[str], period_label: str
) -> list[Block]:
    """`No project named `x` has any cost. Did you mean:` and up to three buttons.

    Button i has action id `suggestion_i` and the corrected command text as its value.
    A suggestion whose command repeats an earlier one, or would not fit in a button value, is
    skipped.
    """
    dimension = escape_truncate(one_line(error_dimension), SHORT_CHARS)
    text = f"No {dimension} named {_code(name)} has any cost."
    buttons: list[ButtonElement] = []
    values: set[str] = set()
    for suggestion in suggestions:
        if len(buttons) == MAX_SUGGESTIONS:
            break
        value = suggestion_command(error_dimension, suggestion, period_label)
        if len(value) > MAX_BUTTON_VALUE or value in values:
            continue
        values.add(value)
        label = _plain(suggestion) or '""'
        buttons.append(_button(label, SUGGESTION_ACTIONS[len(buttons)], value))
    if buttons:
        text += " Did you mean:"
    else:
        period = escape_truncate(one_line(period_label), SHORT_CHARS)
        text += f" `{COMMAND} top {dimension} {period}`".rstrip() + " lists the names with cost."
    blocks: list[Block] = [_section(text)]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return _cap_blocks(blocks)


def unknown_name_text(
    error_dimension: str, name: str, suggestions: Sequence[str], period_label: str
) -> str:
    """Plain fallback text for `build_unknown_name_blocks`."""
    line = f'No {error_dimension} named "{_fallback_name(name)}" has any cost.'
    shown = [_fallback_name(s, 60) for s in list(dict.fromkeys(suggestions))[:MAX_SUGGESTIONS]]
    if shown:
        line += f" Did you mean: {', '.join(shown)}?"
    return _fallback(line)


def build_help_blocks() -> list[Block]:
    """The grammar of `/cost`, the dimensions, the periods and examples."""
    commands = "\n".join(f"`{escape_mrkdwn(c)}` — {escape_mrkdwn(d)}" for c, d in HELP_COMMANDS)
    dimensions = ", ".join(f"`{d}`" for d in DIMENSIONS)
    examples = "\n".join(f"`{escape_mrkdwn(e)}`" for e in HELP_EXAMPLES)
    return _cap_blocks(
        [
            _header("How to ask costbot"),
            _section(f"*Commands*\n{commands}"),
            *([_section(f"*Words*\n{_modifier_lines()}")] if HELP_MODIFIERS else []),
            _section(f"*Dimensions*\n{dimensions}"),
            _section(f"*Periods* (default `{DEFAULT_PERIOD}`)\n{_period_forms()}"),
            _section(f"*Examples*\n{examples}"),
            _context(["Dates are UTC days. Names are matched without regard to case."]),
        ]
    )


def help_text() -> str:
    """Plain fallback text for the help message, with every example."""
    commands = "; ".join(f"{c} ({d})" for c, d in HELP_COMMANDS)
    periods = ", ".join(VALID_PERIOD_FORMS)
    examples = "\n".join(HELP_EXAMPLES)
    words = "".join(
        f" Add `{word}` to a {' or '.join(names)} question: {summary}."
        for word, summary, names in HELP_MODIFIERS
    )
    return _fallback(f"costbot help: {commands}.{words} Periods: {periods}.\nExamples:\n{examples}")


def _modifier_lines() -> str:
    return "\n".join(
        f"`{escape_mrkdwn(word)}` after a {escape_mrkdwn(' or '.join(names))} question — "
        f"{escape_mrkdwn(summary)}"
        for word, summary, names in HELP_MODIFIERS
    )


def build_error_blocks(message: str, error_id: str | None) -> list[Block]:
    """A friendly error, and an id the user can quote when asking for help."""
    text = f":warning: {escape_mrkdwn(message.strip()) or 'Something went wrong.'}"
    blocks: list[Block] = [_section(text)]
    if error_id:
        error = escape_truncate(one_line(error_id), 100)
        blocks.append(
            _context([f"Error id {_code_escaped(error)}: quote it when asking for help."])
        )
    return _cap_blocks(blocks)


def error_text(message: str, error_id: str | None) -> str:
    """Plain fallback text for `build_error_blocks`."""
    text = message.strip() or "Something went wrong."
    if error_id:
        text += f" (error id {one_line(error_id)[:100]})"
    return _fallback(text)


def _period_forms() -> str:
    forms = []
    for form in VALID_PERIOD_FORMS:
        word, _, note = form.partition(" ")
        forms.append(f"`{escape_mrkdwn(word)}` {escape_mrkdwn(note)}".rstrip())
    return ", ".join(forms)
