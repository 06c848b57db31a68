"""FOCUS headers of other versions and spellings: read as 1.0 or refused saying what to do."""

from __future__ import annotations

import csv

import pytest

from bot.sources.focus.columns import map_header
from bot.sources.focus.dialects import near_focus_refusal
from bot.sources.focus.reader import FocusFileError, open_focus_file
from tests.conftest import FOCUS_FIXTURES

MANDATORY = ["BilledCost", "EffectiveCost", "BillingCurrency", "ChargePeriodStart",
             "ChargePeriodEnd"]  # fmt: skip


def _header_file(tmp_path, header: list[str]):
    path = tmp_path / "export.csv"
    path.write_text(",".join(header) + "\n")
    return path


def test_focus_1_0_preview_names_map_to_their_1_0_names():
    mapping = map_header([*MANDATORY, "Provider", "Publisher", "InvoiceIssuer", "UsageUnit"])

    assert mapping["ProviderName"] == "Provider"
    assert mapping["ConsumedUnit"] == "UsageUnit"


def test_a_1_0_name_wins_over_its_preview_name_wherever_it_stands():
    assert map_header(["Provider", "ProviderName", *MANDATORY])["ProviderName"] == "ProviderName"
    assert map_header(["ProviderName", "Provider", *MANDATORY])["ProviderName"] == "ProviderName"


def test_a_focus_0_5_header_is_refused_as_0_5(tmp_path):
    header = ["AvailabilityZone", "AmortizedCost", "BilledCost", "BillingAccountId",
              "BillingCurrency", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart",
              "ChargeType", "InvoiceIssuerName", "ProviderName", "Region"]  # fmt: skip
    with pytest.raises(FocusFileError) as refused:
        open_focus_file(_header_file(tmp_path, header))

    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'export.csv'}: this looks like FOCUS 0.5")
    assert "AmortizedCost is EffectiveCost, ChargeType is ChargeCategory" in message
    assert "Export FOCUS 1.0 or newer" in message


def test_a_snake_case_focus_header_is_refused_as_such(tmp_path):
    header = ["billed_cost", "effective_cost", "list_cost", "billing_currency",
              "charge_period_start", "charge_period_end", "x_custom"]  # fmt: skip
    with pytest.raises(FocusFileError, match="FOCUS names in snake_case") as refused:
        open_focus_file(_header_file(tmp_path, header))

    assert "billed_cost for BilledCost, effective_cost for EffectiveCost" in str(refused.value)
    assert "rename the header row" in str(refused.value)


@pytest.mark.parametrize(
    "name",
    ["azure_ea_actualcost_small_finops-toolkit.csv", "aws_cur_legacy_sample_first20.csv"],
)
def test_real_exports_that_are_no_focus_are_not_mistaken_for_old_focus(name):
    # The Azure usage export has a ChargeType column, but no BilledCost nor charge periods.
    with (FOCUS_FIXTURES / name).open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert near_focus_refusal(header) is None


def test_focus_1_x_headers_need_no_explaining():
    for name in ("focus_sample_1.0.csv", "focus_1_4_cost_and_usage_aws.csv"):
        with (FOCUS_FIXTURES / name).open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle))
        assert near_focus_refusal(header) is None
        assert open_focus_file(FOCUS_FIXTURES / name).columns.keys() >= set(MANDATORY)


def test_a_preview_name_beside_its_1_0_name_is_no_duplicate_and_the_1_0_name_wins(tmp_path):
    path = _header_file(tmp_path, [*MANDATORY, "Provider", "ProviderName", "Region", "RegionId"])

    focus = open_focus_file(path)

    assert focus.columns["ProviderName"] == "ProviderName"
    assert focus.columns["RegionId"] == "RegionId"


def test_two_spellings_of_one_1_0_name_are_refused_naming_both(tmp_path):
    path = _header_file(tmp_path, [*MANDATORY, "ServiceName", "servicename "])

    with pytest.raises(ValueError, match="'ServiceName' and 'servicename '"):
        open_focus_file(path)
