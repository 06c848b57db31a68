"""The `/cost untagged` answer's blocks: what they say, and that any report (hostile names,
thousands of resources, many currencies) stays within Slack's limits and escaped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.periods import Period
from bot.domain.reports import CurrencyCoverage, UntaggedReport
from bot.domain.untagged import (
    ChargeKind,
    HintKind,
    OwnerHint,
    UntaggableCost,
    UntaggedResource,
    WeekCoverage,
)
from handlers.blocks import build_untagged_blocks, to_payload, untagged_text
from tests.unit.test_blocks import (
    amounts,
    assert_safe,
    currencies_codes,
    mrkdwn_text,
    names,
    periods,
)

NOV = Period(date(2026, 11, 1), date(2026, 11, 30), "2026-11")


def report(*parts: CurrencyCoverage, period: Period = NOV) -> UntaggedReport:
    return UntaggedReport(
        period, "effective", parts, date(2026, 11, 29), asked_on=date(2026, 12, 5)
    )


def test_the_answer_lists_what_to_tag_and_what_no_tag_can_fix_apart():
    resource = UntaggedResource(
        "arn:aws:ec2:us-east-1:1:instance/i-0abc",
        "fraud-detection-train-3",
        "ml-prod",
        "Amazon EC2",
        D("240"),
        {"createdby": "alice", "name": "trainer", "a": "1", "b": "2"},
        (
            OwnerHint(HintKind.CREATOR, "alice", "created by alice"),
            OwnerHint(
                HintKind.NAME, "fraud-detection", "its name contains project fraud-detection"
            ),
            OwnerHint(HintKind.ACCOUNT, "x", "a third hint is not shown"),
        ),
    )
    weeks = (
        WeekCoverage("2026-W45", date(2026, 11, 2), date(2026, 11, 8), D(100), D(30)),
        WeekCoverage("2026-W46", date(2026, 11, 9), date(2026, 11, 15), D(100), D(20)),
    )
    part = CurrencyCoverage(
        "USD",
        D(1000),
        D(300),
        weekly=weeks,
        tag_first=(resource,),
        untaggable=(UntaggableCost(ChargeKind.TAX, None, D(60)),),
        untagged_resources=4,
    )
    payload = to_payload(build_untagged_blocks(report(part), command_text="untagged 2026-11"))
    assert_safe(payload)
    text = mrkdwn_text(payload)
    assert "*$300.00* has no project or team tag (of $1,000.00; 70.0% of cost is tagged)." in text
    assert "Tag coverage by week: W45 70% → W46 80%" in text
    assert (
        "• `fraud-detection-train-3` — $240.00 · account ml-prod · "
        "tags: createdby=alice, name=trainer, a=1 +1" in text
    )
    assert "_created by alice; its name contains project fraud-detection_" in text
    assert "a third hint" not in text
    assert "_…and 3 more untagged resources_" in text
    assert "*Untaggable* · $60.00" in text and "• Tax · no service name — $60.00" in text
    assert untagged_text(report(part)).startswith(
        "Untagged cost 2026-11: $300.00 of $1,000.00 (70.0% tagged)"
    )


@st.composite
def coverages(draw, code: str) -> CurrencyCoverage:
    count = draw(st.integers(0, 400))
    base, cost = draw(names), draw(amounts)
    resources = tuple(
        UntaggedResource(
            f"{base}{i}",
            draw(st.none() | names) if i < 3 else None,
            draw(st.none() | names) if i < 3 else base,
            None,
            cost,
            {draw(names): draw(names)} if i < 3 else {},
            (OwnerHint(HintKind.NAME, base, draw(names)),) if i < 3 else (),
        )
        for i in range(count)
    )
    untaggable = tuple(
        UntaggableCost(
            draw(st.sampled_from(list(ChargeKind))), draw(st.none() | names), draw(amounts)
        )
        for _ in range(draw(st.integers(0, 30)))
    )
    weeks = tuple(
        WeekCoverage(draw(names), date(2026, 1, 1), date(2026, 1, 7), draw(amounts), draw(amounts))
        for _ in range(draw(st.integers(0, 60)))
    )
    return CurrencyCoverage(
        code, draw(amounts), draw(amounts), weeks, resources, untaggable, len(resources) * 3
    )


@st.composite
def untagged_reports(draw) -> UntaggedReport:
    codes = draw(st.lists(currencies_codes, min_size=1, max_size=8, unique=True))
    parts = tuple(draw(coverages(code)) for code in codes)
    return report(*parts, period=draw(periods()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(untagged_reports(), names)
def test_any_untagged_report_fits_slack_and_is_escaped(report, command):
    payload = to_payload(build_untagged_blocks(report, command_text=command))
    assert_safe(payload)
    assert len(untagged_text(report)) > 0
