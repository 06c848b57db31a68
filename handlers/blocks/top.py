"""Block Kit for the largest values of a dimension, ranked per currency."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.allocation import UNALLOCATED
from bot.domain.money import ZERO
from bot.domain.reports import CurrencyRanking, NamedCost, TopReport
from handlers.blocks.elements import (
    _context,
    _header,
    _list_sections,
    _pack_sections,
    _section,
)
from handlers.blocks.footer import _completeness_text, _finish
from handlers.blocks.limits import (
    DETAILED_CURRENCIES,
    OTHER_CURRENCY_LINES,
    SHORT_CHARS,
    TOP_ROWS_SHOWN,
)
from handlers.blocks.shared import shared_mrkdwn, top_shared_texts
from handlers.blocks.text import (
    _basis_text,
    _fallback,
    _fallback_name,
    _freshness,
    _money,
    _money_code,
    _name,
    _period_text,
    _plain,
    _total,
)
from handlers.formatting import escape_mrkdwn, escape_truncate, format_money, format_share, one_line


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
        shared = shared_mrkdwn(top_shared_texts(report, ranking, first=index == 0))
        if shared:
            blocks.append(_context([shared]))
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
    shared = top_shared_texts(report, report.primary, first=True)
    if shared:
        line += " " + " ".join(shared)
    return _fallback(line + _completeness_text(report))


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
