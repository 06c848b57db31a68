"""Plain-text answers for the terminal."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.completeness import completeness_note
from bot.domain.money import percent_change, to_cents
from bot.domain.reports import CostReport, CurrencyCost, TopReport
from bot.domain.shared.wording import DIRECT_NOTE, shared_sentences, top_shared_sentence
from bot.services.ingest import IngestSummary
from bot.services.ingest_warnings import null_cost_warnings

# Partitions listed one by one in an ingest summary; the rest are counted.
REPLACED_SHOWN = 12


def money(amount: Decimal, currency: str) -> str:
    return f"{currency} {to_cents(amount):,.2f}"


def _change(current: Decimal, previous: Decimal) -> str:
    change = percent_change(current, previous)
    if change is None:
        return "no cost in the previous period"
    arrow = "up" if change > 0 else "down" if change < 0 else "flat"
    return f"{arrow} {abs(change):.1f}% vs {money(previous, '')}".replace("  ", " ")


def render_cost_report(report: CostReport) -> str:
    period = report.period
    lines = [f"{report.dimension} {report.name}: {period.label} ({period.start} .. {period.end})"]
    for index, part in enumerate(report.currencies):
        lines.append(f"  total          {money(part.total, part.currency)}")
        lines.append(f"  change         {_change(part.total, part.previous_total)}")
        lines.extend(f"  {line}" for line in _shared_lines(report, part, first=index == 0))
        if part.by_service:
            lines.append("  top services")
            lines.extend(
                f"    {money(s.cost, part.currency):>18}  {s.name}" for s in part.by_service
            )
        if part.top_resources:
            lines.append("  top resources")
            lines.extend(
                f"    {money(r.cost, part.currency):>18}  {r.name or r.id or '(no resource id)'}"
                for r in part.top_resources
            )
    lines.append(_footer(report.cost_basis, report.tag_keys, report.data_through))
    lines.extend(_completeness(report))
    return "\n".join(lines)


def render_top_report(report: TopReport) -> str:
    period = report.period
    lines = [f"top {report.dimension}: {period.label} ({period.start} .. {period.end})"]
    for part in report.currencies:
        for row in part.rows:
            lines.append(f"  {money(row.cost, part.currency):>18}  {row.name}")
        if part.other.count:
            lines.append(
                f"  {money(part.other.cost, part.currency):>18}  ({part.other.count} more)"
            )
        lines.append(f"  {money(part.total, part.currency):>18}  total")
        if not report.shared and part is report.currencies[0]:
            lines.append(f"  {DIRECT_NOTE}")
        note = top_shared_sentence(part, report.dimension, lambda a, c=part.currency: money(a, c))
        if report.shared and note:
            lines.append(f"  {note}")
    lines.append(_footer(report.cost_basis, report.tag_keys, report.data_through))
    lines.extend(_completeness(report))
    return "\n".join(lines)


def _shared_lines(report: CostReport, part: CurrencyCost, *, first: bool) -> list[str]:
    if not report.shared:
        return [DIRECT_NOTE] if first else []
    return shared_sentences(part, report.dimension, lambda amount: money(amount, part.currency))


def _completeness(report: CostReport | TopReport) -> list[str]:
    note = completeness_note(
        report.period, report.data_through, report.asked_on, report.provisional_days
    )
    return [f"  {note}"] if note else []


def _footer(basis: str, tag_keys: tuple[str, ...], data_through: object) -> str:
    keys = f"; tag keys: {', '.join(tag_keys)}" if tag_keys else ""
    return f"  ({basis} cost{keys}; data through {data_through or 'no data yet'})"


def render_ingest_summary(summary: IngestSummary) -> str:
    run = summary.record
    days = (
        f"{run.first_day} .. {run.last_day} ({run.days_covered} days)" if run.day_ranges else "none"
    )
    totals = ", ".join(money(Decimal(v), c) for c, v in run.totals.items()) or "0"
    lines = [
        f'Ingested {len(run.files)} file(s) into source "{run.source}" (run {summary.run_id})',
        f"  rows read      {run.rows_read:,}",
        f"  rows rejected  {run.rows_rejected:,}",
        f"  days covered   {days}",
        f"  total cost     {totals} ({run.cost_basis})",
        *_replaced_lines(run.replaced, run.cost_basis),
        f"  seconds        {run.seconds}",
    ]
    lines.extend(f"  warning: {warning}" for warning in null_cost_warnings(run))
    unreadable = sum(f.get("rows_with_unreadable_tags", 0) for f in run.files)
    if unreadable:
        lines.append(f"  rows with unreadable Tags {unreadable:,} (their cost is unallocated)")
    for rejection in run.rejections:
        lines.append(
            f"  rejected {rejection['file']} line {rejection['line']}: {rejection['reason']}"
        )
    return "\n".join(lines)


def _amounts(amounts: dict[str, str]) -> str:
    return ", ".join(money(Decimal(v), c) for c, v in amounts.items()) or "0"


def _replaced_lines(replaced: dict, basis: str) -> list[str]:
    """What the ingest replaced: each partition's days and amounts, then the totals."""
    partitions = replaced.get("partitions", [])
    if not partitions:
        return ["  replaced       nothing (no stored data for these periods and accounts)"]
    lines = []
    for entry in partitions[:REPLACED_SHOWN]:
        what = (
            f"billing period {entry['billing_period']}"
            if entry["billing_period"]
            else "days without a billing period"
        )
        if entry["billing_account_id"]:
            what += f", billing account {entry['billing_account_id']}"
        days = ", ".join(f"{s}..{e}" if s != e else s for s, e in entry["days"])
        lines.append(f"  replaced       {what}: days {days}")
        lines.append(
            f"                   removed {_amounts(entry['removed'])}; "
            f"added {_amounts(entry['added'])}"
        )
    if len(partitions) > REPLACED_SHOWN:
        lines.append(f"  replaced       ... and {len(partitions) - REPLACED_SHOWN} more")
    lines.append(f"  removed        {_amounts(replaced['removed'])} ({basis})")
    lines.append(f"  added          {_amounts(replaced['added'])} ({basis})")
    return lines
