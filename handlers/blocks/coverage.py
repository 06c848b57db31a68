"""Block Kit for trend charts, shared answers and the App Home tab."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.periods import Period
from bot.domain.reports import CostReport, TopReport, UntaggedReport
from handlers.blocks.buttons import build_share_actions
from handlers.blocks.footer import _completeness
from handlers.blocks.limits import MAX_HEADER_TEXT, MAX_SECTION_TEXT
from handlers.formatting import escape_truncate, format_money, one_line, truncate, truncate_mrkdwn

LIST_ROWS = 10
NAME_CHARS = 80


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(text, MAX_SECTION_TEXT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate_mrkdwn(text, 2000))])


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=truncate(one_line(text), MAX_HEADER_TEXT))


def _freshness(data_through: object) -> str:
    return f"data through {data_through}" if data_through else "no billing data loaded yet"


def build_trend_blocks(
    report: CostReport, *, file_id: str | None, command_text: str
) -> list[Block]:
    """The trend chart (an uploaded PNG) with its total and freshness."""
    title = f"{report.name} · {report.dimension} · {report.period.label}"
    part = report.primary
    blocks: list[Block] = [
        _header(f"Daily cost: {title}"),
        _section(_total_line(part.total, part.currency, report.period)),
    ]
    if file_id:
        blocks.append(
            ImageBlock(
                slack_file={"id": file_id}, alt_text=truncate(f"Daily cost of {title}", 2000)
            )
        )
    blocks.append(_context(f"{report.cost_basis} cost · {_freshness(report.data_through)}"))
    blocks.extend(_completeness_blocks(report))
    blocks.extend(build_share_actions(command_text))
    return blocks


def build_shared_by_context(user_id: str) -> ContextBlock:
    """The line under a shared answer saying who shared it."""
    who = f"<@{user_id}>" if user_id.isalnum() else "someone"
    return _context(f"Shared by {who} with `/cost`")


def build_home_blocks(report: TopReport, *, updated_at: datetime) -> list[Block]:
    """App Home: this month's top projects, the total, and how fresh the data is."""
    part = report.primary
    blocks: list[Block] = [
        _header("Cloud cost this month"),
        _section(_total_line(part.total, part.currency, report.period)),
        DividerBlock(),
    ]
    rows = [
        f"{i}. {escape_truncate(row.name, NAME_CHARS)} — {format_money(row.cost, part.currency)}"
        for i, row in enumerate(part.rows[:LIST_ROWS], start=1)
    ]
    blocks.append(_section("*Top projects*\n" + ("\n".join(rows) or "No cost yet this month.")))
    blocks.append(
        _context(
            f"{_freshness(report.data_through)} · {report.cost_basis} cost · "
            f"updated {updated_at:%Y-%m-%d %H:%M} UTC · try `/cost help`"
        )
    )
    blocks.extend(_completeness_blocks(report))
    return blocks


def _completeness_blocks(report: CostReport | TopReport | UntaggedReport) -> list[Block]:
    """A context line on incomplete and provisional days, when the period has any."""
    notes = _completeness(report)
    return [_context(notes[0])] if notes else []


def _total_line(total: Decimal, currency: str, period: Period) -> str:
    return f"*{format_money(total, currency)}* from {period.start} to {period.end}"
