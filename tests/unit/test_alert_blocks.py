"""Alert messages: each says what, how much, against what, why and what to do, with buttons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.domain.anomaly import Driver
from bot.domain.budgets import Budget, BudgetScope
from bot.domain.forecast import project_period_spend
from bot.domain.reports import SharedShare
from bot.services.alert_facts import (
    AlertMessage,
    AnomalyFacts,
    Delivery,
    ForecastFacts,
    SummaryFacts,
    SummaryLine,
    ThresholdFacts,
)
from handlers.blocks import ActionId
from handlers.blocks.alerts import describe_alert
from handlers.button_values import AlertRef, decode

BUDGET = Budget(BudgetScope("project", "fraud"), Decimal(5000), "USD", mentions=("U111", "S222"))


def buttons(blocks):
    actions = [b for b in blocks if b["type"] == "actions"]
    return [(e["action_id"], e["text"]["text"], e["value"]) for e in actions[-1]["elements"]]


def test_threshold_message_and_buttons():
    facts = ThresholdFacts(
        "k1", BUDGET, date(2024, 9, 1), date(2024, 9, 30), 80, (50,),
        Decimal("4100"), Decimal("82"), Decimal("50"), Decimal("8200"),
    )  # fmt: skip
    text, blocks = describe_alert(AlertMessage(facts, Delivery("C1", ("U111", "S222"))))
    assert text.startswith("<@U111> <!subteam^S222> Budget alert: project fraud has spent $4,100")
    assert "82% of its monthly budget" in text and "$5,000.00" in text and "50%" in text
    assert "ends near $8,200.00" in text and "acknowledge" in text
    assert [b[:2] for b in buttons(blocks)] == [
        (ActionId.ALERT_BREAKDOWN, "Show breakdown"),
        (ActionId.ALERT_SNOOZE, "Snooze 7 days"),
        (ActionId.ALERT_ACKNOWLEDGE, "Acknowledge"),
    ]
    assert {decode(value, AlertRef) for *_, value in buttons(blocks)} == {AlertRef("k1")}


def test_forecast_message_explains_the_projection():
    daily = {date(2024, 9, d): Decimal(300) for d in range(1, 11)}
    projection = project_period_spend(daily, date(2024, 9, 1), date(2024, 9, 30), date(2024, 9, 10))
    facts = ForecastFacts(
        "k2", BUDGET, date(2024, 9, 1), date(2024, 9, 30), projection, None, Decimal(10)
    )
    text, _ = describe_alert(AlertMessage(facts, Delivery("C1")))
    assert "projected to spend $9,000.00 (range $9,000.00 to $9,000.00) by 2024-09-30" in text
    assert "over its monthly budget of $5,000.00 by $4,000.00" in text
    assert "spent $3,000.00 so far + 14 weekdays at $300.00/day" in text
    assert "another 10% of the budget" in text


def test_anomaly_message_names_day_baseline_and_drivers():
    facts = AnomalyFacts(
        "k3", "project", "spiky", "USD", date(2024, 9, 19), Decimal(800), Decimal(200),
        Decimal(9), Decimal(600), 20, 28, False, Decimal(4), Decimal(50), Decimal(0),
        services=(Driver("Amazon SageMaker", Decimal(0), Decimal(600)),),
        resources=(Driver("ml-spiky", Decimal(0), Decimal(600)),),
    )  # fmt: skip
    text, blocks = describe_alert(AlertMessage(facts, Delivery("C1", (), "#research")))
    assert "cost $800.00 on Thursday 2024-09-19, $600.00 above the usual $200.00" in text
    assert "median of 20 weekdays of the previous 28 days" in text and "4 times" in text
    assert "Amazon SageMaker +$600.00" in text and "ml-spiky +$600.00" in text
    assert "costbot is not in #research" in text
    shown = str(blocks)
    assert "Services that rose" in shown and "Day judged: 2024-09-19" in shown


def test_summary_is_one_message_within_slack_limits():
    lines = tuple(
        SummaryLine("threshold", f"project=p{n}", f"p{n} reached 80%") for n in range(900)
    )
    text, blocks = describe_alert(AlertMessage(SummaryFacts("s", "C1", lines), Delivery("C1")))
    assert text.startswith("900 more cost alerts") and text.endswith("and 880 more.")
    assert len(blocks) <= 50 and not [b for b in blocks if b["type"] == "actions"]


def anomaly_facts(**shared) -> AnomalyFacts:
    return AnomalyFacts(
        "k4", "project", "recsys", "USD", date(2024, 9, 19), Decimal("732.50"), Decimal(200),
        Decimal(9), Decimal("532.50"), 20, 28, False, Decimal(4), Decimal(50), Decimal(0),
        **shared,
    )  # fmt: skip


def test_an_anomaly_says_the_shared_part_of_its_day_and_the_usual():
    pool = SharedShare("gpu-pool", "gpu-pool", "usage: GPU hours", Decimal("400.50"))
    platform = SharedShare("platform", "platform", "proportional", Decimal(12))
    facts = anomaly_facts(shared_in=(pool, platform), shared_usual=Decimal(120))
    text, blocks = describe_alert(AlertMessage(facts, Delivery("C1")))
    said = (
        "The day's cost includes $412.50 shared cost (gpu-pool (usage: GPU hours), "
        "platform (proportional)); usually $120.00."
    )
    assert f"$532.50 above the usual $200.00. {said} Why:" in text
    assert blocks[1]["text"]["text"].endswith(said)
    assert "shared" not in describe_alert(AlertMessage(anomaly_facts(), Delivery("C1")))[0]


def test_a_shared_sentence_with_hostile_and_many_rules_stays_escaped_and_short():
    many = tuple(
        SharedShare(f"<!channel> rule {n} " + "x" * 200, None, "even", Decimal(n + 1))
        for n in range(100)
    )
    facts = anomaly_facts(shared_in=many, shared_usual=Decimal(0), shared_out=many[:3])
    text, blocks = describe_alert(AlertMessage(facts, Delivery("C1")))  # limits checked there
    assert "<!channel>" not in text and "<!channel>" not in str(blocks)
    assert len(blocks[1]["text"]["text"]) < 1000 and len(text) < 3000
