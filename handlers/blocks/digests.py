"""A digest as one Slack message: spend and change, budgets, movers, anomalies, untagged share.

`describe_digest` is what the digest service is given: the fallback text, the Block Kit JSON
and the chart image the outbox uploads with the message.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.budgets import BudgetHealth
from bot.domain.digests import Change, DigestEvery, DigestSection, Mover
from bot.domain.reports import SharedShare
from bot.domain.shared.wording import rules_and_methods
from bot.services.budgets import BudgetLine
from bot.services.digests import Digest, OpenAnomaly
from bot.services.idle_views import IdleDigest, SavingRow
from bot.services.idle_wording import shared_saving
from bot.services.snapshot_state import OutboxFile
from handlers.blocks.elements import _cap_blocks, _context, _header, _pack_sections, to_payload
from handlers.blocks.shared import SHARED_LINE_CHARS
from handlers.blocks.text import _fallback, _money, _name
from handlers.formatting import (
    escape_mrkdwn,
    escape_truncate,
    format_change,
    format_money,
    format_share,
    one_line,
)

CURRENCIES_SHOWN = 3
BUDGETS_SHOWN = 15
ANOMALIES_SHOWN = 10
_HEALTH = {
    BudgetHealth.OK: ":large_green_circle: ok",
    BudgetHealth.WARNING: ":large_yellow_circle: warning",
    BudgetHealth.FORECAST_OVER: ":large_orange_circle: forecast over",
    BudgetHealth.OVER: ":red_circle: over",
}


def _day(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"


def _span(first: date, last: date) -> str:
    return _day(first) if first == last else f"{first.isoformat()} – {last.isoformat()}"


def _scope(digest: Digest) -> str:
    return "all cost" if digest.scope.is_all else f"{digest.scope.dimension} {digest.scope.value}"


def digest_title(digest: Digest) -> str:
    kind = "Daily" if digest.every is DigestEvery.DAILY else "Weekly"
    return f"{kind} digest · {_scope(digest)} · {_span(digest.window.start, digest.window.end)}"


def _change(change: Change, currency: str, label: str) -> str:
    previous = format_money(change.previous, currency)
    return f"{format_change(change.current, change.previous, label)} ({previous})"


def _spend_lines(digest: Digest, section: DigestSection) -> list[str]:
    window, currency = digest.window, section.currency
    if digest.every is DigestEvery.DAILY:
        return [
            f"*{_money(section.period.current, currency)}* on {_day(window.start)}, "
            + _change(section.period, currency, _day(window.previous_start)),
            f"Last 7 days *{_money(section.week.current, currency)}*, "
            + _change(section.week, currency, "the 7 days before"),
        ]
    return [
        f"*{_money(section.period.current, currency)}* this week, "
        + _change(section.period, currency, "the week before")
    ]


def _mover_line(mover: Mover, currency: str, child: str) -> str:
    name = _name(mover.name) if mover.name else f"(no {child})"
    delta = mover.change.delta
    sign = "+" if delta > 0 else "-"
    return (
        f"{'↑' if delta > 0 else '↓'} {name} {sign}{_money(abs(delta), currency)} "
        f"({_money(mover.change.previous, currency)} → {_money(mover.change.current, currency)})"
    )


def _section_lines(digest: Digest, section: DigestSection) -> list[str]:
    currency, child = section.currency, digest.child_dimension
    lines = [f"*{currency}*", *_spend_lines(digest, section)]
    movers = [*section.rises, *section.falls]
    if movers:
        lines.append(f"*Top movers* ({child}s, last 7 days vs the 7 before)")
        lines += [_mover_line(m, currency, child) for m in movers]
    if section.untagged is not None:
        share = format_share(section.untagged, section.week.current) or "–"
        lines.append(
            f"*Untagged* {share} of the last 7 days ({_money(section.untagged, currency)} "
            f"with {digest.untagged_meaning})"
        )
    shared = shared_sentence(digest, section)
    if shared:
        lines.append(f"*Shared cost* {escape_truncate(shared, SHARED_LINE_CHARS)}")
    return lines


def _covered(digest: Digest) -> str:
    window = digest.window
    return f"on {_day(window.start)}" if window.start == window.end else "this week"


def shared_sentence(digest: Digest, section: DigestSection) -> str | None:
    """What shared cost the section's numbers include over the covered days, as plain text:
    `on Tue 2024-10-01: includes $12.00 shared cost (rules gpu-pool (usage: GPU hours))` for a
    scoped digest, `...: project numbers include $40.00 of shared cost split by rules ...` for
    all cost (whose total sharing leaves unchanged). None when no rule moved any of it."""
    shared = section.shared
    money = lambda amount: format_money(amount, one_line(section.currency).strip())  # noqa: E731
    if digest.scope.is_all:
        if not shared.received:
            return None
        return (
            f"{_covered(digest)}: {digest.child_dimension} numbers include "
            f"{money(shared.received_total)} of shared cost split by "
            f"{_rules(shared.received)}; the total is unchanged."
        )
    said = []
    if shared.received:
        said.append(
            f"includes {money(shared.received_total)} shared cost ({_rules(shared.received)})"
        )
    if shared.given:
        said.append(
            f"{money(shared.given_total)} of its cost was shared among its receivers by "
            f"{_rules(shared.given)}"
        )
    return f"{_covered(digest)}: " + "; ".join(said) + "." if said else None


def _rules(parts: tuple[SharedShare, ...]) -> str:
    """`rule platform (proportional)`, `rules gpu-pool (usage: GPU hours), platform (...)`."""
    word = "rule" if len({part.rule for part in parts}) == 1 else "rules"
    return f"{word} {one_line(rules_and_methods(parts))}"


def _budget_line(line: BudgetLine) -> str:
    status, budget = line.status, line.budget
    projected = (
        f", projected {_money(status.projected, budget.currency)}" if status.projected else ""
    )
    return (
        f"• {_name(str(budget.scope))} ({budget.period.value}): "
        f"{_money(status.spent, budget.currency)} of {_money(budget.amount, budget.currency)} "
        f"({status.percent_used:.0f}% used, {status.percent_elapsed:.0f}% of the period "
        f"gone{projected}) {_HEALTH[status.status]}"
    )


def _anomaly_line(anomaly: OpenAnomaly) -> str:
    scope = _name(anomaly.scope.replace("=", " ", 1))
    money = ""
    if anomaly.currency and anomaly.cost is not None:
        money = f": {_money(anomaly.cost, anomaly.currency)}"
        if anomaly.shared:
            money += f" (includes {_money(anomaly.shared, anomaly.currency)} shared cost)"
        if anomaly.expected is not None:
            money += f" where about {_money(anomaly.expected, anomaly.currency)} was expected"
    return f"• {scope} on {_day(anomaly.day)}{money}"


def build_digest_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [_header(digest_title(digest))]
    if not digest.sections:
        blocks += _pack_sections([f"No cost in {_span(*digest.window.week)}."])
    for section in digest.sections[:CURRENCIES_SHOWN]:
        blocks += _pack_sections(_section_lines(digest, section))
    others = digest.sections[CURRENCIES_SHOWN:]
    if others:
        blocks += _pack_sections(
            [
                "*Other currencies* (never added together)",
                *(f"• {_money(s.period.current, s.currency)}" for s in others),
            ]
        )
    blocks.append(DividerBlock())
    budgets = [_budget_line(line) for line in digest.budgets[:BUDGETS_SHOWN]]
    if len(digest.budgets) > BUDGETS_SHOWN:
        budgets.append(f"_…and {len(digest.budgets) - BUDGETS_SHOWN} more: /cost budget_")
    blocks += _pack_sections(["*Budgets*", *(budgets or ["No budget set for this scope."])])
    anomalies = [_anomaly_line(a) for a in digest.anomalies[:ANOMALIES_SHOWN]]
    blocks += _pack_sections(["*Open anomalies* (last 7 days)", *(anomalies or ["None."])])
    if digest.idle is not None:
        blocks += _pack_sections(["*Idle machines*", *idle_lines(digest.idle)])
    blocks.append(_context([_footer(digest)]))
    return _cap_blocks(blocks)


IDLE_SHOWN = 5
SHARED_CHARS = 200


def idle_lines(idle: IdleDigest) -> list[str]:
    """Savings of stopped machines (estimates), leases in force and proposals waiting."""
    lines = []
    for currency, total in sorted(idle.savings.totals.items()):
        stops = sum(1 for row in idle.savings.rows if (row.proposal.currency or "USD") == currency)
        lines.append(
            f"Saved about {format_money(total, currency)} by {stops} stop(s) "
            "(estimated: hourly cost × hours stopped)"
        )
    parts = [row for row in idle.savings.rows if row.credited_by is not None]
    lines += [_shared_saving_line(row) for row in parts[:IDLE_SHOWN]]
    if len(parts) > IDLE_SHOWN:
        lines.append(f"…and {len(parts) - IDLE_SHOWN} more shared saving(s) (see /cost savings)")
    for proposal in idle.kept[:IDLE_SHOWN]:
        who = f" by <@{proposal.decided_by}>" if proposal.decided_by else ""
        until = f"{proposal.lease_until:%Y-%m-%d %H:%M} UTC" if proposal.lease_until else "?"
        reason = escape_mrkdwn(proposal.keep_reason or "")
        lines.append(f"• {_machine(proposal)} kept running until {until}{who}: _{reason}_")
    if idle.waiting:
        names = ", ".join(_machine(p) for p in idle.waiting[:IDLE_SHOWN])
        more = (
            f" and {len(idle.waiting) - IDLE_SHOWN} more" if len(idle.waiting) > IDLE_SHOWN else ""
        )
        lines.append(f"Waiting for a decision: {names}{more} (see /cost idle)")
    return lines or ["Nothing to report."]


def _shared_saving_line(row: SavingRow) -> str:
    """A part of a shared machine's saving: received from the project that gives its cost
    away, or what that project kept of its own machine's saving."""
    currency = row.proposal.currency or "USD"
    of = f"{_money(row.saved, currency)} of {_money(row.whole or row.saved, currency)}"
    allocation = row.credited_by
    how = f" ({_name(shared_saving(allocation), SHARED_CHARS)})" if allocation else ""
    if row.received and allocation is not None:
        origin = _name(f"{allocation.dimension} {allocation.origin}")
        return f"• Its share: {of} saved by {_machine(row.proposal)} in {origin}{how}"
    return f"• Kept here: {of} saved by {_machine(row.proposal)}{how}"


def _machine(proposal) -> str:
    return f"`{escape_mrkdwn(str(proposal.instance.get('name') or proposal.instance_id))}`"


def _footer(digest: Digest) -> str:
    window = digest.window
    return (
        f"Complete days only: covers {_span(window.start, window.end)}, compared with "
        f"{_span(window.previous_start, window.previous_end)} · {digest.cost_basis} cost · "
        "currencies are never added together"
    )


def digest_text(digest: Digest) -> str:
    """The notification and fallback text: the title and each currency's spend and change."""
    parts = [digest_title(digest)]
    for section in digest.sections:
        change = format_change(section.period.current, section.period.previous)
        shared = _shared_text(digest, section)
        parts.append(
            f"{format_money(section.period.current, section.currency)} "
            f"({change}{'; ' + shared if shared else ''})"
        )
    over = [line for line in digest.budgets if line.status.status is BudgetHealth.OVER]
    if over:
        parts.append(f"{len(over)} budget(s) over")
    if digest.anomalies:
        parts.append(
            f"{len(digest.anomalies)} open anomal{'y' if len(digest.anomalies) == 1 else 'ies'}"
        )
    return _fallback(" · ".join(parts))


def _shared_text(digest: Digest, section: DigestSection) -> str | None:
    """The shared part of a section in the notification, as short as it can be told."""
    shared, currency = section.shared, section.currency
    if digest.scope.is_all:
        if not shared.received:
            return None
        amount = format_money(shared.received_total, currency)
        return f"{digest.child_dimension}s include {amount} shared cost"
    said = []
    if shared.received:
        said.append(f"includes {format_money(shared.received_total, currency)} shared cost")
    if shared.given:
        said.append(f"{format_money(shared.given_total, currency)} shared among its receivers")
    return ", ".join(said) or None


def digest_chart(digest: Digest) -> OutboxFile:
    """Daily cost of the last 30 complete days, stacked by the largest movers."""
    from handlers.charts import DigestPanel, render_digest_png  # matplotlib only when drawing

    panels = []
    for section in digest.sections[:CURRENCIES_SHOWN]:
        rest = f"other {digest.child_dimension}s"
        layers: list[tuple[str, list[Decimal] | tuple[Decimal, ...]]] = []
        for layer in section.chart:
            label = rest if layer.rest else layer.name or f"(no {digest.child_dimension})"
            layers.append((label[:40], layer.daily))
        panels.append(DigestPanel(section.currency, section.chart_days, layers, rest))
    title = f"Daily cost, last 30 days · {_scope(digest)}"
    png = render_digest_png(title, panels)
    name = f"costbot-{digest.every.value}-digest-{digest.window.start.isoformat()}.png"
    return OutboxFile(name=name, title=digest_title(digest), content=png)


def describe_digest(digest: Digest) -> tuple[str, list[dict], OutboxFile | None]:
    """The fallback text, Block Kit JSON and chart image of the digest's message."""
    chart = digest_chart(digest) if digest.sections else None
    return digest_text(digest), to_payload(build_digest_blocks(digest)), chart
