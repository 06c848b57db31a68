"""Allocation of cost from tags: key folding, Tags parsing, priority of keys, fallbacks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.domain.allocation import (
    DEFAULT_TAG_KEYS,
    TAG_DIMENSIONS,
    AllocationRules,
    FallbackRule,
    normalise_tag_key,
    normalise_tag_value,
    parse_tags,
)
from tests.conftest import FOCUS_FIXTURES

SAMPLE_1_0 = FOCUS_FIXTURES / "focus_sample_1.0.csv"
AZURE_EXPORT = FOCUS_FIXTURES / "azure_ea_actualcost_small_finops-toolkit.csv"
NONE = dict.fromkeys(TAG_DIMENSIONS)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def allocate(tags: dict, **tag_keys) -> dict[str, str | None]:
    rules = AllocationRules(tag_keys=tag_keys) if tag_keys else AllocationRules()
    return rules.allocate_tags(tags)


# --- tag keys and values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "folded"),
    [
        ("project", "project"),
        ("Project", "project"),
        ("PROJECT", "project"),
        (" org", "org"),
        ("team ", "team"),
        ("\tEnv\n", "env"),
        ("user:project", "project"),
        ("user:Project", "project"),
        ("USER:Team", "team"),
        (" user: owner ", "owner"),
        ("ms:Department", "department"),
        ("Cost department", "cost department"),
        ("cost_center", "cost_center"),
        ("project-name", "project-name"),
    ],
)
def test_normalise_tag_key(key, folded):
    assert normalise_tag_key(key) == folded


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (" Prod ", "prod"),
        ("ML-Research", "ml-research"),
        (1234, "1234"),
        (True, "true"),
    ],
)
def test_normalise_tag_value(value, folded):
    assert normalise_tag_value(value) == folded


# --- parse_tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ('{"project": "Foo", "env": "prod"}', {"project": "Foo", "env": "prod"}),
        ('  {"project": "Foo"}  ', {"project": "Foo"}),
        ("{}", {}),
        ('{"n": 1, "x": null}', {"n": 1, "x": None}),
        # Azure cost exports: a JSON object without its braces.
        ('"CostCenter": "1234","env": "prod"', {"CostCenter": "1234", "env": "prod"}),
        ('  "CostCenter": "SubACM","org": ""', {"CostCenter": "SubACM", "org": ""}),
        # Already structured (Parquet struct -> dict, Parquet map -> list of pairs).
        ({"project": "Foo"}, {"project": "Foo"}),
        ([("project", "Foo"), ("team", None)], {"project": "Foo", "team": None}),
        ([], {}),
        # No tags at all.
        (None, {}),
        ("", {}),
        ("   ", {}),
        ("NULL", {}),
        ("null", {}),
    ],
)
def test_parse_tags_reads_every_spelling(raw, parsed):
    assert parse_tags(raw) == parsed


@pytest.mark.parametrize(
    "raw",
    ["[1, 2]", '["project", "Foo"]', "42", '"just text"', "project=Foo", "{not json", "{'a': 1}"],
)
def test_parse_tags_rejects_text_that_is_no_json_object(raw):
    with pytest.raises(ValueError):
        parse_tags(raw)


def test_every_tags_value_of_the_azure_export_parses():
    rows = read_rows(AZURE_EXPORT)
    assert len(rows) == 11

    parsed = [parse_tags(row["Tags"]) for row in rows]

    assert sum(1 for tags in parsed if tags) == 9
    assert parsed[1] == {
        "CostCenter": "1234",
        "env": "prod",
        "org": "trey",
        "application": "databricks",
        "databricks-environment": "true",
    }
    assert AllocationRules().allocate_tags(parsed[1]) == {
        **NONE,
        "project": "databricks",
        "team": "1234",
        "environment": "prod",
    }


def test_every_tags_value_of_the_focus_1_0_sample_parses():
    rows = read_rows(SAMPLE_1_0)
    assert len(rows) == 1000

    parsed = [parse_tags(row["Tags"]) for row in rows]

    keys = {key for tags in parsed for key in tags}
    # The sample's messy keys are really there: the test below would prove nothing otherwise.
    assert {" org", "org", "Project", "Cost department", "ms:Department"} <= keys


def test_the_focus_1_0_sample_messy_keys_allocate():
    rows = read_rows(SAMPLE_1_0)
    # Line 948 of the file: both "org" and " org", "Project" capitalised.
    tags = parse_tags(rows[948 - 2]["Tags"])
    assert {"org", " org", "Project"} <= set(tags)

    assert AllocationRules().allocate_tags(tags) == {
        **NONE,
        "project": "foo",
        "team": "1234",
        "environment": "prod",
    }
    # " org" and "org" fold to one key, whichever spelling comes first.
    assert allocate(tags, team=["org"])["team"] == "trey"
    assert allocate({" org": "Trey "}, team=["org"])["team"] == "trey"


def test_the_focus_1_0_sample_provider_prefixed_department_feeds_team():
    rows = read_rows(SAMPLE_1_0)
    tags = parse_tags(rows[955 - 2]["Tags"])
    assert tags["ms:Department"] == "test"

    # `department` is listed before `cost_center`; "Cost department" matches nothing.
    assert AllocationRules().allocate_tags(tags)["team"] == "test"


# --- allocate_tags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dimension", "key"),
    [(dim, key) for dim, keys in DEFAULT_TAG_KEYS.items() for key in keys],
)
def test_every_default_key_feeds_its_dimension(dimension, key):
    allocation = AllocationRules().allocate_tags({key: " Value-1 "})

    assert allocation == {**NONE, dimension: "value-1"}


@pytest.mark.parametrize(
    ("dimension", "keys"),
    [(dim, keys) for dim, keys in DEFAULT_TAG_KEYS.items() if len(keys) > 1],
)
def test_the_first_listed_default_key_wins(dimension, keys):
    # Tags in reverse priority order, so dict order cannot be what decides.
    tags = {key: f"v{i}" for i, key in reversed(list(enumerate(keys)))}

    assert AllocationRules().allocate_tags(tags)[dimension] == "v0"
    del tags[keys[0]]
    assert AllocationRules().allocate_tags(tags)[dimension] == "v1"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"project": "A", "app": "B"}, {"project": "a"}),
        ({"app": "B", "project": "A"}, {"project": "a"}),
        ({"project": "", "app": "B"}, {"project": "b"}),
        ({"project": "   ", "application": "B"}, {"project": "b"}),
        ({"project": None, "proj": "C"}, {"project": "c"}),
        ({"user:Project": " Vision "}, {"project": "vision"}),
        ({" TEAM ": "ML"}, {"team": "ml"}),
        ({"CostCenter": "1234", "team": ""}, {"team": "1234"}),
        ({"Environment": "Prod", "stage": "dev"}, {"environment": "prod"}),
        ({"owner": "Alice", "created_by": "bob"}, {"owner": "alice"}),
        ({"ml_model": "llama", "Model_Name": "GPT"}, {"model": "gpt"}),
        # Two spellings of one key: the first non-empty value wins.
        ({"Project": "", " project": "Foo"}, {"project": "foo"}),
        ({"Project": "Foo", " project": "Bar"}, {"project": "foo"}),
        ({"unrelated": "x", "Cost department": "Marketing"}, {}),
        ({}, {}),
    ],
)
def test_allocate_tags(tags, expected):
    assert AllocationRules().allocate_tags(tags) == {**NONE, **expected}


def test_configured_keys_are_folded_and_keep_their_order():
    rules = AllocationRules(tag_keys={"project": ["user:CostProject", " Project ", "project"]})

    assert rules.keys_for("project") == ("costproject", "project")
    assert rules.keys_for("team") == ()
    assert rules.allocate_tags({"project": "b", "costproject": "A"})["project"] == "a"
    assert rules.allocate_tags({"project": "b"}) == {**NONE, "project": "b"}


def test_unknown_dimensions_are_refused():
    with pytest.raises(ValueError, match="service"):
        AllocationRules(tag_keys={"service": ["svc"]})


# --- fallbacks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "matches"),
    [
        ({"sub_account_name": "ml-research"}, True),
        ({"sub_account_name": " ML-Research "}, True),
        ({"sub_account_name": "ml-research-2"}, False),
        ({"sub_account_name": None}, False),
        ({}, False),
    ],
)
def test_fallback_rule_matches_case_and_space_insensitively(row, matches):
    rule = FallbackRule("team", {"sub_account_name": "ml-research"}, "research")

    assert rule.matches(row) is matches


def test_fallback_rule_needs_every_condition():
    rule = FallbackRule("team", {"sub_account_name": "ml", "provider": "AWS"}, "research")

    assert rule.matches({"sub_account_name": "ml", "provider": "aws"})
    assert not rule.matches({"sub_account_name": "ml", "provider": "gcp"})
    assert not rule.matches({"sub_account_name": "ml"})
