"""What cost and top answers say about shared cost, in Slack blocks and fallback text."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal as D

from bot.domain.reports import SharedGiven, SharedShare, TopReport
from handlers.blocks import (
    build_cost_report_blocks,
    build_top_report_blocks,
    cost_report_text,
    to_payload,
    top_report_text,
)
from tests.unit.test_blocks import NOV, cost_report, currency_cost, ranking

RECEIVED = (
    SharedShare("platform", "shared-platform", "proportional", D("1200.5")),
    SharedShare("gpu-pool", "gpu-pool", "usage: GPU hours", D("30")),
    SharedShare("gpu-pool", "gpu-pool", "proportional: no usage data that day", D("4")),
)


def shown(blocks) -> str:
    return json.dumps(to_payload(blocks))


def test_a_receiver_says_what_it_includes_by_rule_and_method():
    report = cost_report(replace(currency_cost(), shared_in=RECEIVED))
    line = (
        "Includes $1,234.50 shared: platform (proportional), "
        "gpu-pool (usage: GPU hours; proportional: no usage data that day)."
    )
    assert line in shown(build_cost_report_blocks(report, command_text="project x mtd"))
    assert line in cost_report_text(report)


def test_the_giver_says_among_how_many_and_a_kept_part_stays():
    part = replace(
        currency_cost(),
        shared_out=(SharedGiven("platform", "even", D("200"), 12),),
        kept=(SharedShare("gpu-pool", "gpu-pool", "kept: no project qualified that day", D(5)),),
    )
    text = shown(build_cost_report_blocks(cost_report(part), command_text="project x mtd"))
    assert "$200.00 of its cost is shared among 12 projects by rule platform (even)." in text
    assert "$5.00 matched shared rule gpu-pool but stays here" in text


def test_rule_names_from_the_config_cannot_mention_anyone():
    part = replace(currency_cost(), shared_in=(SharedShare("<!here>", None, "even", D(1)),))
    text = shown(build_cost_report_blocks(cost_report(part), command_text="project x mtd"))
    assert "<!here>" not in text and "&lt;!here&gt;" in text


def test_direct_cost_says_so_once():
    report = replace(cost_report(currency_cost(), currency_cost("EUR")), shared=False)
    text = shown(build_cost_report_blocks(report, command_text="project x mtd direct"))
    assert text.count("Direct cost, as billed") == 1
    assert "Includes" not in text


def test_top_says_how_much_of_the_total_is_shared():
    rows = replace(ranking([("a", "70"), ("b", "30")], "100"), shared=RECEIVED[:1])
    report = TopReport("project", NOV, "effective", ("project",), (rows,), None)
    line = "of the total is shared cost, counted under the projects that received it"
    assert line in shown(build_top_report_blocks(report, command_text="top project mtd"))
    assert line in top_report_text(report)
    direct = replace(report, shared=False)
    assert "Direct cost" in shown(build_top_report_blocks(direct, command_text="x"))
