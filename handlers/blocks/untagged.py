"""Block Kit for `/cost untagged`: coverage now and by week, what to tag first and who may own
it, and the charges no tag can allocate (listed apart, never as a resource)."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import Block

from bot.domain.reports import CurrencyCoverage, UntaggedReport
from bot.domain.untagged import UntaggedResource, WeekCoverage
from handlers.blocks.buttons import build_share_actions
from handlers.blocks.elements import _cap_blocks, _context, _header, _section
from handlers.blocks.footer import _completeness, _completeness_text
from handlers.blocks.limits import SHORT_CHARS
from handlers.blocks.text import _code, _freshness, _money, _name
from handlers.formatting import format_money, one_line

# What one answer shows; `costbot untagged --json` has all of it.
CURRENCIES_SHOWN = 3
RESOURCES_SHOWN = 8
UNTAGGABLE_SHOWN = 8
WEEKS_SHOWN = 8
TAGS_SHOWN = 3
HINTS_SHOWN = 2
RESOURCE_CHARS = 60
HINT_CHARS = 80


def build_untagged_blocks(report: UntaggedReport, *, command_text: str) -> list[Block]:
    """Cost no project or team tag claims: how much of the bill is tagged and how that moved
    by week, the resources to tag first with owner hints, and what no tag can allocate."""
    period = report.period
    blocks: list[Block] = [_header(one_line(f"Untagged cost · {period.label}"))]
    for part in report.currencies[:CURRENCIES_SHOWN]:
        blocks.extend(_currency_blocks(part))
    notes = [
        f"{period.start} – {period.end} · {report.cost_basis} cost · "
        f"{_freshness(report.data_through)} · untagged = no `project` and no `team` value",
        *_completeness(report),
    ]
    if len(report.currencies) > CURRENCIES_SHOWN:
        notes.append(f"{len(report.currencies) - CURRENCIES_SHOWN} more currencies: see the CLI")
    blocks.append(_context(notes))
    blocks.extend(build_share_actions(command_text))
    return _cap_blocks(blocks)


def _currency_blocks(part: CurrencyCoverage) -> list[Block]:
    currency = part.currency
    coverage = part.coverage_percent
    covered = f"{coverage:.1f}% of cost is tagged" if coverage is not None else "no cost"
    blocks = [
        _section(
            f"*{_money(part.untagged, currency)}* has no project or team tag "
            f"(of {_money(part.total, currency)}; {covered})."
            + (f"\n{_weeks_line(part.weekly)}" if len(part.weekly) > 1 else "")
        )
    ]
    if part.tag_first:
        more = part.untagged_resources - min(len(part.tag_first), RESOURCES_SHOWN)
        lines = [_resource_line(r, currency) for r in part.tag_first[:RESOURCES_SHOWN]]
        if more > 0:
            lines.append(f"_…and {more} more untagged resources_")
        blocks.append(_section("*Tag these first*\n" + "\n".join(lines)))
    if part.untaggable:
        lines = [
            f"• {c.label} · {_name(c.service or 'no service name', RESOURCE_CHARS)} — "
            f"{_money(c.cost, currency)}"
            for c in part.untaggable[:UNTAGGABLE_SHOWN]
        ]
        hidden = len(part.untaggable) - UNTAGGABLE_SHOWN
        if hidden > 0:
            lines.append(f"_…and {hidden} more_")
        blocks.append(
            _section(
                f"*Untaggable* · {_money(part.untaggable_cost, currency)} no tag can "
                "allocate (support, tax, credits, fees, transfer billed to no resource)\n"
                + "\n".join(lines)
            )
        )
    return blocks


def _weeks_line(weeks: tuple[WeekCoverage, ...]) -> str:
    """The last weeks' coverage, oldest first: `W45 71% → W46 74% → W47 80%`."""
    shown = [
        f"{_name(w.week.split('-')[-1], SHORT_CHARS)} "
        + (f"{w.coverage_percent:.0f}%" if w.coverage_percent is not None else "–")
        for w in weeks[-WEEKS_SHOWN:]
    ]
    return "Tag coverage by week: " + " → ".join(shown)


def _resource_line(resource: UntaggedResource, currency: str) -> str:
    label = resource.resource_name or resource.resource_id
    parts = [f"• {_code(label, RESOURCE_CHARS)} — {_money(resource.cost, currency)}"]
    if resource.account:
        parts.append(f"account {_name(resource.account, SHORT_CHARS)}")
    parts.append(f"tags: {_tags(resource.tags)}")
    line = " · ".join(parts)
    hints = [_name(h.text, HINT_CHARS) for h in resource.hints[:HINTS_SHOWN]]
    return line + (f"\n      _{'; '.join(hints)}_" if hints else "")


def _tags(tags: Mapping[str, str]) -> str:
    if not tags:
        return "none"
    shown = [_name(f"{k}={v}", SHORT_CHARS) for k, v in list(tags.items())[:TAGS_SHOWN]]
    more = len(tags) - TAGS_SHOWN
    return ", ".join(shown) + (f" +{more}" if more > 0 else "")


def untagged_text(report: UntaggedReport) -> str:
    """The notification text: untagged cost of the largest currency and its coverage."""
    part = report.primary
    coverage = part.coverage_percent
    covered = f" ({coverage:.1f}% tagged)" if coverage is not None else ""
    return (
        f"Untagged cost {report.period.label}: {format_money(part.untagged, part.currency)} "
        f"of {format_money(part.total, part.currency)}{covered}"
    ) + _completeness_text(report)
