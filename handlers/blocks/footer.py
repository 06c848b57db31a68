"""The footer every report answer ends with: coverage, freshness, how it was computed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import Block

from bot.domain.completeness import completeness_note
from bot.domain.periods import Period
from bot.domain.reports import CostReport, TopReport, UntaggedReport
from handlers.blocks.buttons import build_share_actions
from handlers.blocks.elements import _cap_blocks, _context
from handlers.blocks.limits import SHORT_CHARS, TAG_KEYS_SHOWN
from handlers.blocks.text import _basis_text, _code, _freshness
from handlers.formatting import escape_mrkdwn, escape_truncate

_SEPARATE_CURRENCIES = "Each currency is reported on its own; currencies are never added together."


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
    notes = [_coverage(report.period, report.data_through), *_completeness(report), how]
    blocks.append(_context([*notes, *([_SEPARATE_CURRENCIES] if several else [])]))
    if shareable:
        blocks.extend(build_share_actions(command_text))
    return _cap_blocks(blocks)


def _completeness(report: CostReport | TopReport | UntaggedReport) -> list[str]:
    """The one-line note on incomplete and provisional days, as a list of 0 or 1 texts."""
    note = completeness_note(
        report.period, report.data_through, report.asked_on, report.provisional_days
    )
    return [escape_mrkdwn(note)] if note else []


def _completeness_text(report: CostReport | TopReport | UntaggedReport) -> str:
    """The same note for fallback text: a leading space and the note, or nothing."""
    note = completeness_note(
        report.period, report.data_through, report.asked_on, report.provisional_days
    )
    return f" {note}" if note else ""


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
