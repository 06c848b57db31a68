"""`/cost budget`: its grammar, round trip, and the Slack channel forms it accepts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.budgets import BudgetPeriod, BudgetScope
from bot.domain.command_grammar import BudgetQuery, CommandError, command_text, parse_command

TODAY = date(2026, 12, 2)


def parse(text: str):
    return parse_command(text, TODAY)


def test_budget_alone_lists_every_budget() -> None:
    assert parse("budget") == BudgetQuery()
    assert parse("BUDGETS") == BudgetQuery()


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("5000", Decimal(5000), None),
        ("5,000", Decimal(5000), None),
        ("$5,000", Decimal(5000), "USD"),
        ("€1250.50", Decimal("1250.50"), "EUR"),
        ("5k", Decimal(5000), None),
        ("1.5K", Decimal(1500), None),
        ("1.255k", Decimal(1255), None),
        ("1,234,567.89", Decimal("1234567.89"), None),
        ("5000 eur", Decimal(5000), "EUR"),
        ("$5000 USD", Decimal(5000), "USD"),
    ],
)
def test_amounts_in_every_documented_form(text: str, amount: Decimal, currency: str | None):
    query = parse(f"budget set project fraud-detection {text}")
    assert query == BudgetQuery("set", "project", "fraud-detection", amount, currency)
    assert query.scope == BudgetScope("project", "fraud-detection")


@pytest.mark.parametrize(
    "text", ["abc", "0", "0.00", "5,00", "50,0000", "1.255", "5kk", "-5", '"5000"', "5e3"]
)
def test_what_is_not_an_amount_is_a_command_error(text: str) -> None:
    with pytest.raises(CommandError):
        parse(f"budget set project x {text}")


def test_a_sign_and_a_different_code_disagree() -> None:
    with pytest.raises(CommandError, match="USD but the code after it says EUR"):
        parse("budget set all $5000 EUR")


def test_period_and_channel_in_either_order_and_slack_channel_mentions_keep_the_id() -> None:
    escaped = parse("budget set team ml-platform 5000 <#C0ABC123|ml-costs> quarterly")
    assert escaped.channel == "C0ABC123"
    assert escaped.period is BudgetPeriod.QUARTERLY
    plain = parse("budget set team ml-platform 5000 yearly #ML-Costs")
    assert (plain.channel, plain.period) == ("#ml-costs", BudgetPeriod.YEARLY)


def test_all_is_the_whole_bill() -> None:
    assert parse("budget set all 20k") == BudgetQuery("set", amount=Decimal(20000))
    assert parse("budget delete all") == BudgetQuery("delete")
    assert parse("budget delete all").scope.is_all


def test_delete_names_one_scope() -> None:
    assert parse('budget delete service "Amazon EC2"') == BudgetQuery(
        "delete", "service", "Amazon EC2"
    )
    assert parse("budget remove projects x") == BudgetQuery("delete", "project", "x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("budget frob", "after `/cost budget`"),
        ("budget set", "Say which budget"),
        ("budget set project", "Say which project"),
        ("budget set colour red 5", "A budget is for one of"),
        ("budget set project x", "how much"),
        ("budget set project x 5 monthly yearly", "I don't know"),
        ("budget set project x 5 #a #b", "I don't know"),
        ("budget delete project x extra", "takes only the scope"),
    ],
)
def test_mistakes_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "budget",
        "budget set project fraud-detection 5000",
        "budget set all $5,000 quarterly <#C0ABC|ml-costs>",
        "budget set team ml 1.5k eur yearly #ml-costs",
        "budget set project x 1250.50 EUR",
        'budget set service "Amazon EC2" 10 monthly',
        'budget set project "7d" 10',
        "budget set project a&amp;b 10",
        "budget delete all",
        'budget delete project "a b"',
    ],
)
def test_command_text_reads_back(text: str) -> None:
    query = parse(text)
    assert parse(command_text(query)) == query


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999"), places=2),
    period=st.sampled_from([None, *BudgetPeriod]),
    currency=st.sampled_from([None, "USD", "EUR", "JPY"]),
    channel=st.sampled_from([None, "C0123ABC", "#ml-costs"]),
)
def test_any_set_round_trips(amount, period, currency, channel) -> None:
    query = BudgetQuery("set", "project", "fraud-detection", amount, currency, period, channel)
    assert parse(command_text(query)) == query
