"""Block Kit for cost answers: report data in, slack_sdk block objects out. No I/O.

Every string that comes from a report, a user or a config file is treated as untrusted:
in mrkdwn it is escaped (`&`, `<`, `>`), put on one line and cut to a fixed length, so a name
like `<!channel>` can never ping anyone and a 5,000-character name can never break Slack's
limits. mrkdwn text objects are `verbatim` so Slack does not auto-link names either.
Plain-text objects (header, button labels) are not parsed by Slack; they are only cut to size.

Every builder ends with `_cap_blocks`, and every text goes through a helper that enforces the
limit of the field it lands in, so `to_payload` (which validates) never raises.

Button values (what the action handlers receive):
- `share_answer`: compact JSON `{"cmd":"<command text>"}` (see `share_value` and
  `command_from_share_value`); the command text is what followed `/cost`, e.g.
  `project fraud-detection mtd`. No button is added when it would not fit in 2,000 characters.
- `suggestion_0`, `suggestion_1`, `suggestion_2`: the corrected command text itself, e.g.
  `project fraud-detection mtd`, as `bot.domain.command_grammar.command_text` writes it, so
  `parse_command` reads it back (see `suggestion_command`). Slack wants action ids unique
  within a block, so the buttons of one actions block cannot share a single action id;
  match them with `SUGGESTION_ACTION_PATTERN`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.domain.allocation import DIMENSIONS, UNALLOCATED
from bot.domain.command_grammar import CostQuery, command_text
from bot.domain.money import ZERO
from bot.domain.periods import DEFAULT_PERIOD, VALID_PERIOD_FORMS, Period, parse_period
from bot.domain.reports import (
    CostReport,
    CurrencyCost,
    CurrencyRanking,
    NamedCost,
    ResourceCost,
    TopReport,
)
from handlers.formatting import (
    escape_mrkdwn,
    escape_truncate,
    format_change,
    format_money,
    format_share,
    one_line,
    truncate,
    truncate_mrkdwn,
)

_Costed = TypeVar("_Costed", NamedCost, ResourceCost)


class ActionId(StrEnum):
    """The action ids of every button these builders make; see the module docstring."""

    SHARE_ANSWER = "share_answer"
    SUGGESTION_0 = "suggestion_0"
    SUGGESTION_1 = "suggestion_1"
    SUGGESTION_2 = "suggestion_2"


SUGGESTION_ACTIONS: tuple[ActionId, ...] = (
    ActionId.SUGGESTION_0,
    ActionId.SUGGESTION_1,
    ActionId.SUGGESTION_2,
)
# For `app.action(SUGGESTION_ACTION_PATTERN)` in Bolt: one listener for every suggestion button.
SUGGESTION_ACTION_PATTERN = re.compile(r"^suggestion_[0-9]+$")

# Slack's limits (https://api.slack.com/reference/block-kit), counted in characters (code
# points, as slack_sdk counts them). No builder uses section fields, and no actions block has
# more than three buttons, so those limits (10 fields of 2,000, 25 elements) hold by design.
MAX_BLOCKS = 50
MAX_HEADER_TEXT = 150
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000  # below the 3,000 of a text object, to keep footers short
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
# Slack truncates a message's `text` past 40,000 characters; notifications need far less.
MAX_FALLBACK_TEXT = 3000

# Our own display choices, all well inside the limits above.
TOP_SERVICES_SHOWN = 5
TOP_RESOURCES_SHOWN = 5
TOP_ROWS_SHOWN = 20
DETAILED_CURRENCIES = 3  # currencies beyond these get one line each in "Other currencies"
OTHER_CURRENCY_LINES = 20
MAX_SUGGESTIONS = len(SUGGESTION_ACTIONS)
NAME_CHARS = 80  # a name in a list, after escaping
SHORT_CHARS = 40  # a dimension, period label, tag key or currency code, after escaping
TAG_KEYS_SHOWN = 10
FALLBACK_NAME_CHARS = 200

COMMAND = "/cost"
HELP_COMMANDS: tuple[tuple[str, str], ...] = (
    ("/cost <dimension> <name> [period]", "what one project, team, owner or model cost"),
    ("/cost top <dimension> [period]", "the largest values of a dimension"),
    ("/cost untagged [period]", "cost that no tag assigns to anyone"),
    ("/cost trend <dimension> <name> [period]", "daily cost over the period"),
    ("/cost status", "how fresh the billing data is"),
    ("/cost help", "this message"),
)
HELP_EXAMPLES: tuple[str, ...] = (
    "/cost project fraud-detection last-month",
    "/cost top team mtd",
    "/cost untagged 30d",
    "/cost trend project llm-chat 90d",
    "/cost status",
    "/cost help",
)

_BASIS_TEXT = {
    "effective": "effective cost (amortised, after discounts)",
    "billed": "billed cost",
}
_SEPARATE_CURRENCIES = "Each currency is reported on its own; currencies are never added together."
_CUT_NOTICE = "Some lines were left out to fit in one Slack message."
# Any day will do: a relative label ("mtd", "7d") is written back as the label itself.
_LABEL_DAY = date(2000, 6, 15)


# --- public helpers -------------------------------------------------------------------------


def to_payload(blocks: Sequence[Block]) -> list[dict]:
    """The blocks as the JSON-ready dicts Slack's API takes (slack_sdk validates here)."""
    return [block.to_dict() for block in blocks]


def share_value(command_text: str) -> str:
    """The share button's value: compact JSON `{"cmd":"..."}` carrying the command text."""
    return json.dumps({"cmd": command_text}, separators=(",", ":"), ensure_ascii=False)


def command_from_share_value(value: str) -> str:
    """The command text inside a share button's value; ValueError if the value is not ours."""
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError("not a share button value") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cmd"), str):
        raise ValueError("not a share button value")
    return data["cmd"]


def suggestion_command(dimension: str, name: str, period_label: str) -> str:
    """The corrected command text for a suggested name, e.g. `project fraud-detection mtd`.

    Written by the command grammar's own `command_text`, so `parse_command` reads it back as
    the same question: names with spaces, quotes or period-like text are quoted and `&<>` are
    in Slack's escaped form. A period label that does not parse gives the default period.
    """
    try:
        period = parse_period(period_label, _LABEL_DAY)
    except ValueError:
        period = parse_period(DEFAULT_PERIOD, _LABEL_DAY)
    return command_text(CostQuery(dimension, name, period))


def build_share_actions(command_text: str) -> list[Block]:
    """The "Share in channel" actions block for `command_text`, as a list to `extend` with.

    Empty when there is no command to re-run or its value would not fit in 2,000 characters.
    """
    if not command_text.strip():
        return []
    value = share_value(command_text)
    if len(value) > MAX_BUTTON_VALUE:
        return []
    return [ActionsBlock(elements=[_button("Share in channel", ActionId.SHARE_ANSWER, value)])]


# --- cost report ----------------------------------------------------------------------------


def build_cost_report_blocks(
    report: CostReport, *, command_text: str, shareable: bool = True
) -> list[Block]:
    """What one dimension value cost: total and change per currency, top services/resources."""
    blocks: list[Block] = [_header(f"{_plain(report.name)} · {_plain(report.dimension)}")]
    several = len(report.currencies) > 1
    detailed = report.currencies[:DETAILED_CURRENCIES]
    for index, part in enumerate(detailed):
        if index:
            blocks.append(DividerBlock())
        blocks.extend(_currency_cost_blocks(report, part, first=index == 0, several=several))
    rest = report.currencies[DETAILED_CURRENCIES:]
    if rest:
        blocks.append(DividerBlock())
        lines = [
            f"• {_total(p.total, p.currency)} · "
            f"{escape_mrkdwn(format_change(p.total, p.previous_total))}"
            for p in rest
        ]
        blocks.extend(_list_sections("*Other currencies*", lines, OTHER_CURRENCY_LINES, "more"))
    return _finish(blocks, report, several=several, shareable=shareable, command_text=command_text)


def _finish(
    blocks: list[Block],
    report: CostReport | TopReport,
    *,
    several: bool,
    shareable: bool,
    command_text: str,
) -> list[Block]:
    """The footer every answer ends with (period, freshness, how it was computed), the share
    button, and the cap that keeps the message within Slack's 50 blocks."""
    how = _how(report.cost_basis, report.dimension, report.tag_keys)
    notes = [_coverage(report.period, report.data_through), how]
    blocks.append(_context([*notes, *([_SEPARATE_CURRENCIES] if several else [])]))
    if shareable:
        blocks.extend(build_share_actions(command_text))
    return _cap_blocks(blocks)


def cost_report_text(report: CostReport) -> str:
    """Plain fallback text for a cost report (notifications, screen readers); mrkdwn-safe."""
    primary = report.primary
    line = (
        f"{_fallback_name(report.name)} · {report.dimension}, {_period_text(report.period)}: "
        f"{_money_code(primary.total, primary.currency)}, "
        f"{format_change(primary.total, primary.previous_total, report.previous_period.label)}."
    )
    others = [format_money(p.total, p.currency) for p in report.currencies[1:]]
    if others:
        line += f" Also, reported separately: {', '.join(others)}."
    line += f" {_basis_text(report.cost_basis).capitalize()}; {_freshness(report.data_through)}."
    return _fallback(line)


def _currency_cost_blocks(
    report: CostReport, part: CurrencyCost, *, first: bool, several: bool
) -> list[Block]:
    total = _total(part.total, part.currency)
    if first:
        total += f" · {escape_truncate(_period_text(report.period), 2 * SHORT_CHARS)}"
    elif several:
        total += " · reported separately, not converted"
    change = format_change(part.total, part.previous_total, report.previous_period.label)
    was = f" (was {_money(part.previous_total, part.currency)})" if part.previous_total else ""
    blocks: list[Block] = [_section(f"{total}\n{escape_truncate(change, 200)}{was}")]
    if part.total == 0 and not part.by_service and not part.top_resources:
        blocks.append(_section("_No cost recorded in this period._"))
        return blocks
    services = _by_cost(part.by_service)
    if services:
        lines = [
            f"• {_name(s.name)} — {_money(s.cost, part.currency)}"
            for s in services[:TOP_SERVICES_SHOWN]
        ]
        if len(services) > TOP_SERVICES_SHOWN:
            rest = part.total - sum((s.cost for s in services[:TOP_SERVICES_SHOWN]), ZERO)
            lines.append(f"_…other services — {_money(rest, part.currency)}_")
        blocks.append(_section("*Top services*\n" + "\n".join(lines)))
    resources = _by_cost(part.top_resources)
    if resources:
        lines = [
            f"• {_code(_resource_label(r))} — {_money(r.cost, part.currency)}"
            for r in resources[:TOP_RESOURCES_SHOWN]
        ]
        if len(resources) > TOP_RESOURCES_SHOWN:
            lines.append(f"_…and {len(resources) - TOP_RESOURCES_SHOWN:,} more_")
        blocks.append(_section("*Top resources*\n" + "\n".join(lines)))
    return blocks


def _resource_label(resource: ResourceCost) -> str:
    return resource.name or resource.id or "(no resource id)"


# --- top report -----------------------------------------------------------------------------


def build_top_report_blocks(
    report: TopReport, *, command_text: str, shareable: bool = True
) -> list[Block]:
    """The largest values of a dimension, ranked per currency, `(unallocated)` always shown."""
    blocks: list[Block] = [
        _header(f"Top {_plain(report.dimension)} · {_plain(report.period.label)}"),
        _section(f"{report.period.start} – {report.period.end}"),
    ]
    several = len(report.currencies) > 1
    for index, ranking in enumerate(report.currencies[:DETAILED_CURRENCIES]):
        if index:
            blocks.append(DividerBlock())
        blocks.extend(_ranking_blocks(ranking, several=several))
    rest = report.currencies[DETAILED_CURRENCIES:]
    if rest:
        blocks.append(DividerBlock())
        lines = [f"• total {_total(r.total, r.currency)}" for r in rest]
        blocks.extend(_list_sections("*Other currencies*", lines, OTHER_CURRENCY_LINES, "more"))
    return _finish(blocks, report, several=several, shareable=shareable, command_text=command_text)


def top_report_text(report: TopReport) -> str:
    """Plain fallback text for a top report: the first rows and the total of each currency."""
    parts = []
    for ranking in report.currencies[:DETAILED_CURRENCIES]:
        rows = ", ".join(
            f"{rank}. {_fallback_name(row.name, 60)} {format_money(row.cost, ranking.currency)}"
            for rank, row in enumerate(ranking.rows[:3], start=1)
        )
        total = f"total {_money_code(ranking.total, ranking.currency)}"
        parts.append(f"{rows}; {total}" if rows else total)
    if len(report.currencies) > DETAILED_CURRENCIES:
        parts.append(f"{len(report.currencies) - DETAILED_CURRENCIES} more currencies")
    line = (
        f"Top {report.dimension} · {_period_text(report.period)}: {' | '.join(parts)}. "
        f"{_basis_text(report.cost_basis).capitalize()}; {_freshness(report.data_through)}."
    )
    return _fallback(line)


def _ranking_blocks(ranking: CurrencyRanking, *, several: bool) -> list[Block]:
    currency = ranking.currency
    rows = list(ranking.rows)
    shown = rows[:TOP_ROWS_SHOWN]
    hidden = rows[TOP_ROWS_SHOWN:]
    pinned: tuple[int, NamedCost] | None = None
    if not any(row.name == UNALLOCATED for row in shown):
        for rank, row in enumerate(rows, start=1):
            if row.name == UNALLOCATED:
                pinned = (rank, row)
                break
        hidden = [row for row in hidden if row.name != UNALLOCATED]
    lines = [_rank_line(rank, row, ranking) for rank, row in enumerate(shown, start=1)]
    more_count = len(hidden) + ranking.other.count
    if more_count:
        more_cost = sum((row.cost for row in hidden), ZERO) + ranking.other.cost
        lines.append(
            f"_…and {more_count:,} more — {_money(more_cost, currency)}"
            f"{_share(more_cost, ranking.total)}_"
        )
    if pinned is not None:
        lines.append(_rank_line(pinned[0], pinned[1], ranking))
    elif not any(row.name == UNALLOCATED for row in rows):
        lines.append(_rank_line(None, NamedCost(UNALLOCATED, ZERO), ranking))
    if not rows and not ranking.other.count:
        lines.append("_No cost recorded in this period._")
    title = f"*{escape_truncate(one_line(currency), SHORT_CHARS)}*\n" if several else ""
    total = f"*Total:* {_total(ranking.total, currency)}"
    return _pack_sections([title + lines[0], *lines[1:], total])


def _rank_line(rank: int | None, row: NamedCost, ranking: CurrencyRanking) -> str:
    """`1. llm-chat — $8,499.45 (36%)`; a row without a rank starts with `–`."""
    prefix = f"{rank}." if rank is not None else "–"
    money = _money(row.cost, ranking.currency)
    return f"{prefix} {_name(row.name)} — {money}{_share(row.cost, ranking.total)}"


def _share(part: Decimal, whole: Decimal) -> str:
    """` (36%)`, escaped (`<1%` needs it), or nothing when a share makes no sense."""
    share = format_share(part, whole)
    return f" ({escape_mrkdwn(share)})" if share else ""


# --- unknown name, help, error --------------------------------------------------------------


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
    return _fallback(f"costbot help: {commands}. Periods: {periods}.\nExamples:\n{examples}")


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


# --- building blocks that enforce Slack's limits --------------------------------------------


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


def _button(text: str, action_id: str, value: str) -> ButtonElement:
    if len(value) > MAX_BUTTON_VALUE or len(action_id) > MAX_ACTION_ID:
        raise ValueError("button value or action id too long")  # callers check first
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, MAX_BUTTON_TEXT)),
        action_id=action_id,
        value=value,
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


# --- text pieces ----------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Untrusted text for a plain_text object: one line (plain text is not parsed by Slack)."""
    return one_line(text).strip()


def _name(text: str, limit: int = NAME_CHARS) -> str:
    """Untrusted text for mrkdwn: one line, escaped, at most `limit` characters."""
    return escape_truncate(one_line(text).strip(), limit) or "(blank)"


def _code(text: str, limit: int = NAME_CHARS) -> str:
    return _code_escaped(_name(text, limit))


def _code_escaped(escaped: str) -> str:
    """Escaped text in a code span; a backtick inside would end it, so quote such text."""
    return f"“{escaped}”" if "`" in escaped else f"`{escaped}`"


def _money(amount: Decimal, currency: str) -> str:
    """Escaped money as `format_money` shows it, e.g. `$12.00` or `1,234.50 CHF`."""
    return escape_truncate(format_money(amount, one_line(currency).strip()), 2 * SHORT_CHARS)


def _total(amount: Decimal, currency: str) -> str:
    """An escaped bold total with its currency code, e.g. `*$12.00 USD*` or `*1,234.50 CHF*`."""
    return f"*{escape_truncate(_money_code(amount, currency), 2 * SHORT_CHARS)}*"


def _money_code(amount: Decimal, currency: str) -> str:
    """Money with its currency code even when a symbol is shown: `$12.00 USD`, `1.00 CHF`."""
    code = one_line(currency).strip()
    text = format_money(amount, code)
    return text if not code or text.endswith(code) else f"{text} {code.upper()}"


def _period_text(period: Period) -> str:
    label = one_line(period.label).strip()
    if ".." in label:
        return f"{period.start} – {period.end}"
    return f"{label}, {period.start} – {period.end}"


def _period_forms() -> str:
    forms = []
    for form in VALID_PERIOD_FORMS:
        word, _, note = form.partition(" ")
        forms.append(f"`{escape_mrkdwn(word)}` {escape_mrkdwn(note)}".rstrip())
    return ", ".join(forms)


def _by_cost(items: Sequence[_Costed]) -> list[_Costed]:
    """Largest first; stable, so equal costs keep the report's order."""
    return sorted(items, key=lambda item: -item.cost)


def _basis_text(basis: str) -> str:
    return _BASIS_TEXT.get(basis, f"{one_line(basis)[:SHORT_CHARS]} cost")


def _how(basis: str, dimension: str, tag_keys: Sequence[str]) -> str:
    text = escape_truncate(_basis_text(basis).capitalize(), 2 * SHORT_CHARS)
    dim = _code(dimension, SHORT_CHARS)
    if not tag_keys:
        return f"{text}; {dim} comes from the billing data."
    keys = ", ".join(_code(key, SHORT_CHARS) for key in tag_keys[:TAG_KEYS_SHOWN])
    if len(tag_keys) > TAG_KEYS_SHOWN:
        keys += f" and {len(tag_keys) - TAG_KEYS_SHOWN:,} more"
    return f"{text}; {dim} is read from the tag keys {keys} (the first one set wins)."


def _coverage(period: Period, data_through: date | None) -> str:
    """`26 of 30 days covered · data through 2026-11-26` (escaped mrkdwn)."""
    if data_through is None:
        return "No billing data yet"
    if data_through < period.start:
        return f"No data for this period yet · {_freshness(data_through)}"
    covered = (min(period.end, data_through) - period.start).days + 1
    unit = "day" if period.days == 1 else "days"
    days = (
        f"{period.days:,} {unit}"
        if covered == period.days
        else f"{covered:,} of {period.days:,} {unit} covered"
    )
    return f"{days} · {_freshness(data_through)}"


def _freshness(data_through: date | None) -> str:
    return f"data through {data_through}" if data_through else "no billing data yet"


def _fallback_name(text: str, limit: int = FALLBACK_NAME_CHARS) -> str:
    return truncate(one_line(text).strip(), limit)


def _fallback(text: str) -> str:
    """Fallback text: escaped (Slack parses `text` as mrkdwn too) and cut to a sane length."""
    return truncate_mrkdwn(escape_mrkdwn(text), MAX_FALLBACK_TEXT)
