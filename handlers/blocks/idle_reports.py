"""`/cost idle` (the last scan's candidates and the proposals that speak for them) and
`/cost savings [PERIOD]` (what each stop saved while it stayed stopped), as Block Kit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block

from bot.services.idle_ports import Proposal
from bot.services.idle_wording import shared_rules, shared_saving
from handlers.blocks.elements import _cap_blocks, _context, _header, _list_sections, _section
from handlers.blocks.idle_text import (
    DRY_RUN_NOTE,
    DRY_RUN_TITLE,
    duration,
    field,
    hourly_cost,
    machine_name,
    machine_plain,
    mention,
    percent,
    when,
)
from handlers.blocks.limits import MAX_FALLBACK_TEXT, SHORT_CHARS
from handlers.blocks.text import _code, _money, _money_code, _name
from handlers.formatting import escape_mrkdwn, truncate, truncate_mrkdwn

if TYPE_CHECKING:
    from bot.services.idle import IdleOverview, SavingRow, SavingsReport, ScanRow

LINES_SHOWN = 15  # per list; the CLI (`costbot idle scan`, `costbot audit`) has them all
FALLBACK_NAMES = 10
SHARED_CHARS = 200  # `shared among 12 projects by rules ...`, as long as a name may be
_SEPARATE_CURRENCIES = "Each currency is reported on its own; currencies are never added together."


# -- /cost idle -------------------------------------------------------------------------------
def describe_idle_overview(overview: IdleOverview) -> tuple[str, list[Block]]:
    """The fallback text and blocks of `/cost idle`."""
    blocks: list[Block] = [_header("Idle machines")]
    if overview.dry_run:
        blocks.append(_section(DRY_RUN_NOTE))
    if overview.scanned_at is None:
        blocks.append(
            _section(
                "No scan has run yet. costbot scans on its schedule (`idle.every`); "
                "`costbot idle scan` runs one now."
            )
        )
    sections = [
        ("*Waiting for a decision*", [_open_line(p) for p in overview.open], "more open"),
        ("*Idle now (last scan)*", [_candidate_line(r) for r in overview.candidates], "more"),
        ("*Kept running*", [_kept_line(p) for p in overview.kept], "more kept"),
        ("*Stopped by costbot*", [_stopped_line(p) for p in overview.stopped], "more stopped"),
    ]
    shown = False
    for title, lines, noun in sections:
        if lines:
            shown = True
            blocks += _list_sections(f"{title} ({len(lines):,})", lines, LINES_SHOWN, noun)
    if not shown and overview.scanned_at is not None:
        blocks.append(_section("No idle machine was found in the last scan."))
    notes = [
        f"last scan {when(overview.scanned_at)}" if overview.scanned_at else "not scanned yet",
        "all times UTC",
        "`/cost savings` shows what stopping saved",
    ]
    blocks.append(_context([" · ".join(notes)]))
    return _overview_text(overview), _cap_blocks(blocks)


def _open_line(p: Proposal) -> str:
    line = f"• {machine_name(p)} · {_where(p)} · {hourly_cost(p)} · {escape_mrkdwn(p.state)}"
    return line + f" · proposed {when(p.created_at)}, expires {when(p.expires_at)}"


def _candidate_line(row: ScanRow) -> str:
    name = _code(row.name or row.instance_id)
    if row.name and row.name != row.instance_id:
        name += f" ({_code(row.instance_id)})"
    parts = [name, _name(row.type, SHORT_CHARS) if row.type else "—"]
    parts.append(f"idle {duration(row.idle_minutes)}")
    usage = [f"CPU ≤ {percent(row.cpu_max)}" if row.cpu_max is not None else None]
    usage.append(f"GPU ≤ {percent(row.gpu_max)}" if row.gpu_max is not None else None)
    parts += [u for u in usage if u]
    if row.hourly_cost is not None and row.currency:
        parts.append(f"{_money(row.hourly_cost, row.currency)}/h")
    if row.proposal_state:
        parts.append(f"proposal {escape_mrkdwn(row.proposal_state)}")
    if row.note:
        parts.append(_name(row.note, 200))
    return "• " + " · ".join(parts)


def _kept_line(p: Proposal) -> str:
    reason = f": “{_name(p.keep_reason, 200)}”" if p.keep_reason else ""
    return (
        f"• {machine_name(p)} · {_where(p)} · kept by {mention(p.decided_by)} until "
        f"{when(p.lease_until)}{reason}"
    )


def _stopped_line(p: Proposal) -> str:
    dry = f" ({DRY_RUN_TITLE.lower()})" if p.dry_run else ""
    return (
        f"• {machine_name(p)} · {_where(p)} · stopped {when(p.stopped_at)}{dry} · approved by "
        f"{mention(p.decided_by)} · {hourly_cost(p)}"
    )


def _where(p: Proposal) -> str:
    project, team = field(p.instance, "project"), field(p.instance, "team")
    bits = [f"project {_name(project, SHORT_CHARS)}" if project else None]
    bits.append(f"team {_name(team, SHORT_CHARS)}" if team else None)
    return ", ".join(b for b in bits if b) or "no project or team"


def _overview_text(overview: IdleOverview) -> str:
    counts = (
        f"{len(overview.open)} waiting for a decision, {len(overview.candidates)} idle in the "
        f"last scan, {len(overview.kept)} kept running, {len(overview.stopped)} stopped"
    )
    text = f"Idle machines: {counts}."
    names = [machine_plain(p) for p in overview.open[:FALLBACK_NAMES]]
    if names:
        text += " Waiting: " + ", ".join(names) + "."
    if overview.dry_run:
        text = f"[{DRY_RUN_TITLE}] {text}"
    return escape_mrkdwn(truncate(text, 3000))


# -- /cost savings ----------------------------------------------------------------------------
def describe_savings(report: SavingsReport) -> tuple[str, list[Block]]:
    """The fallback text and blocks of `/cost savings [PERIOD]`."""
    period = f"{report.start} – {_last_day(report)}"
    blocks: list[Block] = [_header(f"Savings from stopping idle machines, {period}")]
    totals = _totals(report)
    if totals:
        blocks.append(_section("*Saved (estimated)*: " + ", ".join(totals)))
    else:
        blocks.append(
            _section(
                "Nothing saved in this period: costbot stopped no machine (dry-run stops "
                "are not counted). `/cost idle` shows what is idle now."
            )
        )
    lines = [_saving_line(row) for row in report.rows]
    if lines:
        blocks += _list_sections(f"*Stops* ({len(lines):,})", lines, LINES_SHOWN, "more stops")
    notes = [
        "Estimated: each machine's hourly cost for every hour it stayed stopped in the period",
        "all times UTC",
    ]
    if len(report.totals) > 1:
        notes.append(_SEPARATE_CURRENCIES)
    blocks.append(_context([" · ".join(notes)]))
    return _savings_text(report, totals), _cap_blocks(blocks)


def _last_day(report: SavingsReport) -> date:
    """The report's last day (its `end` is exclusive)."""
    return max(report.start, report.end - timedelta(days=1))


def _totals(report: SavingsReport) -> list[str]:
    return [
        f"*{escape_mrkdwn(_money_code(amount, currency))}*"
        for currency, amount in sorted(report.totals.items())
    ]


def _saving_line(row: SavingRow) -> str:
    p = row.proposal
    money = _money(row.saved, p.currency) if p.currency else escape_mrkdwn(str(row.saved))
    state = "still stopped" if row.still_stopped else f"started again {when(p.started_at)}"
    # Credited like the machine's cost: its project's receivers share the saving.
    shared = "".join(f" ({_name(shared_saving(a), SHARED_CHARS)})" for a in row.allocations)
    return (
        f"• {machine_name(p)} · {_where(p)} · saved {money}{shared} · stopped "
        f"{when(p.stopped_at)} by {mention(p.decided_by)} · {state}"
    )


def _savings_text(report: SavingsReport, totals: Sequence[str]) -> str:
    period = f"{report.start} to {_last_day(report)}"
    if not report.totals:
        return f"Savings from stopping idle machines, {period}: nothing saved in this period."
    amounts = ", ".join(
        _money_code(amount, currency) for currency, amount in sorted(report.totals.items())
    )
    text = (
        f"Savings from stopping idle machines, {period}: {amounts} (estimated) from "
        f"{len(report.rows)} stop(s)."
    )
    shared = [row for row in report.rows if row.allocations]
    if shared:
        rules = shared_rules(shared)
        by = f"rule {rules[0]}" if len(rules) == 1 else "rules " + ", ".join(rules)
        text += f" {len(shared)} of them shared by {by}."
    return truncate_mrkdwn(escape_mrkdwn(text), MAX_FALLBACK_TEXT)
