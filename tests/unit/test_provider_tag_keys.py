"""Default tag keys in the spellings providers really write: GCP labels and OCI defined tags."""

from __future__ import annotations

import csv
import json

import pytest

from bot.domain.allocation import TAG_DIMENSIONS, AllocationRules, normalise_tag_key
from tests.conftest import FOCUS_FIXTURES

GCP_FOCUS = FOCUS_FIXTURES / "focus_1_3_cost_and_usage_gcp.csv"
OCI_REPORT = FOCUS_FIXTURES / "oci_reports_cost-csv_0000000030000269.csv"
NONE = dict.fromkeys(TAG_DIMENSIONS)


def _oci_tags(row: dict[str, str]) -> dict[str, str]:
    """OCI's cost report has one `tags/<Namespace>.<Key>` column per tag; its FOCUS export
    names them `<Namespace>.<Key>` in Tags. Empty cells are tags the resource lacks."""
    return {name[len("tags/") :]: value for name, value in row.items() if name.startswith("tags/")
            and value}  # fmt: skip


def test_every_gcp_row_allocates_its_cost_center_label_to_team():
    with GCP_FOCUS.open(newline="", encoding="utf-8") as handle:
        tags = [json.loads(row["Tags"]) for row in csv.DictReader(handle)]
    assert len(tags) == 500 and all("cost-center" in t for t in tags)  # the real spelling

    allocations = [AllocationRules().allocate_tags(t) for t in tags]

    for tag, allocation in zip(tags, allocations, strict=True):
        assert allocation["team"] == tag["cost-center"].strip().lower()
        assert allocation["owner"] == tag["owner"].strip().lower()
        assert allocation["environment"] == tag["environment"].strip().lower()


def test_oci_defined_tags_match_on_their_key():
    with OCI_REPORT.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    tagged = [_oci_tags(row) for row in rows if _oci_tags(row)]
    assert len(rows) == 506 and len(tagged) == 272
    # The first row with Valtest.Cat as well.
    tags = next(t for t in tagged if "Valtest.Cat" in t)
    assert tags == {
        "Oracle-Tags.CreatedBy": "default/phil.newman@oracle.com",
        "OracleInternalReserved.CostCenter": "607825",
        "OracleInternalReserved.OwnerEmail": "marek.czajka@oracle.com",
        "OracleInternalReserved.Phonebook": "accounts",
        "OracleInternalReserved.ServiceType": "Other",
        "OracleInternalReserved.UsageType": "development-pre-production",
        "Valtest.Cat": "boots",
    }

    assert AllocationRules().allocate_tags(tags) == {
        **NONE,
        "team": "607825",  # CostCenter
        "owner": "default/phil.newman@oracle.com",  # CreatedBy
    }
    # Every tagged row of the report has both, so every one is allocated.
    assert all(AllocationRules().allocate_tags(t)["team"] for t in tagged)
    # A configured key matches an OCI key the same way, namespace or not.
    assert AllocationRules(tag_keys={"project": ["Cat"]}).allocate_tags(tags)["project"] == "boots"
    assert AllocationRules(tag_keys={"project": ["release"]}).allocate_tags(
        {"DevRel\\redbull-analytics-hol-4cb4.release": "1.0"}
    )["project"] == "1.0"  # fmt: skip


@pytest.mark.parametrize(
    ("key", "folded"),
    [
        ("Oracle-Tags.CreatedBy", "createdby"),
        ("OracleInternalReserved.CostCenter", "costcenter"),
        ("DevRel\\redbull-analytics-hol-4cb4.release", "release"),
        ("Finance . Project ", "project"),
        ("cost-center", "cost-center"),
        # Not OCI defined tags: kept whole.
        ("app.kubernetes.io/name", "app.kubernetes.io/name"),
        ("a.b.c", "a.b.c"),
        (".project", ".project"),
        ("project.", "project."),
        ("user:Finance.Project", "project"),
    ],
)
def test_namespaced_keys_fold_to_their_key(key, folded):
    assert normalise_tag_key(key) == folded


def test_a_plainly_spelled_key_wins_over_a_namespaced_one():
    for tags in ({"Ops.Project": "b", "project": "a"}, {"project": "a", "Ops.Project": "b"}):
        assert AllocationRules().allocate_tags(tags)["project"] == "a"
    # ... and over one that matched once its provider prefix was dropped.
    assert AllocationRules().allocate_tags({"user:team": "b", "Team": "a"})["team"] == "a"
    # The namespaced one still counts when the plain one is empty.
    assert AllocationRules().allocate_tags({"project": " ", "Ops.Project": "B"})["project"] == "b"


@pytest.mark.parametrize(
    ("key", "dimension"),
    [
        ("cost-center", "team"),
        ("cost_center", "team"),
        ("business-unit", "team"),
        ("team-name", "team"),
        ("created-by", "owner"),
        ("model-name", "model"),
        ("ml-model", "model"),
    ],
)
def test_hyphen_and_underscore_spellings_both_feed_their_dimension(key, dimension):
    assert AllocationRules().allocate_tags({key: "X"}) == {**NONE, dimension: "x"}
