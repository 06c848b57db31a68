"""Block Kit for what one project, team, owner, ... cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.money import ZERO
from bot.domain.reports import CostReport, CurrencyCost, NamedCost, ResourceCost
from handlers.blocks.elements import _context, _header, _list_sections, _section
from handlers.blocks.footer import _completeness_text, _finish
from handlers.blocks.limits import (
    DETAILED_CURRENCIES,
    OTHER_CURRENCY_LINES,
    SHORT_CHARS,
    TOP_RESOURCES_SHOWN,
    TOP_SERVICES_SHOWN,
)
from handlers.blocks.shared import shared_mrkdwn, shared_texts
from handlers.blocks.text import (
    _basis_text,
    _code,
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
from handlers.formatting import escape_mrkdwn, escape_truncate, format_change, format_money

_Costed = TypeVar("_Costed", NamedCost, ResourceCost)


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


def cost_report_text(report: CostReport) -> str:
    """Plain fallback text for a cost report (notifications, screen readers); mrkdwn-safe."""
    primary = report.primary
    line = (
        f"{_fallback_name(report.name)} · {report.dimension}, {_period_text(report.period)}: "
        f"{_money_code(primary.total, primary.currency)}, "
        f"{format_change(primary.total, primary.previous_total, report.previous_period.label)}."
    )
    shared = shared_texts(report, primary, first=True)
    if shared:
        line += " " + " ".join(shared)
    others = [format_money(p.total, p.currency) for p in report.currencies[1:]]
    if others:
        line += f" Also, reported separately: {', '.join(others)}."
    line += f" {_basis_text(report.cost_basis).capitalize()}; {_freshness(report.data_through)}."
    return _fallback(line + _completeness_text(report))


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
    shared = shared_mrkdwn(shared_texts(report, part, first=first))
    if shared:
        blocks.append(_context([shared]))
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


def _by_cost(items: Sequence[_Costed]) -> list[_Costed]:
    """Largest first; stable, so equal costs keep the report's order."""
    return sorted(items, key=lambda item: -item.cost)
