"""The chargeback report as CSV, JSON and markdown (`costbot report --format ...`)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from bot.domain.chargeback import ChargebackReport, ChargebackRow, CheckLine, CurrencySection
from bot.domain.money import cents_number, to_cents

CHECK_VALUE = "(check)"
# A cell a spreadsheet would run as a formula (tag values come from anyone's cloud tags).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_file_name(report: ChargebackReport) -> str:
    return f"chargeback-{report.month.label}-{report.dimension}.csv"


# -- CSV -----------------------------------------------------------------------------------


def chargeback_csv(report: ChargebackReport) -> str:
    """One line per value and currency, then one check line per currency (value `(check)`):
    the rows' sums, with the month's bill and whether they match in the last two columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_header(report))
    for section in report.sections:
        for row in section.rows:
            writer.writerow(_csv_row(report, row))
    for section in report.sections:
        writer.writerow(_csv_check(report, section))
    return out.getvalue()


def csv_header(report: ChargebackReport) -> list[str]:
    return [
        "month",
        "dimension",
        "value",
        "currency",
        "direct",
        *(f"shared:{rule}" for rule in report.rules),
        "shared_received",
        "shared_given",
        "total",
        "share_percent",
        "change_percent",
        "bill",
        "check",
    ]


def _csv_row(report: ChargebackReport, row: ChargebackRow) -> list[str]:
    return [
        report.month.label,
        report.dimension,
        _safe_cell(row.name),
        row.currency,
        _money(row.direct),
        *(_money(row.received.get(rule, Decimal(0))) for rule in report.rules),
        _money(row.shared_received),
        _money(row.given),
        _money(row.total),
        _percent(row.share),
        _percent(row.change),
        "",
        "",
    ]


def _csv_check(report: ChargebackReport, section: CurrencySection) -> list[str]:
    rows = section.rows
    check = section.check
    return [
        report.month.label,
        report.dimension,
        CHECK_VALUE,
        section.currency,
        _money(sum((r.direct for r in rows), Decimal(0))),
        *(
            _money(sum((r.received.get(rule, Decimal(0)) for r in rows), Decimal(0)))
            for rule in report.rules
        ),
        _money(sum((r.shared_received for r in rows), Decimal(0))),
        _money(sum((r.given for r in rows), Decimal(0))),
        _money(check.rows_total),
        "100.0" if check.bill > 0 else "",
        _percent(section.change),
        _money(check.bill),
        "ok" if check.ok else f"off by {_money(check.difference)}",
    ]


def _safe_cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _money(amount: Decimal) -> str:
    return f"{to_cents(amount):.2f}"


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}"


# -- JSON ----------------------------------------------------------------------------------


def chargeback_json(report: ChargebackReport) -> dict[str, Any]:
    """Money as numbers rounded to cents, percentages to one decimal (null: nothing to compare)."""
    return {
        "month": report.month.label,
        "start": report.month.start.isoformat(),
        "end": report.month.end.isoformat(),
        "dimension": report.dimension,
        "cost_basis": report.cost_basis,
        "data_through": report.data_through.isoformat() if report.data_through else None,
        "complete": report.complete,
        "rules": list(report.rules),
        "rows": [_json_row(row) for row in report.rows],
        "checks": [_json_check(section) for section in report.sections],
        "ok": report.ok,
        "notes": list(report.notes),
    }


def _json_row(row: ChargebackRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "currency": row.currency,
        "direct": cents_number(row.direct),
        "shared_received": {rule: cents_number(cost) for rule, cost in row.received.items()},
        "shared_given": cents_number(row.given),
        "total": cents_number(row.total),
        "share_percent": _json_percent(row.share),
        "change_percent": _json_percent(row.change),
        "previous_total": (
            cents_number(row.previous_total) if row.previous_total is not None else None
        ),
    }


def _json_check(section: CurrencySection) -> dict[str, Any]:
    check: CheckLine = section.check
    return {
        "currency": check.currency,
        "rows": len(section.rows),
        "rows_total": cents_number(check.rows_total),
        "bill": cents_number(check.bill),
        "difference": cents_number(check.difference),
        "ok": check.ok,
        "change_percent": _json_percent(section.change),
    }


def _json_percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# -- markdown ------------------------------------------------------------------------------


def chargeback_markdown(report: ChargebackReport) -> str:
    """A table per currency, each followed by its check line."""
    previous = report.month.previous().label
    lines = [f"# Chargeback {report.month.label} by {report.dimension} ({report.cost_basis} cost)"]
    lines += [f"_{note}_" for note in report.notes]
    for section in report.sections:
        lines += ["", f"## {section.currency}", ""]
        lines.append(_md_line(_md_header(report, previous)))
        lines.append(_md_line(["---"] + ["---:"] * (len(_md_header(report, previous)) - 1)))
        for row in section.rows:
            lines.append(_md_line(_md_row(report, row)))
        lines += ["", check_sentence(section)]
    return "\n".join(lines) + "\n"


def check_sentence(section: CurrencySection) -> str:
    """`Check: the 12 rows add up to 1234.56 USD, the month's bill (1234.56 USD): ok.`"""
    check = section.check
    rows = len(section.rows)
    total = f"{_money(check.rows_total)} {check.currency}"
    bill = f"{_money(check.bill)} {check.currency}"
    if check.ok:
        return f"Check: the {rows} rows add up to {total}, the month's bill ({bill}): ok."
    return (
        f"Check: the {rows} rows add up to {total}, but the month's bill is {bill}: "
        f"off by {_money(check.difference)} {check.currency}."
    )


def _md_header(report: ChargebackReport, previous: str) -> list[str]:
    return [
        report.dimension,
        "direct",
        *(f"shared: {rule}" for rule in report.rules),
        "shared given",
        "total",
        "share",
        f"change vs {previous}",
    ]


def _md_row(report: ChargebackReport, row: ChargebackRow) -> list[str]:
    return [
        row.name,
        _money(row.direct),
        *(_money(row.received.get(rule, Decimal(0))) for rule in report.rules),
        _money(row.given),
        _money(row.total),
        f"{row.share:.1f}%" if row.share is not None else "",
        _md_change(row),
    ]


def _md_change(row: ChargebackRow) -> str:
    if row.change is not None:
        return f"{row.change:+.1f}%"
    return "new" if row.previous_total is None else ""


def _md_line(cells: list[str]) -> str:
    escaped = [cell.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ") for cell in cells]
    return "| " + " | ".join(escaped) + " |"
