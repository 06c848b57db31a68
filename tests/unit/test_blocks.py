"""Slack Block Kit builders: content, buttons, escaping, and Slack's limits for any input."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import SectionBlock

from bot.domain.allocation import UNALLOCATED
from bot.domain.command_grammar import CostQuery, parse_command
from bot.domain.periods import Period, parse_period
from bot.domain.reports import (
    CostReport,
    CurrencyCost,
    CurrencyRanking,
    NamedCost,
    OtherCost,
    ResourceCost,
    TopReport,
)
from handlers import blocks as B
from handlers.blocks import (
    ActionId,
    build_cost_report_blocks,
    build_error_blocks,
    build_help_blocks,
    build_top_report_blocks,
    build_unknown_name_blocks,
    command_from_share_value,
    cost_report_text,
    error_text,
    help_text,
    share_value,
    suggestion_command,
    to_payload,
    top_report_text,
    unknown_name_text,
)
from handlers.formatting import (
    escape_mrkdwn,
    escape_truncate,
    format_change,
    format_money,
    format_share,
    truncate,
    truncate_mrkdwn,
)

D = Decimal
NOV = Period(date(2026, 11, 1), date(2026, 11, 30), "mtd")
ENTITY = re.compile(r"&(amp|lt|gt);")


# --- report factories -----------------------------------------------------------------------


def currency_cost(
    currency: str = "USD",
    total: str = "12345.67",
    previous: str = "11000",
    services: tuple[NamedCost, ...] = (),
    resources: tuple[ResourceCost, ...] = (),
) -> CurrencyCost:
    return CurrencyCost(currency, D(total), D(previous), services, resources, ())


def cost_report(
    *parts: CurrencyCost,
    name: str = "fraud-detection",
    period: Period = NOV,
    basis: str = "effective",
    tag_keys: tuple[str, ...] = ("project", "project_name"),
    data_through: date | None = date(2026, 11, 26),
) -> CostReport:
    return CostReport(
        dimension="project",
        name=name,
        period=period,
        previous_period=period.previous(),
        cost_basis=basis,
        tag_keys=tag_keys,
        currencies=parts or (currency_cost(),),
        data_through=data_through,
    )


def ranking(
    rows: list[tuple[str, str]], total: str, other: tuple[int, str] = (0, "0"), currency="USD"
) -> CurrencyRanking:
    return CurrencyRanking(
        currency,
        tuple(NamedCost(name, D(cost)) for name, cost in rows),
        OtherCost(other[0], D(other[1])),
        D(total),
    )


def top_report(*rankings: CurrencyRanking, data_through=date(2026, 11, 26)) -> TopReport:
    return TopReport(
        dimension="team",
        period=NOV,
        cost_basis="billed",
        tag_keys=("team",),
        currencies=rankings,
        data_through=data_through,
    )


LLM_TOP = ranking(
    [("llm-chat", "8499.45"), ("fraud-detection", "7000"), (UNALLOCATED, "3100.55")],
    total="23600",
    other=(4, "5000"),
)


# --- payload inspection ---------------------------------------------------------------------


def text_objects(payload: list[dict]) -> list[dict]:
    """Every text object in the payload, wherever it sits."""
    found: list[dict] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                found.append(node)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(payload)
    return found


def all_text(payload: list[dict]) -> str:
    return "\n".join(t["text"] for t in text_objects(payload))


def mrkdwn_text(payload: list[dict]) -> str:
    return "\n".join(t["text"] for t in text_objects(payload) if t["type"] == "mrkdwn")


def buttons(payload: list[dict]) -> list[dict]:
    return [e for b in payload if b["type"] == "actions" for e in b["elements"]]


def assert_within_slack_limits(payload: list[dict]) -> None:
    assert 1 <= len(payload) <= 50
    for block in payload:
        assert len(block.get("block_id", "")) <= 255
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 1 <= len(block["text"]["text"]) <= 150
        elif kind == "section":
            fields = block.get("fields", [])
            assert "text" in block or fields
            if "text" in block:
                assert 1 <= len(block["text"]["text"]) <= 3000
            assert len(fields) <= 10
            assert all(1 <= len(f["text"]) <= 2000 for f in fields)
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(1 <= len(e["text"]) <= 3000 for e in block["elements"])
        elif kind == "actions":
            elements = block["elements"]
            assert 1 <= len(elements) <= 25
            ids = [e["action_id"] for e in elements]
            assert len(set(ids)) == len(ids), "action ids must be unique within a block"
            for button in elements:
                assert button["type"] == "button"
                assert 1 <= len(button["text"]["text"]) <= 75
                assert button["text"]["type"] == "plain_text"
                assert len(button.get("value", "")) <= 2000
                assert 1 <= len(button["action_id"]) <= 255
        else:
            assert kind == "divider", f"unexpected block type {kind}"


def assert_escaped(text: str) -> None:
    """No raw `<` or `>`, and every `&` starts one of the three entities Slack decodes."""
    assert "<" not in text
    assert ">" not in text
    assert "&" not in ENTITY.sub("", text)


def assert_safe(payload: list[dict]) -> None:
    assert_within_slack_limits(payload)
    for obj in text_objects(payload):
        if obj["type"] == "mrkdwn":
            assert_escaped(obj["text"])


# --- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12345.67", "USD", "$12,345.67"),
        ("1234.5", "EUR", "€1,234.50"),
        ("3", "GBP", "£3.00"),
        ("1234.5", "JPY", "¥1,235"),
        ("1234.4", "JPY", "¥1,234"),
        ("0.495", "JPY", "¥0"),  # rounded once, straight to yen, not via 0.50
        ("1234.5", "CHF", "1,234.50 CHF"),
        ("-3.2", "USD", "-$3.20"),
        ("-3.2", "EUR", "-€3.20"),
        ("-1234.5", "CHF", "-1,234.50 CHF"),
        ("2.675", "USD", "$2.68"),
        ("0.005", "USD", "$0.01"),
        ("-0.005", "USD", "-$0.01"),
        ("-0.004", "USD", "$0.00"),  # no "-$0.00"
        ("0", "USD", "$0.00"),
        ("1234567.891", "usd", "$1,234,567.89"),
        ("1E+30", "USD", "$1,000,000,000,000,000,000,000,000,000,000.00"),
    ],
)
def test_format_money(amount, currency, expected):
    assert format_money(D(amount), currency) == expected


@pytest.mark.parametrize(
    ("current", "previous", "label", "expected"),
    [
        ("112.3", "100", "previous 30 days", "↑ 12.3% vs previous 30 days"),
        ("96", "100", None, "↓ 4.0%"),
        ("100", "100", None, "→ 0.0%"),
        ("100.04", "100", None, "→ 0.0%"),  # too small to show: no up arrow on 0.0%
        ("100.05", "100", None, "↑ 0.1%"),  # half-up
        ("5", "0", "previous 30 days", "no cost in the previous period"),
        ("0", "0", None, "no cost in the previous period"),
        ("50", "-100", None, "↑ 150.0%"),  # a credit before: the change is measured on |previous|
        ("100000", "1", None, "↑ 9,999,900.0%"),
    ],
)
def test_format_change(current, previous, label, expected):
    assert format_change(D(current), D(previous), label) == expected


def test_format_share():
    assert format_share(D("8499.45"), D("23600")) == "36%"
    assert format_share(D("0.01"), D("23600")) == "<1%"
    assert format_share(D("0"), D("23600")) == "0%"
    assert format_share(D("5"), D("0")) is None
    assert format_share(D("-5"), D("10")) is None


def test_escape_mrkdwn_escapes_the_three_control_characters_only():
    assert (
        escape_mrkdwn("<!channel> & <@U123> *bold*")
        == "&lt;!channel&gt; &amp; &lt;@U123&gt; *bold*"
    )
    assert escape_mrkdwn("&amp;") == "&amp;amp;"  # user text is escaped even if it looks escaped


def test_truncate():
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdefg", 6) == "abcde…"
    assert len(truncate("x" * 5000, 75)) == 75
    assert truncate("abc", 1) == "…"
    assert truncate("abc", 0) == ""


def test_truncate_mrkdwn_never_cuts_an_entity_in_half():
    escaped = escape_mrkdwn("ab<<<<")  # ab&lt;&lt;&lt;&lt;
    for limit in range(1, len(escaped) + 1):
        cut = truncate_mrkdwn(escaped, limit)
        assert len(cut) <= limit
        assert "&" not in ENTITY.sub("", cut)
    assert escape_truncate("a&b", 3) == "a…"


# --- cost report ----------------------------------------------------------------------------


def test_cost_report_content():
    services = tuple(NamedCost(f"service-{i}", D(100 * i)) for i in range(1, 9))
    resources = (ResourceCost("i-0abc", None, D(5)), ResourceCost("arn:x", "trainer", D(7)))
    report = cost_report(currency_cost(total="12345.67", services=services, resources=resources))
    blocks = build_cost_report_blocks(report, command_text="project fraud-detection mtd")
    payload = to_payload(blocks)
    assert_safe(payload)
    assert payload[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "fraud-detection · project"},
    }
    text = mrkdwn_text(payload)
    assert "*$12,345.67 USD*" in text
    assert "↑ 12.2% vs previous 30 days" in text  # 12345.67 / 11000 - 1 = 12.23%
    assert "(was $11,000.00)" in text
    # Top five services, largest first, and the rest folded into one line.
    assert "• service-8 — $800.00" in text
    assert "• service-4 — $400.00" in text
    assert "service-3" not in text
    assert "_…other services — $9,345.67_" in text  # 12,345.67 - (800+700+600+500+400)
    # Resources by name, or id when there is no name.
    assert "`trainer` — $7.00" in text
    assert "`i-0abc` — $5.00" in text
    assert text.index("trainer") < text.index("i-0abc")
    assert "26 of 30 days covered · data through 2026-11-26" in text
    assert "Effective cost (amortised, after discounts)" in text
    assert "`project`, `project_name`" in text


def test_cost_report_billed_basis_and_billing_dimension():
    report = cost_report(basis="billed", tag_keys=(), data_through=date(2026, 12, 5))
    text = mrkdwn_text(to_payload(build_cost_report_blocks(report, command_text="x")))
    assert "Billed cost" in text
    assert "comes from the billing data" in text
    assert "30 days · data through 2026-12-05" in text


def test_cost_report_without_data():
    report = cost_report(currency_cost(total="0", previous="0"), data_through=None)
    payload = to_payload(build_cost_report_blocks(report, command_text="project x mtd"))
    assert_safe(payload)
    text = mrkdwn_text(payload)
    assert "No cost recorded in this period" in text
    assert "no cost in the previous period" in text
    assert "No billing data yet" in text


def test_share_button_round_trips_the_command():
    command = 'project "fraud detection" last-month'
    payload = to_payload(build_cost_report_blocks(cost_report(), command_text=command))
    (button,) = buttons(payload)
    assert button["action_id"] == ActionId.SHARE_ANSWER == "share_answer"
    assert button["text"]["text"] == "Share in channel"
    assert json.loads(button["value"]) == {"cmd": command}
    assert button["value"] == '{"cmd":"project \\"fraud detection\\" last-month"}'  # compact
    assert command_from_share_value(button["value"]) == command


def test_share_value_keeps_unicode_compact_and_rejects_foreign_values():
    assert share_value("project café") == '{"cmd":"project café"}'
    with pytest.raises(ValueError):
        command_from_share_value("project x")
    with pytest.raises(ValueError):
        command_from_share_value('{"cmd": 3}')


def test_no_share_button_when_not_shareable_or_nothing_to_rerun():
    report = cost_report()
    for kwargs in (
        {"command_text": "project x mtd", "shareable": False},
        {"command_text": "   "},
        {"command_text": "project " + "x" * 2000},  # would not fit in a 2,000-char value
    ):
        payload = to_payload(build_cost_report_blocks(report, **kwargs))
        assert buttons(payload) == []
        assert_safe(payload)


def test_currencies_are_shown_apart_and_never_summed():
    report = cost_report(
        currency_cost("USD", "100", "50", services=(NamedCost("EC2", D(100)),)),
        currency_cost("EUR", "50.25", "0", services=(NamedCost("VM", D("50.25")),)),
        currency_cost("GBP", "7", "7"),
        currency_cost("CHF", "3", "0"),
    )
    payload = to_payload(build_cost_report_blocks(report, command_text="project x mtd"))
    assert_safe(payload)
    text = all_text(payload)
    assert "*$100.00 USD*" in text
    assert "*€50.25 EUR* · reported separately, not converted" in text
    assert "*£7.00 GBP*" in text
    assert "• VM — €50.25" in text
    assert "*Other currencies*\n• *3.00 CHF* · no cost in the previous period" in text
    assert "never added together" in text
    for summed in ("150.25", "160.25", "157.25", "153.25", "57.25"):
        assert summed not in text
    fallback = cost_report_text(report)
    assert "$100.00 USD" in fallback
    assert "€50.25" in fallback
    assert "150.25" not in fallback


def test_cost_report_text():
    report = cost_report(name="a<b>&c")
    text = cost_report_text(report)
    assert text.startswith("a&lt;b&gt;&amp;c · project, mtd, 2026-11-01 – 2026-11-30: $12,345.67")
    assert "↑ 12.2% vs previous 30 days" in text
    assert "data through 2026-11-26" in text
    assert_escaped(text)


# --- top report -----------------------------------------------------------------------------


def test_top_report_ranked_list():
    payload = to_payload(build_top_report_blocks(top_report(LLM_TOP), command_text="top team"))
    assert_safe(payload)
    assert payload[0]["text"]["text"] == "Top team · mtd"
    text = mrkdwn_text(payload)
    assert "1. llm-chat — $8,499.45 (36%)" in text
    assert "2. fraud-detection — $7,000.00 (30%)" in text
    assert "3. (unallocated) — $3,100.55 (13%)" in text
    assert "_…and 4 more — $5,000.00 (21%)_" in text
    assert "*Total:* *$23,600.00 USD*" in text
    assert "Billed cost" in text and "`team`" in text
    assert "data through 2026-11-26" in text
    (button,) = buttons(payload)
    assert button["action_id"] == "share_answer"
    assert command_from_share_value(button["value"]) == "top team"


def test_top_report_always_shows_unallocated():
    # Not in the rows at all: shown with zero cost.
    none = ranking([("a", "10"), ("b", "5")], total="15")
    text = mrkdwn_text(to_payload(build_top_report_blocks(top_report(none), command_text="t")))
    assert "– (unallocated) — $0.00 (0%)" in text
    # Ranked beyond the rows shown: pinned below the "more" line with its real rank.
    rows = [(f"name-{i:02}", str(1000 - i)) for i in range(30)] + [(UNALLOCATED, "1")]
    total = str(sum(1000 - i for i in range(30)) + 1)
    deep = ranking(rows, total=total)
    text = mrkdwn_text(to_payload(build_top_report_blocks(top_report(deep), command_text="t")))
    assert "20. name-19" in text
    assert "name-20" not in text
    assert "_…and 10 more — $9,755.00" in text  # name-20..29, not the unallocated row
    assert "31. (unallocated) — $1.00 (&lt;1%)" in text  # "<" escaped, even our own
    assert text.index("more —") < text.index("31. (unallocated)")


def test_top_report_currencies_apart():
    usd = ranking([("a", "100"), (UNALLOCATED, "10")], total="110")
    eur = ranking([("b", "20"), (UNALLOCATED, "0")], total="20", currency="EUR")
    payload = to_payload(build_top_report_blocks(top_report(usd, eur), command_text="t"))
    assert_safe(payload)
    text = mrkdwn_text(payload)
    assert "*USD*\n1. a — $100.00 (91%)" in text
    assert "*EUR*\n1. b — €20.00 (100%)" in text
    assert "*Total:* *$110.00 USD*" in text
    assert "*Total:* *€20.00 EUR*" in text
    assert "130" not in text
    fallback = top_report_text(top_report(usd, eur))
    assert "1. a $100.00" in fallback and "total €20.00 EUR" in fallback
    assert "130" not in fallback


def test_top_report_text():
    text = top_report_text(top_report(LLM_TOP))
    assert text.startswith("Top team · mtd, 2026-11-01 – 2026-11-30: 1. llm-chat $8,499.45")
    assert "total $23,600.00 USD" in text
    assert "data through 2026-11-26" in text


# --- unknown name, help, error --------------------------------------------------------------


def test_unknown_name_buttons():
    payload = to_payload(
        build_unknown_name_blocks(
            "project",
            "frud",
            ["fraud-detection", "fraud detection", "fraud-detection", "fraudulent", "fourth"],
            "mtd",
        )
    )
    assert_safe(payload)
    assert payload[0]["text"]["text"] == "No project named `frud` has any cost. Did you mean:"
    shown = buttons(payload)
    assert [b["action_id"] for b in shown] == ["suggestion_0", "suggestion_1", "suggestion_2"]
    assert [b["action_id"] for b in shown] == [str(a) for a in B.SUGGESTION_ACTIONS]
    assert all(B.SUGGESTION_ACTION_PATTERN.match(b["action_id"]) for b in shown)
    assert [b["text"]["text"] for b in shown] == [
        "fraud-detection",
        "fraud detection",
        "fraudulent",
    ]
    assert [b["value"] for b in shown] == [
        "project fraud-detection mtd",
        'project "fraud detection" mtd',
        "project fraudulent mtd",
    ]
    today = date(2026, 11, 27)
    assert parse_command(shown[1]["value"], today) == CostQuery(
        "project", "fraud detection", parse_period("mtd", today)
    )
    assert unknown_name_text("project", "frud", ["fraud-detection"], "mtd") == (
        'No project named "frud" has any cost. Did you mean: fraud-detection?'
    )


def test_unknown_name_without_suggestions_points_to_top():
    payload = to_payload(build_unknown_name_blocks("team", "<!here>", [], "last-month"))
    assert_safe(payload)
    assert buttons(payload) == []
    assert payload[0]["text"]["text"] == (
        "No team named `&lt;!here&gt;` has any cost. "
        "`/cost top team last-month` lists the names with cost."
    )


@pytest.mark.parametrize(
    "name",
    ["it's", 'say "hi"', "back\\slash", "Amazon EC2", "a&b <x>", "<!channel>", "7d", "top", "ü🙂"],
)
@pytest.mark.parametrize("label", ["mtd", "7d", "last-month", "2024-09", "2024-01-05..2024-02-01"])
def test_suggestion_command_reads_back_as_the_same_question(name, label):
    today = date(2026, 11, 27)
    value = suggestion_command("project", name, label)
    assert parse_command(value, today) == CostQuery("project", name, parse_period(label, today))


def test_suggestion_command_with_an_unparseable_period_uses_the_default():
    assert suggestion_command("team", "ml", "") == "team ml mtd"
    assert suggestion_command("team", "ml", "not a period") == "team ml mtd"


def test_help_lists_every_example_and_period():
    payload = to_payload(build_help_blocks())
    assert_safe(payload)
    text = all_text(payload)
    fallback = help_text()
    examples = [
        "/cost project fraud-detection last-month",
        "/cost top team mtd",
        "/cost untagged 30d",
        "/cost trend project llm-chat 90d",
        "/cost status",
        "/cost help",
    ]
    for example_text in examples:
        assert f"`{example_text}`" in text
        assert example_text in fallback
    for period in ("today", "yesterday", "mtd", "last-month", "Nd", "ytd", "YYYY-MM"):
        assert f"`{period}`" in text
    assert "`YYYY-MM-DD..YYYY-MM-DD`" in text
    assert "`/cost top &lt;dimension&gt; [period] [direct]`" in text


def test_error_blocks():
    payload = to_payload(build_error_blocks('Unknown period "<!channel>".', "E-7f3a"))
    assert_safe(payload)
    assert payload[0]["text"]["text"] == ':warning: Unknown period "&lt;!channel&gt;".'
    assert "`E-7f3a`" in payload[1]["elements"][0]["text"]
    assert len(to_payload(build_error_blocks("Oops", None))) == 1
    assert error_text("Oops <x>", "E-1") == "Oops &lt;x&gt; (error id E-1)"


def test_block_count_is_capped_keeping_the_footer():
    many = [SectionBlock(text=f"line {i}") for i in range(80)]
    footer = B._context(["footer"])
    actions = B.build_share_actions("project x mtd")
    capped = B._cap_blocks([*many, footer, *actions])
    payload = to_payload(capped)
    assert len(payload) == 50
    assert payload[-1]["type"] == "actions"
    assert payload[-2]["elements"][0]["text"] == "footer"
    assert "left out" in payload[-3]["elements"][0]["text"]


# --- any input stays within Slack's limits --------------------------------------------------

NASTY = [
    "<!channel>",
    "<!here|here>",
    "<@U024BE7LH>",
    "<https://evil.example|click me>",
    "a & b > c < d",
    "&amp; &lt;",
    "*bold* _it_ ~strike~ `code` ```block```",
    "\"quoted\" 'single' \\ back",
    "line\nbreak\r\n\ttab",
    "> quote",
    ":fire: @channel #general",
    "🙂" * 3000,
    "e\u0301" * 2500,
    "",
    "   ",
]

names = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(min_size=1, max_size=12).map(lambda t: (t * 5000)[:5000]),
    st.integers(0, 5000).map(lambda n: ("<!channel>&`*_" * 500)[:n]),
)
amounts = st.decimals(
    min_value=D("-1e9"), max_value=D("1e12"), places=4, allow_nan=False, allow_infinity=False
)
currencies_codes = st.one_of(st.sampled_from(["USD", "EUR", "GBP", "JPY", "CHF"]), names)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def periods(draw) -> Period:
    start = draw(days)
    return Period(start, start + timedelta(days=draw(st.integers(0, 3000))), draw(names))


@st.composite
def many_named(draw, max_bulk: int = 2000) -> tuple[NamedCost, ...]:
    """A few drawn rows plus up to `max_bulk` generated ones (drawing 2,000 is too slow)."""
    drawn = draw(st.lists(st.builds(NamedCost, names, amounts), max_size=8))
    base, count, cost = draw(names), draw(st.integers(0, max_bulk)), draw(amounts)
    bulk = [NamedCost(f"{base}{i}", cost - i) for i in range(count)]
    if draw(st.booleans()):
        bulk.append(NamedCost(UNALLOCATED, draw(amounts)))
    return tuple(drawn + bulk)


@st.composite
def many_resources(draw) -> tuple[ResourceCost, ...]:
    drawn = draw(
        st.lists(st.builds(ResourceCost, st.none() | names, st.none() | names, amounts), max_size=8)
    )
    base, count, cost = draw(names), draw(st.integers(0, 2000)), draw(amounts)
    return tuple(drawn + [ResourceCost(f"{base}{i}", None, cost) for i in range(count)])


@st.composite
def cost_reports(draw) -> CostReport:
    period = draw(periods())
    codes = draw(st.lists(currencies_codes, min_size=1, max_size=40, unique=True))
    parts = tuple(
        CurrencyCost(
            code,
            draw(amounts),
            draw(amounts),
            draw(many_named()),
            draw(many_resources()),
            (),
        )
        for code in codes
    )
    return CostReport(
        dimension=draw(names),
        name=draw(names),
        period=period,
        previous_period=Period(period.start, period.end, draw(names)),
        cost_basis=draw(st.one_of(st.sampled_from(["effective", "billed"]), names)),
        tag_keys=tuple(draw(st.lists(names, max_size=30))),
        currencies=parts,
        data_through=draw(st.none() | days),
    )


@st.composite
def top_reports(draw) -> TopReport:
    codes = draw(st.lists(currencies_codes, min_size=1, max_size=40, unique=True))
    rankings = tuple(
        CurrencyRanking(
            code,
            draw(many_named()),
            OtherCost(draw(st.integers(0, 10**6)), draw(amounts)),
            draw(amounts),
        )
        for code in codes
    )
    return TopReport(
        dimension=draw(names),
        period=draw(periods()),
        cost_basis=draw(names),
        tag_keys=tuple(draw(st.lists(names, max_size=30))),
        currencies=rankings,
        data_through=draw(st.none() | days),
    )


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_share_button(payload: list[dict], command: str) -> None:
    shown = buttons(payload)
    if shown:
        (button,) = shown
        assert command_from_share_value(button["value"]) == command
    else:
        assert not command.strip() or len(share_value(command)) > 2000


@FUZZ
@given(report=cost_reports(), command=names, shareable=st.booleans())
def test_any_cost_report_stays_within_slack_limits(report, command, shareable):
    payload = to_payload(
        build_cost_report_blocks(report, command_text=command, shareable=shareable)
    )
    assert_safe(payload)
    if shareable:
        assert_share_button(payload, command)
    else:
        assert buttons(payload) == []
    fallback = cost_report_text(report)
    assert 0 < len(fallback) <= 3000
    assert_escaped(fallback)


@FUZZ
@given(report=top_reports(), command=names)
def test_any_top_report_stays_within_slack_limits(report, command):
    payload = to_payload(build_top_report_blocks(report, command_text=command))
    assert_safe(payload)
    assert_share_button(payload, command)
    # `(unallocated)` is in every currency's list that is shown in detail.
    assert mrkdwn_text(payload).count("(unallocated) — ") >= min(len(report.currencies), 3)
    fallback = top_report_text(report)
    assert 0 < len(fallback) <= 3000
    assert_escaped(fallback)


@FUZZ
@given(
    dimension=names,
    name=names,
    suggestions=st.lists(names, max_size=10),
    period_label=names,
)
@example(dimension="project", name="<!channel>", suggestions=["<!here>"], period_label="mtd")
def test_any_unknown_name_stays_within_slack_limits(dimension, name, suggestions, period_label):
    payload = to_payload(build_unknown_name_blocks(dimension, name, suggestions, period_label))
    assert_safe(payload)
    shown = buttons(payload)
    assert len(shown) <= 3
    assert len({b["value"] for b in shown}) == len(shown)
    values = [suggestion_command(dimension, s, period_label) for s in suggestions]
    fitting = [v for v in dict.fromkeys(values) if len(v) <= 2000][:3]
    assert [b["value"] for b in shown] == fitting
    assert [b["action_id"] for b in shown] == [f"suggestion_{i}" for i in range(len(fitting))]
    fallback = unknown_name_text(dimension, name, suggestions, period_label)
    assert 0 < len(fallback) <= 3000
    assert_escaped(fallback)


@FUZZ
@given(message=names, error_id=st.none() | names)
def test_any_error_stays_within_slack_limits(message, error_id):
    payload = to_payload(build_error_blocks(message, error_id))
    assert_safe(payload)
    fallback = error_text(message, error_id)
    assert 0 < len(fallback) <= 3000
    assert_escaped(fallback)
