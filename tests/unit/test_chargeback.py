"""The chargeback report's rows, shares, changes and check lines (bot/domain/chargeback.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli_chargeback_render import (
    CHECK_VALUE,
    chargeback_csv,
    chargeback_json,
    chargeback_markdown,
)
from bot.domain.chargeback import (
    ChargebackError,
    Month,
    MonthCosts,
    SharedAmount,
    build_report,
    check_dimension,
    parse_month,
)
from bot.domain.shared.split import Role
from handlers.blocks.chargeback import describe_chargeback

D = Decimal
NOV = Month(2026, 11)


def _shared(value, rule, role, cost, currency="USD"):
    return SharedAmount(value, currency, rule, role, D(cost))


def _november(**overrides) -> MonthCosts:
    """shared-platform (100) is split 60/40 to fraud-detection and llm-chat by `platform`."""
    values = {
        "direct": {
            ("fraud-detection", "USD"): D("300"),
            ("llm-chat", "USD"): D("200"),
            ("shared-platform", "USD"): D("100"),
            (None, "USD"): D("50"),
        },
        "shared": [
            _shared("shared-platform", "platform", Role.OUT, "-100"),
            _shared("fraud-detection", "platform", Role.IN, "60"),
            _shared("llm-chat", "platform", Role.IN, "40"),
        ],
        "bill": {"USD": D("650")},
        "previous_totals": {("fraud-detection", "USD"): D("300"), ("llm-chat", "USD"): D("300")},
        "previous_bill": {"USD": D("600")},
    }
    values.update(overrides)
    return MonthCosts(**values)


def _report(costs: MonthCosts | None = None, **kwargs):
    kwargs.setdefault("data_through", date(2026, 11, 30))
    return build_report(NOV, "project", costs or _november(), cost_basis="effective", **kwargs)


def test_rows_hold_direct_received_given_and_total():
    rows = {row.name: row for row in _report().rows}
    fraud = rows["fraud-detection"]
    assert (fraud.direct, dict(fraud.received), fraud.given, fraud.total) == (
        D("300"),
        {"platform": D("60")},
        D("0"),
        D("360"),
    )
    platform = rows["shared-platform"]
    assert (platform.direct, platform.given, platform.total) == (D("100"), D("100"), D("0"))
    assert rows["(unallocated)"].total == D("50")  # unallocated cost is a row of its own


def test_rows_are_largest_first_and_shares_are_of_the_bill():
    report = _report()
    assert [row.name for row in report.rows] == [
        "fraud-detection",
        "llm-chat",
        "(unallocated)",
        "shared-platform",
    ]
    assert [row.share for row in report.rows] == [D("55.4"), D("36.9"), D("7.7"), D("0.0")]


def test_check_line_compares_the_rows_with_the_bill():
    report = _report()
    check = report.sections[0].check
    assert (check.rows_total, check.bill, check.ok) == (D("650"), D("650"), True)
    off = _report(_november(bill={"USD": D("651.5")}))
    assert not off.ok
    assert off.sections[0].check.difference == D("-1.5")


def test_change_against_the_previous_month_and_none_without_one():
    rows = {row.name: row for row in _report().rows}
    assert rows["fraud-detection"].change == D("20.0")
    assert rows["llm-chat"].change == D("-20.0")
    assert rows["(unallocated)"].change is None  # no cost in October
    assert rows["(unallocated)"].previous_total is None
    assert _report().sections[0].change == D("8.3")


def test_previous_month_missing_entirely():
    report = _report(_november(previous_totals={}, previous_bill={}))
    assert all(row.change is None for row in report.rows)
    assert report.sections[0].change is None
    assert report.ok


def test_currencies_are_never_summed_together():
    costs = _november(
        direct={("fraud-detection", "USD"): D("10"), ("fraud-detection", "EUR"): D("30")},
        shared=[],
        bill={"USD": D("10"), "EUR": D("30")},
        previous_totals={},
    )
    report = _report(costs)
    assert [s.currency for s in report.sections] == ["EUR", "USD"]  # the largest bill first
    assert [(s.check.rows_total, s.check.bill) for s in report.sections] == [
        (D("30"), D("30")),
        (D("10"), D("10")),
    ]
    assert {row.share for row in report.rows} == {D("100.0")}


def test_kept_cost_is_not_counted_twice():
    costs = _november(shared=[_shared("shared-platform", "platform", Role.KEPT, "100")])
    rows = {row.name: row for row in _report(costs).rows}
    assert rows["shared-platform"].total == D("100")
    assert _report(costs).ok


def test_an_empty_month_says_so():
    report = _report(MonthCosts({}, [], {}, {}), data_through=None)
    assert report.rows == [] and report.ok
    assert report.notes == ("No cost is stored for 2026-11.",)


def test_an_incomplete_month_says_so():
    report = _report(data_through=date(2026, 11, 20))
    assert not report.complete
    assert report.notes == ("2026-11 is not complete: data through 2026-11-20.",)


def test_rules_follow_the_config_order():
    costs = _november(
        shared=[
            _shared("fraud-detection", "gpu-pool", Role.IN, "5"),
            _shared("fraud-detection", "platform", Role.IN, "5"),
            _shared("llm-chat", "zzz", Role.IN, "1"),
            _shared("shared-platform", "platform", Role.OUT, "-11"),
        ]
    )
    assert _report(costs, rule_order=["platform", "gpu-pool"]).rules == (
        "platform",
        "gpu-pool",
        "zzz",
    )


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "november", "", "2026-00"])
def test_a_bad_month_is_refused_with_the_form_to_give(text):
    with pytest.raises(ChargebackError, match="YYYY-MM"):
        parse_month(text)


def test_months_and_their_neighbours():
    assert parse_month(" 2026-01 ") == Month(2026, 1)
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert (Month(2024, 2).start, Month(2024, 2).end) == (date(2024, 2, 1), date(2024, 2, 29))


def test_a_bad_dimension_is_refused():
    assert check_dimension("Team") == "team"
    with pytest.raises(ChargebackError, match="project, team"):
        check_dimension("teams")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["USD", "EUR"]),
            st.decimals(min_value=-1000, max_value=10000, places=9),
        ),
        max_size=12,
    ),
    st.decimals(min_value=0, max_value=1000, places=9),
)
def test_rows_add_up_to_the_bill_whatever_is_shared(direct_rows, moved):
    """Shared cost moves between rows; the rows of each currency still sum to its bill."""
    direct: dict = {}
    bill: dict = {}
    for value, currency, cost in direct_rows:
        direct[(value, currency)] = direct.get((value, currency), D(0)) + cost
        bill[currency] = bill.get(currency, D(0)) + cost
    shared = []
    if direct:
        (origin, currency), *_ = direct
        half = (moved / 2).quantize(D("1e-9"))
        shared = [
            _shared(origin, "r", Role.OUT, -moved, currency),
            _shared("x", "r", Role.IN, half, currency),
            _shared("y", "r", Role.IN, moved - half, currency),
        ]
    report = _report(MonthCosts(direct, shared, bill, {}))
    assert report.ok
    assert {s.currency for s in report.sections} == set(bill)


# -- renderers -----------------------------------------------------------------------------


def test_csv_has_a_column_per_rule_and_a_check_line_per_currency():
    text = chargeback_csv(_report())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[4:8] == ["direct", "shared:platform", "shared_received", "shared_given"]
    fraud = rows[0]
    assert (fraud["value"], fraud["shared:platform"], fraud["total"]) == (
        "fraud-detection",
        "60.00",
        "360.00",
    )
    assert (fraud["share_percent"], fraud["change_percent"]) == ("55.4", "20.0")
    check = rows[-1]
    assert (check["value"], check["total"], check["bill"], check["check"]) == (
        CHECK_VALUE,
        "650.00",
        "650.00",
        "ok",
    )
    assert sum(D(r["total"]) for r in rows if r["value"] != CHECK_VALUE) == D("650.00")


def test_csv_cells_never_run_as_formulas():
    costs = _november(direct={("=cmd|' /c calc'!A0", "USD"): D("1")}, shared=[], bill={"USD": D(1)})
    rows = list(csv.DictReader(io.StringIO(chargeback_csv(_report(costs)))))
    assert rows[0]["value"] == "'=cmd|' /c calc'!A0"


def test_json_fields():
    body = chargeback_json(_report())
    json.dumps(body)  # serialisable
    assert set(body) == {
        "month",
        "start",
        "end",
        "dimension",
        "cost_basis",
        "data_through",
        "complete",
        "rules",
        "rows",
        "checks",
        "ok",
        "notes",
    }
    assert body["rows"][0] == {
        "name": "fraud-detection",
        "currency": "USD",
        "direct": 300.0,
        "shared_received": {"platform": 60.0},
        "shared_given": 0.0,
        "total": 360.0,
        "share_percent": 55.4,
        "change_percent": 20.0,
        "previous_total": 300.0,
    }
    assert body["checks"] == [
        {
            "currency": "USD",
            "rows": 4,
            "rows_total": 650.0,
            "bill": 650.0,
            "difference": 0.0,
            "ok": True,
            "change_percent": 8.3,
        }
    ]


def test_markdown_has_a_table_per_currency_and_the_check_line():
    text = chargeback_markdown(_report())
    assert "# Chargeback 2026-11 by project (effective cost)" in text
    assert "| project | direct | shared: platform | shared given | total | share |" in text
    assert "| fraud-detection | 300.00 | 60.00 | 0.00 | 360.00 | 55.4% | +20.0% |" in text
    assert "| (unallocated) | 50.00 | 0.00 | 0.00 | 50.00 | 7.7% | new |" in text
    assert "Check: the 4 rows add up to 650.00 USD, the month's bill (650.00 USD): ok." in text


def test_markdown_escapes_pipes_in_names():
    costs = _november(direct={("a|b", "USD"): D("1")}, shared=[], bill={"USD": D("1")})
    assert "| a\\|b | 1.00 |" in chargeback_markdown(_report(costs))


# -- the Slack message ---------------------------------------------------------------------


def test_slack_message_shows_the_largest_rows_and_the_check_line():
    text, blocks = describe_chargeback(_report())
    assert text.startswith("Chargeback 2026-11 by project: $650.00 USD (adds up)")
    assert blocks[0]["type"] == "header"
    table = blocks[1]["text"]["text"]
    assert "fraud-detection" in table and "$360.00" in table and "55.4%" in table
    assert "The rows add up to $650.00 USD, the month's bill." in blocks[2]["elements"][0]["text"]


def test_slack_message_stays_within_slacks_limits():
    direct = {(f"<!channel>-project-{i:03d}" + "x" * 900, "USD"): D(i) for i in range(400)}
    direct.update({("p", code): D(1) for code in ["EUR", "GBP", "JPY", "CHF", "SEK"]})
    bill = {"USD": sum(D(i) for i in range(400))} | {c: D(1) for c in ["EUR", "GBP", "JPY", "CHF"]}
    bill["SEK"] = D(1)
    costs = MonthCosts(direct, [], bill, {})
    text, blocks = describe_chargeback(_report(costs))
    assert len(blocks) <= 50 and len(text) <= 3000
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in shown  # names are escaped (a row of no cost is no row)
    assert "…and 384 smaller rows in the CSV" in shown
    assert "Other currencies" in shown
