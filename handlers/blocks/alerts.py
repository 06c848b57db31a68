"""Alert messages: what happened, how much, against what, why costbot thinks so, what to do.

Each builder returns blocks with a text fallback that says the same in one paragraph (and
carries the mentions, so notifications fire). Buttons carry the alert's key only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock

from bot.domain.anomaly import Driver
from bot.domain.reports import SharedShare
from bot.domain.shared.wording import rules_and_methods
from bot.services.alert_facts import (
    AlertMessage,
    AnomalyFacts,
    Delivery,
    ForecastFacts,
    SummaryFacts,
    ThresholdFacts,
)
from handlers.blocks.buttons import ActionId
from handlers.blocks.elements import (
    _button,
    _cap_blocks,
    _context,
    _mrkdwn,
    _pack_sections,
    _section,
    to_payload,
)
from handlers.blocks.limits import MAX_CONTEXT_TEXT
from handlers.blocks.shared import SHARED_LINE_CHARS
from handlers.button_values import AlertRef, encode
from handlers.formatting import escape_mrkdwn, escape_truncate, format_money, one_line

SNOOZE_LABEL = "Snooze 7 days"
ACKNOWLEDGED_BLOCK = "alert_acknowledged"
SNOOZED_BLOCK = "alert_snoozed"
# Headlines named in a summary's fallback text (the blocks list more, within Slack's limits).
SUMMARY_TEXT_LINES = 20


def describe_alert(message: AlertMessage) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and Block Kit JSON of one alert (the AlertService's describer)."""
    facts, delivery = message.facts, message.delivery
    if isinstance(facts, ThresholdFacts):
        text, blocks = _threshold(facts)
    elif isinstance(facts, ForecastFacts):
        text, blocks = _forecast(facts)
    elif isinstance(facts, AnomalyFacts):
        text, blocks = _anomaly(facts)
    else:
        text, blocks = _summary(facts)
    prefix = _mentions(delivery)
    if prefix:
        text = f"{prefix} {text}"
        blocks.insert(0, _section(prefix))
    if delivery.rerouted_from:
        note = (
            f"Posted here because costbot is not in {delivery.rerouted_from}: "
            f"invite @costbot there (/invite @costbot) to get these alerts in that channel."
        )
        text = f"{text} ({note})"
        blocks.append(_context([f":information_source: {note}"]))
    if not isinstance(facts, SummaryFacts):
        blocks.append(build_alert_actions(facts.key))
    return text, to_payload(_cap_blocks(blocks))


def build_alert_actions(key: str) -> ActionsBlock:
    value = encode(AlertRef(key))
    return ActionsBlock(
        elements=[
            _button("Show breakdown", ActionId.ALERT_BREAKDOWN.value, value),
            _button(SNOOZE_LABEL, ActionId.ALERT_SNOOZE.value, value),
            _button("Acknowledge", ActionId.ALERT_ACKNOWLEDGE.value, value),
        ],
    )


def build_acknowledged_context(user_id: str) -> ContextBlock:
    return ContextBlock(
        block_id=ACKNOWLEDGED_BLOCK,
        elements=[_mrkdwn(f":white_check_mark: Acknowledged by <@{user_id}>", MAX_CONTEXT_TEXT)],
    )


def build_snoozed_context(user_id: str, until: datetime) -> ContextBlock:
    text = (
        f":zzz: Snoozed by <@{user_id}> until {until:%Y-%m-%d %H:%M} UTC: no alerts for this "
        "scope until then."
    )
    return ContextBlock(block_id=SNOOZED_BLOCK, elements=[_mrkdwn(text, MAX_CONTEXT_TEXT)])


def _mentions(delivery: Delivery) -> str:
    return " ".join(
        f"<!subteam^{m}>" if m.startswith("S") else f"<@{m}>" for m in delivery.mentions
    )


def _shared_note(shared: Decimal, money) -> str:
    """` (includes $X shared cost)` when spend holds shared cost split in by the rules."""
    if not shared:
        return ""
    return f" (includes {money(shared)} shared cost)"


def _pct(value: Decimal) -> str:
    return f"{value:.0f}%"


def _threshold(f: ThresholdFacts) -> tuple[str, list[Block]]:
    money = lambda amount: format_money(amount, f.budget.currency)  # noqa: E731
    scope = escape_mrkdwn(str(f.budget.scope))
    period = (
        f"{f.budget.period.value} budget ({f.period_start:%Y-%m-%d} to {f.period_end:%Y-%m-%d})"
    )
    happened = (
        f"{scope} has spent {money(f.spent)}, {_pct(f.percent_used)} of its {period} of "
        f"{money(f.budget.amount)}: past the {f.threshold}% threshold"
    )
    lower = ""
    if f.covered:
        lower = f" (and the {', '.join(f'{t}%' for t in f.covered)} threshold(s) with it)"
    why = f"{_pct(f.percent_elapsed)} of the period has elapsed"
    if f.projected is not None:
        why += f"; at the recent run rate it ends near {money(f.projected)}"
    todo = (
        "Look at the breakdown for what drives it; acknowledge when someone owns it, "
        "or snooze if it is expected."
    )
    shared = _shared_note(f.shared, money)
    text = f"Budget alert: {happened}{lower}{shared}. {why}. {todo}"
    blocks: list[Block] = [
        _section(f":money_with_wings: *Budget alert: {scope} reached {f.threshold}%*"),
        _section(f"{happened}{lower}{shared}."),
        _context([f"Why: {why}. Spend is the cost stored so far in {f.budget.currency}."]),
        _context([f"What to do: {todo}"]),
    ]
    return text, blocks


def _forecast(f: ForecastFacts) -> tuple[str, list[Block]]:
    money = lambda amount: format_money(amount, f.budget.currency)  # noqa: E731
    p = f.projection
    scope = escape_mrkdwn(str(f.budget.scope))
    happened = (
        f"{scope} is projected to spend {money(p.projected)} (range {money(p.low)} to "
        f"{money(p.high)}) by {f.period_end:%Y-%m-%d}, over its {f.budget.period.value} budget "
        f"of {money(f.budget.amount)} by {money(p.projected - f.budget.amount)}"
    )
    if f.previous_projection is not None:
        happened += f"; up from {money(f.previous_projection)} when last told"
    if f.shared:
        happened += f"; the spend so far includes {money(f.shared)} shared cost"
    why = (
        f"{p.basis.describe(p.spent, money)}; the range uses each kind of day's mean "
        "absolute deviation"
    )
    todo = (
        f"Act before {f.period_end:%Y-%m-%d}: look at the breakdown for what runs hot. costbot "
        f"tells this again only if the projection rises by another {f.step_percent}% "
        "of the budget."
    )
    text = f"Forecast alert: {happened}. How: {why}. {todo}"
    blocks: list[Block] = [
        _section(f":chart_with_upwards_trend: *Forecast alert: {scope} heads over budget*"),
        _section(f"{happened}."),
        _context([f"How: {why}."]),
        _context([f"What to do: {todo}"]),
    ]
    return text, blocks


def _anomaly(f: AnomalyFacts) -> tuple[str, list[Block]]:
    money = lambda amount: format_money(amount, f.currency)  # noqa: E731
    scope = f"{f.dimension} {escape_mrkdwn(f.value)}"
    kind = "weekend days" if f.weekend else "weekdays"
    happened = (
        f"{scope} cost {money(f.cost)} on {f.day:%A %Y-%m-%d}, {money(f.impact)} above "
        f"the usual {money(f.expected)}"
    )
    why = (
        f"the usual is the median of {f.baseline_days} {kind} of the previous {f.window_days} "
        f"days (along their trend); the rise is more than {f.sensitivity} times the spread "
        f"({money(f.spread)}) and over the {money(f.min_impact)} minimum"
    )
    if f.excluded:
        why += f"; {money(f.excluded)} of one-time charges that day are left out"
    drivers = [_driver_line(d, money) for d in (*f.services, *f.resources)]
    todo = "Check whether the drivers below were intended; acknowledge or snooze once known."
    shared = _anomaly_shared(f, money)
    said = f"{happened}. {shared}" if shared else f"{happened}."
    text = f"Cost anomaly: {said} Why: {why}."
    if drivers:
        text += " Drivers: " + "; ".join(drivers) + "."
    text += f" {todo}"
    blocks: list[Block] = [
        _section(f":rotating_light: *Cost anomaly: {scope} on {f.day:%Y-%m-%d}*"),
        _section(said),
    ]
    if f.services:
        blocks.append(_section("*Services that rose*\n" + "\n".join(_bullets(f.services, money))))
    if f.resources:
        blocks.append(_section("*Resources that rose*\n" + "\n".join(_bullets(f.resources, money))))
    blocks += [
        _context([f"Why: {why}. Day judged: {f.day:%Y-%m-%d} (complete)."]),
        _context([f"What to do: {todo}"]),
    ]
    return text, blocks


def _anomaly_shared(f: AnomalyFacts, money) -> str:
    """What shared cost the day's number holds, and what the scope gave away that day:
    `The day's cost includes $412.50 shared cost (gpu-pool (usage: GPU hours)); usually
    $120.00.` Empty when no rule moved any of its cost that day. Escaped, and cut to a line."""
    sentences = []
    if f.shared_in:
        received = f"The day's cost includes {money(f.shared)} shared cost ({_rules(f.shared_in)})"
        if f.shared_usual is not None:
            received += f"; usually {money(f.shared_usual)}"
        sentences.append(received + ".")
    if f.shared_out:
        given = sum((part.cost for part in f.shared_out), Decimal(0))
        rule = "rule" if len({part.rule for part in f.shared_out}) == 1 else "rules"
        sentences.append(
            f"{money(given)} of its cost that day was shared among its receivers by "
            f"{rule} {_rules(f.shared_out)}."
        )
    return escape_truncate(" ".join(sentences), SHARED_LINE_CHARS)


def _rules(parts: tuple[SharedShare, ...]) -> str:
    return one_line(rules_and_methods(parts))


def _driver_line(driver: Driver, money) -> str:
    return f"{driver.name} +{money(driver.rise)} ({money(driver.baseline)} to {money(driver.cost)})"


def _bullets(found, money) -> list[str]:
    return [f"• {escape_mrkdwn(_driver_line(d, money))}" for d in found]


def _summary(f: SummaryFacts) -> tuple[str, list[Block]]:
    lines = [f"• {escape_mrkdwn(line.headline)}" for line in f.lines]
    title = f"{len(f.lines)} more cost alerts for this channel"
    named = "; ".join(line.headline for line in f.lines[:SUMMARY_TEXT_LINES])
    more = len(f.lines) - SUMMARY_TEXT_LINES
    text = f"{title}: {named}" + (f"; and {more:,} more." if more > 0 else ".")
    blocks: list[Block] = [_section(f":bell: *{title}*"), *_pack_sections(lines)]
    blocks.append(
        _context(
            ["Told together so this channel is not flooded; `/cost budget` shows every budget."]
        )
    )
    return text, blocks
