"""The monthly chargeback report as one Slack message: per currency, a table of the largest
rows and the check line; every row is in the CSV the outbox uploads with it."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.chargeback import ChargebackReport, ChargebackRow, CurrencySection
from handlers.blocks.elements import _cap_blocks, _context, _header, _section, to_payload
from handlers.blocks.limits import MAX_SECTION_TEXT, SHORT_CHARS
from handlers.blocks.text import _basis_text, _fallback, _money_code
from handlers.formatting import escape_mrkdwn, format_money, one_line, truncate

ROWS_SHOWN = 15  # per currency; a table of 15 short lines stays far inside a section's 3,000
CURRENCIES_SHOWN = 3  # more get one line each
NAME_WIDTH = 28
MONEY_WIDTH = 14


def chargeback_title(report: ChargebackReport) -> str:
    return f"Chargeback {report.month.label} by {report.dimension}"


def build_chargeback_blocks(
    report: ChargebackReport, rerouted_from: str | None = None
) -> list[Block]:
    blocks: list[Block] = [_header(chargeback_title(report))]
    if rerouted_from:
        where = escape_mrkdwn(one_line(rerouted_from))[:SHORT_CHARS]
        blocks.append(
            _context([f"costbot is not in {where}, so it posted here: invite @costbot there."])
        )
    shown = report.sections[:CURRENCIES_SHOWN]
    for index, section in enumerate(shown):
        if index:
            blocks.append(DividerBlock())
        blocks += _currency_blocks(report, section)
    others = report.sections[CURRENCIES_SHOWN:]
    if others:
        blocks.append(_section("*Other currencies*\n" + "\n".join(_other(s) for s in others)))
    if not report.sections:
        blocks.append(_section(f"No cost is stored for {report.month.label}."))
    blocks.append(_context([_footer(report)]))
    return _cap_blocks(blocks)


def chargeback_text(report: ChargebackReport) -> str:
    """The notification and fallback text: each currency's bill and whether the rows add up."""
    parts = [f"{_money_code(s.check.bill, s.currency)} ({_adds_up(s)})" for s in report.sections]
    body = "; ".join(parts) if parts else "no cost stored"
    return _fallback(f"{chargeback_title(report)}: {body}. The full report is attached as CSV.")


def describe_chargeback(
    report: ChargebackReport, rerouted_from: str | None = None
) -> tuple[str, list[dict]]:
    """The fallback text and Block Kit JSON of the report's message."""
    return chargeback_text(report), to_payload(build_chargeback_blocks(report, rerouted_from))


def _currency_blocks(report: ChargebackReport, section: CurrencySection) -> list[Block]:
    bill = _money_code(section.check.bill, section.currency)
    change = _change(section.change, report)
    title = f"*{section.currency}*: {bill} this month{change}, {len(section.rows):,} rows"
    rows = section.rows[:ROWS_SHOWN]
    table = [_table_line("", "total", "share", "change")]
    table += [_row_line(row) for row in rows]
    hidden = len(section.rows) - len(rows)
    lines = "\n".join(table)
    text = f"{title}\n```\n{lines}\n```"
    if hidden:
        text += f"\n_…and {hidden:,} smaller rows in the CSV_"
    return [_section(text[:MAX_SECTION_TEXT]), _context([_check(section)])]


def _row_line(row: ChargebackRow) -> str:
    name = truncate(one_line(row.name).strip(), NAME_WIDTH)
    share = f"{row.share:.1f}%" if row.share is not None else ""
    if row.change is not None:
        change = f"{row.change:+.1f}%"
    else:
        change = "new" if row.previous_total is None else ""
    return _table_line(name, format_money(row.total, row.currency), share, change)


def _table_line(name: str, total: str, share: str, change: str) -> str:
    # Code blocks are mrkdwn too: &, < and > are escaped after padding, so columns stay put.
    line = f"{name:<{NAME_WIDTH}} {total:>{MONEY_WIDTH}} {share:>7} {change:>8}"
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def _check(section: CurrencySection) -> str:
    check = section.check
    rows = _money_code(check.rows_total, check.currency)
    bill = _money_code(check.bill, check.currency)
    if check.ok:
        return f":white_check_mark: The rows add up to {rows}, the month's bill."
    off = _money_code(check.difference, check.currency)
    return f":warning: The rows add up to {rows}, but the month's bill is {bill} (off by {off})."


def _adds_up(section: CurrencySection) -> str:
    return "adds up" if section.check.ok else "does not add up"


def _other(section: CurrencySection) -> str:
    mark = _adds_up(section)
    bill = _money_code(section.check.bill, section.currency)
    return f"• {bill}: {len(section.rows):,} rows, {mark}"


def _change(change: Decimal | None, report: ChargebackReport) -> str:
    if change is None:
        return ""
    return f" ({change:+.1f}% vs {report.month.previous().label})"


def _footer(report: ChargebackReport) -> str:
    rules = ", ".join(report.rules) if report.rules else "none"
    notes = " ".join(report.notes)
    text = (
        f"{_basis_text(report.cost_basis)} · shared cost by rule: {rules} · "
        "every row is in the attached CSV"
    )
    return f"{notes} {text}".strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
