"""Untagged cost made actionable: stored tags, untaggable charges, owner hints, weekly
coverage and the tag policy, as pure rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.allocation import AllocationRules, canonical_tags, parse_tags, tags_as_billed
from bot.domain.periods import Period
from bot.domain.tag_policy import account_compliance, missing_tags
from bot.domain.untagged import (
    AccountOwner,
    BilledLine,
    ChargeKind,
    HintKind,
    KnownOwners,
    account_owners,
    iso_weeks,
    name_matches,
    owner_hints,
    resources_to_tag,
    untaggable_costs,
    untaggable_kind,
    weekly_coverage,
)


def line(
    resource_id: str | None = "i-1",
    cost: str = "10",
    *,
    name: str | None = None,
    account: str | None = "ml-prod",
    service: str | None = "Amazon EC2",
    category: str | None = None,
    charge: str | None = "Usage",
    tags: dict | None = None,
    currency: str = "USD",
    last_day: date | None = date(2026, 11, 30),
) -> BilledLine:
    return BilledLine(
        resource_id, name, account, service, category, charge, tags or {}, currency, D(cost),
        last_day,
    )  # fmt: skip


# --- tags as stored ------------------------------------------------------------------------


def test_stored_tags_fold_keys_trim_values_keep_case_and_sort():
    tags = parse_tags(
        '{" Team ": " Risk ", "user:Project": "Fraud", "Oracle-Tags.CreatedBy": "a@b"}'
    )
    assert canonical_tags(tags) == '{"createdby":"a@b","project":"Fraud","team":"Risk"}'


def test_no_tags_and_empty_values_store_null():
    assert canonical_tags({}) is None
    assert canonical_tags({"project": "  ", "team": None}) is None


def test_a_plain_key_wins_over_one_folded_from_a_prefix_as_allocation_reads_it():
    tags = {"user:project": "from-prefix", "Project": "plain"}
    assert tags_as_billed(tags) == {"project": "plain"}
    assert AllocationRules().allocate_tags(tags)["project"] == "plain"


def test_values_that_are_no_text_are_kept_as_json():
    assert tags_as_billed({"n": 3, "ok": True, "o": {"b": 1, "a": 2}}) == {
        "n": "3",
        "o": '{"a": 2, "b": 1}',
        "ok": "true",
    }


def test_a_lone_surrogate_from_a_json_escape_becomes_a_replacement_character():
    text = canonical_tags(parse_tags('{"k": "\\ud800 x", "\\udc00": "v"}'))
    assert text == '{"k":"\ufffd x","\ufffd":"v"}'
    text.encode("utf-8")


@given(
    st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=12) | st.none(), max_size=6)
)
def test_canonical_tags_are_one_spelling_of_the_same_tags(tags):
    text = canonical_tags(tags)
    again = canonical_tags(dict(reversed(list(tags.items()))))
    if text is None:
        assert again is None
        return
    parsed = json.loads(text)
    assert list(parsed) == sorted(parsed)
    assert canonical_tags(parsed) == text  # stored tags read back store the same
    # Reordering can only change which of two clashing spellings wins, never the keys.
    assert set(json.loads(again)) == set(parsed)


# --- untaggable charges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "kind"),
    [
        ({"charge": "Tax", "resource_id": "i-1"}, ChargeKind.TAX),
        ({"charge": "Credit", "resource_id": None}, ChargeKind.CREDIT),
        ({"charge": "Adjustment"}, ChargeKind.ADJUSTMENT),
        ({"service": "AWS Support (Business)", "resource_id": None}, ChargeKind.SUPPORT),
        ({"service": "AWS Premium Support", "resource_id": "x"}, ChargeKind.SUPPORT),
        ({"charge": "Purchase", "resource_id": None}, ChargeKind.PURCHASE),
        ({"service": "AWS Data Transfer", "resource_id": None}, ChargeKind.DATA_TRANSFER),
        ({"service": "Bandwidth", "resource_id": None}, ChargeKind.DATA_TRANSFER),
        (
            {"service": "VPC", "category": "Networking", "resource_id": None},
            ChargeKind.DATA_TRANSFER,
        ),
        ({"service": "Amazon EC2", "resource_id": None}, ChargeKind.NO_RESOURCE_ID),
        ({"charge": None, "resource_id": None}, ChargeKind.NO_RESOURCE_ID),
        ({"service": "AWS Data Transfer", "resource_id": "nat-1"}, None),
        ({"charge": "Purchase", "resource_id": "ri-1"}, None),
        ({"charge": "Usage"}, None),
    ],
)
def test_untaggable_kind(kwargs, kind):
    assert untaggable_kind(line(**kwargs)) == kind


def test_untaggable_costs_are_summed_by_kind_and_service_without_zeros():
    lines = [
        line(None, "5", charge="Tax", service="Amazon EC2"),
        line(None, "2", charge="Tax", service="Amazon EC2", account="other"),
        line(None, "-9", charge="Credit", service="Amazon EC2"),
        line(None, "3", charge="Credit", service="Amazon S3"),
        line(None, "-3", charge="Credit", service="Amazon S3"),  # nets to zero: not listed
        line(None, "0.004", service="AWS Data Transfer"),  # shows as 0.00: not listed
        line("i-1", "100"),  # taggable
    ]
    assert [(c.kind, c.service, c.cost) for c in untaggable_costs(lines)] == [
        (ChargeKind.CREDIT, "Amazon EC2", D(-9)),
        (ChargeKind.TAX, "Amazon EC2", D(7)),
    ]


# --- what to tag first ----------------------------------------------------------------------


def test_resources_are_summed_and_carry_their_latest_tags():
    lines = [
        line("i-1", "4", tags={"name": "old"}, last_day=date(2026, 11, 2)),
        line("i-1", "6", name="trainer", tags={"name": "new"}, last_day=date(2026, 11, 20)),
        line("i-2", "7"),
        line("i-3", "0"),
        line("i-4", "1", currency="EUR"),
        line(None, "50", service="AWS Data Transfer"),
    ]
    listed, count = resources_to_tag(lines, KnownOwners(), limit=1)
    assert count == 3  # i-1, i-2, and i-4 in EUR; i-3 cost nothing
    (first,) = listed
    assert (first.resource_id, first.resource_name, first.cost) == ("i-1", "trainer", D(10))
    assert first.tags == {"name": "new"}


def test_name_matches_whole_words_only():
    names = ["fraud-detection", "ml", "risk", "2024"]
    assert name_matches("fraud-detection-train-07", names) == ["fraud-detection"]
    assert name_matches("arn:aws:s3:::acme-risk-logs", names) == ["risk"]
    assert name_matches("frauddetection", names) == []
    assert name_matches("html-ml-box", names) == []  # too short to mean anything
    assert name_matches("backup-2024", names) == []  # a number is no name


def test_owner_hints_strongest_first():
    known = KnownOwners(
        names={"project": ["fraud-detection"], "team": ["risk"]},
        accounts={("ml-prod", "USD"): AccountOwner("team", "risk", D("0.8"))},
    )
    hints = owner_hints(
        "i-0abc",
        "fraud-detection-train-3",
        "ml-prod",
        "USD",
        {"createdby": "IAMUser:AIDA:alice", "owner": "bob@example.com"},
        known,
    )
    assert [(h.kind, h.value) for h in hints] == [
        (HintKind.CREATOR, "IAMUser:AIDA:alice"),
        (HintKind.CONTACT, "bob@example.com"),
        (HintKind.NAME, "fraud-detection"),
        (HintKind.ACCOUNT, "risk"),
    ]
    assert hints[0].text == "created by IAMUser:AIDA:alice"
    assert hints[3].text == "80% of account ml-prod's tagged cost is team risk"
    # The same account in another currency knows no usual owner: currencies stay apart.
    assert not owner_hints("i-1", None, "ml-prod", "EUR", {}, known)


def test_oci_and_aws_creator_tags_are_read_where_the_billing_data_has_them():
    for raw in ({"Oracle-Tags.CreatedBy": "oci-user"}, {"aws:createdBy": "Root:1234"}):
        (hint,) = owner_hints("r", None, None, "USD", tags_as_billed(raw), KnownOwners())
        assert hint.kind is HintKind.CREATOR


def test_an_account_owner_needs_half_of_its_tagged_cost_and_a_project_beats_a_team():
    rows = [
        ("project", "ml-prod", "fraud", "USD", D(60)),
        ("project", "ml-prod", "churn", "USD", D(40)),
        ("team", "ml-prod", "risk", "USD", D(100)),
        ("project", "research", "a", "USD", D(40)),
        ("project", "research", "b", "USD", D(35)),
        ("project", "research", "c", "USD", D(25)),
        ("team", "research", "ml", "EUR", D(5)),
    ]
    owners = account_owners(rows)
    assert owners[("ml-prod", "USD")] == AccountOwner("project", "fraud", D("0.6"))
    assert ("research", "USD") not in owners  # 40% is no majority
    assert owners[("research", "EUR")].value == "ml"


# --- coverage by week ----------------------------------------------------------------------


def test_iso_weeks_are_cut_to_the_period():
    period = Period(date(2026, 11, 1), date(2026, 11, 30), "2026-11")  # a Sunday to a Monday
    weeks = iso_weeks(period)
    assert weeks[0] == ("2026-W44", date(2026, 11, 1), date(2026, 11, 1))
    assert weeks[1] == ("2026-W45", date(2026, 11, 2), date(2026, 11, 8))
    assert weeks[-1] == ("2026-W49", date(2026, 11, 30), date(2026, 11, 30))
    assert len(weeks) == 6


def test_iso_weeks_across_a_year_end():
    period = Period(date(2026, 12, 28), date(2027, 1, 4), "x")
    assert [w[0] for w in iso_weeks(period)] == ["2026-W53", "2027-W01"]


def test_weekly_coverage():
    period = Period(date(2026, 11, 2), date(2026, 11, 15), "14d")
    totals = {date(2026, 11, 2): D(100), date(2026, 11, 9): D(50), date(2026, 11, 10): D(50)}
    untagged = {date(2026, 11, 2): D(40), date(2026, 11, 10): D(10)}
    weeks = weekly_coverage(period, totals, untagged)
    assert [(w.week, w.total, w.untagged, w.coverage_percent) for w in weeks] == [
        ("2026-W45", D(100), D(40), D(60)),
        ("2026-W46", D(100), D(10), D(90)),
    ]
    assert weekly_coverage(period, {}, {})[0].coverage_percent is None


# --- the tag policy ------------------------------------------------------------------------


def test_missing_tags_are_listed_in_config_order():
    assert missing_tags({"team": "ml", "owner": " "}, ["project", "team", "owner"]) == (
        "project",
        "owner",
    )


def test_account_compliance_judges_resources_by_their_current_tags():
    required = ["project", "owner"]
    lines = [
        line("i-1", "10", tags={"project": "a"}, last_day=date(2026, 11, 1)),
        line("i-1", "5", tags={"project": "a", "owner": "x"}, last_day=date(2026, 11, 9)),
        line("i-2", "20", tags={"team": "t"}),
        line("i-3", "7", account="research", tags={"project": "b", "owner": "y"}),
        line("i-4", "0", tags={}),  # no cost: not judged
        line(None, "99", charge="Tax"),  # no resource: not judged
        line("i-5", "3", tags={}, currency="EUR"),
    ]
    report = account_compliance(lines, required)
    assert [(a.account, a.currency) for a in report] == [
        ("ml-prod", "USD"),
        ("ml-prod", "EUR"),
        ("research", "USD"),
    ]
    prod = report[0]
    assert (prod.resources, prod.cost, prod.noncompliant_cost) == (2, D(35), D(20))
    assert [(r.resource_id, r.missing) for r in prod.noncompliant] == [
        ("i-2", ("project", "owner"))
    ]
    assert prod.missing_counts == {"project": 1, "owner": 1}
    assert report[2].noncompliant == ()
