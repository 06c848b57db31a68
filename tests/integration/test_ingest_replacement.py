"""What an ingest replaces, on real SQLite and PostgreSQL: per (source, billing account,
billing period), said in the run record and the summary; empty mandatory costs are counted."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bot.cli import app
from bot.cli_render import render_ingest_summary
from bot.domain.cost_rows import account_digest
from bot.domain.periods import Period
from bot.services.ingest import IngestError
from tests.conftest import FOCUS_FIXTURES
from tests.helpers import FOCUS_HEADER, snapshot, stored_totals, write_focus_csv

HEADER = [*FOCUS_HEADER, "BillingAccountId", "ProviderName", "BillingPeriodStart"]
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "2026-11")
AWS_ACCOUNT = "123456789012"
OCI_TENANCY = "ocid1.tenancy.oc1..aaaaaaaa2fs7w19bi9iupcjqv8zayogd78eziinl2hu7rkdvmuhsavhbmkma"


def _month(path, cost: str, account: str | None, provider: str, *, period: bool = True):
    """A November of one charge a day; without `period`, no BillingPeriodStart column."""
    first = date(2026, 11, 1)
    rows = [
        {
            "EffectiveCost": cost,
            "BilledCost": cost,
            "ChargePeriodStart": f"{first + timedelta(days=n)}T00:00:00Z",
            "ChargePeriodEnd": f"{first + timedelta(days=n + 1)}T00:00:00Z",
            "BillingAccountId": account or "",
            "ProviderName": provider,
            "BillingPeriodStart": f"{first}T00:00:00Z",
        }
        for n in range(30)
    ]
    header = HEADER if period else HEADER[:-1]
    if account is None:
        header = [h for h in header if h != "BillingAccountId"]
    return write_focus_csv(path, rows, header)


def _by_provider(services) -> dict[str, Decimal]:
    rows = services.cost_store.sum_cost(
        NOVEMBER.start, NOVEMBER.end, "effective", group_by=("provider",)
    )
    return {provider: cost for provider, _currency, cost in rows}


def _last_run(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT replaced, null_costs FROM ingest_runs ORDER BY id DESC LIMIT 1")
        ).one()
    engine.dispose()
    return {k: json.loads(v) if isinstance(v, str) else v for k, v in row._mapping.items()}


@pytest.mark.parametrize("period", [True, False], ids=["billing-period", "days"])
def test_another_providers_november_is_kept_and_its_own_is_replaced(store, tmp_path, period):
    aws = _month(tmp_path / "aws.csv", "10", AWS_ACCOUNT, "AWS", period=period)
    oci = _month(tmp_path / "oci.csv", "3", OCI_TENANCY, "Oracle", period=period)
    store.services.ingest.ingest([aws])
    store.services.ingest.ingest([oci])  # the same source, the same November

    assert _by_provider(store.services) == {"AWS": Decimal(300), "Oracle": Decimal(90)}

    restated = _month(tmp_path / "aws-restated.csv", "7", AWS_ACCOUNT, "AWS", period=period)
    store.services.ingest.ingest([restated])
    store.services.ingest.ingest([restated])  # and again: replaced, never doubled

    assert _by_provider(store.services) == {"AWS": Decimal(210), "Oracle": Decimal(90)}


def test_rows_without_a_billing_account_replace_their_own_period(store, tmp_path):
    store.services.ingest.ingest([_month(tmp_path / "a.csv", "10", None, "AWS")])
    store.services.ingest.ingest([_month(tmp_path / "b.csv", "4", None, "AWS")])
    store.services.ingest.ingest([_month(tmp_path / "oci.csv", "3", OCI_TENANCY, "Oracle")])

    assert _by_provider(store.services) == {"AWS": Decimal(120), "Oracle": Decimal(90)}


def test_the_run_and_the_summary_say_what_was_replaced(store, tmp_path):
    store.services.ingest.ingest([_month(tmp_path / "oci.csv", "3", OCI_TENANCY, "Oracle")])
    first = store.services.ingest.ingest([_month(tmp_path / "aws.csv", "10", AWS_ACCOUNT, "AWS")])
    # Nothing of AWS's November was stored yet: only added.
    assert first.record.replaced["removed"] == {"USD": "0.000000000"}
    assert first.record.replaced["added"] == {"USD": "300.000000000"}

    # The restatement lowers every day to 7.25 and drops the charge of the 15th.
    restated = _month(tmp_path / "restated.csv", "7.25", AWS_ACCOUNT, "AWS")
    lines = restated.read_text().splitlines()
    restated.write_text("\n".join(lines[:15] + lines[16:]) + "\n")
    summary = store.services.ingest.ingest([restated])

    expected_partition = {
        "billing_period": "2026-11-01",
        "billing_account_id": AWS_ACCOUNT,
        "days": [["2026-11-01", "2026-11-30"]],
        "removed": {"USD": "300.000000000"},
        "added": {"USD": "210.250000000"},  # 29 days at 7.25
    }
    replaced = summary.record.replaced
    assert replaced == {
        "partitions": [expected_partition],
        "removed": {"USD": "300.000000000"},
        "added": {"USD": "210.250000000"},
    }
    assert Decimal(replaced["removed"]["USD"]) - Decimal(replaced["added"]["USD"]) == Decimal(
        "89.75"
    )
    assert _last_run(store.url)["replaced"] == replaced
    assert _by_provider(store.services) == {"AWS": Decimal("210.25"), "Oracle": Decimal(90)}

    shown = render_ingest_summary(summary)
    assert (
        "replaced       billing period 2026-11-01, billing account 123456789012: "
        "days 2026-11-01..2026-11-30" in shown
    )
    assert "removed USD 300.00; added USD 210.25" in shown
    assert "removed        USD 300.00 (effective)" in shown
    assert "added          USD 210.25 (effective)" in shown


def test_removed_is_on_the_configured_cost_basis(store, tmp_path):
    config = tmp_path / "costbot.yml"
    config.write_text("cost_basis: billed\n")
    billed = store.build(config)
    path = write_focus_csv(
        tmp_path / "sep.csv", [{"BilledCost": "5", "EffectiveCost": "2"}], FOCUS_HEADER
    )
    billed.ingest.ingest([path])

    summary = billed.ingest.ingest([path])

    assert summary.record.cost_basis == "billed"
    assert summary.record.replaced["partitions"] == [
        {
            "billing_period": None,
            "billing_account_id": None,
            "days": [["2024-09-01", "2024-09-01"]],
            "removed": {"USD": "5.000000000"},
            "added": {"USD": "5.000000000"},
        }
    ]


def test_a_correction_dated_in_an_earlier_month_is_counted_in_its_billing_period(store, tmp_path):
    header = [*FOCUS_HEADER, "BillingAccountId", "BillingPeriodStart"]
    june = {"BillingAccountId": AWS_ACCOUNT, "BillingPeriodStart": "2024-06-01"}
    rows = [
        {**june, "EffectiveCost": "30", "ChargePeriodStart": "2024-06-02", "ChargePeriodEnd": ""},
        {**june, "EffectiveCost": "-5", "ChargePeriodStart": "2024-04-15"},
    ]
    for row in rows:  # one-day charges
        start = date.fromisoformat(row["ChargePeriodStart"])
        row["ChargePeriodEnd"] = f"{start + timedelta(days=1)}"
    path = write_focus_csv(tmp_path / "june.csv", rows, header)
    store.services.ingest.ingest([path])

    summary = store.services.ingest.ingest([path])

    (partition,) = summary.record.replaced["partitions"]
    assert partition["billing_period"] == "2024-06-01"
    assert partition["days"] == [["2024-04-15", "2024-04-15"], ["2024-06-02", "2024-06-02"]]
    assert partition["removed"] == partition["added"] == {"USD": "25.000000000"}


def test_empty_mandatory_costs_are_counted_per_column_and_warned(store, tmp_path):
    rows = [{"BilledCost": "2", "EffectiveCost": "1", "ResourceId": f"i-{n}"} for n in range(10)]
    for n in (1, 4, 7):
        rows[n]["BilledCost"] = ""
    rows[2]["EffectiveCost"] = "NULL"
    rows[3]["BilledCost"] = "  "
    summary = store.services.ingest.ingest([write_focus_csv(tmp_path / "nulls.csv", rows)])

    assert summary.record.null_costs == {"BilledCost": 4, "EffectiveCost": 1}
    assert summary.record.files[0]["null_costs"] == {"BilledCost": 4, "EffectiveCost": 1}
    assert _last_run(store.url)["null_costs"] == {"BilledCost": 4, "EffectiveCost": 1}
    # What was stored: the empty costs as 0, and said so.
    assert stored_totals(store.services, basis="billed") == {"USD": Decimal(12)}
    assert stored_totals(store.services) == {"USD": Decimal(9)}
    shown = render_ingest_summary(summary)
    assert (
        "warning: BilledCost is empty on 4 of 10 rows stored (40.0%); FOCUS requires it, "
        "costbot stored 0 there, so answers on the billed basis will read 0" in shown
    )
    assert "warning: EffectiveCost is empty on 1 of 10 rows stored (10.0%)" in shown
    assert "effective basis will read 0" in shown


def test_a_file_with_every_cost_present_warns_of_nothing(store, focus_file):
    summary = store.services.ingest.ingest([focus_file])

    assert summary.record.null_costs == {}
    assert "warning" not in render_ingest_summary(summary)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["BilledCost", "AmortizedCost", "BillingCurrency", "ChargePeriodStart",
             "ChargePeriodEnd", "ChargeType", "Provider"],
            "this looks like FOCUS 0.5 (it has AmortizedCost, ChargeType)",
        ),
        (
            ["billed_cost", "effective_cost", "billing_currency", "charge_period_start",
             "charge_period_end", "service_name"],
            "the columns are FOCUS names in snake_case (billed_cost for BilledCost",
        ),
    ],
    ids=["focus-0.5", "snake-case"],
)  # fmt: skip
def test_other_forms_of_focus_are_refused_saying_what_to_export(store, tmp_path, header, message):
    path = tmp_path / "export.csv"
    path.write_text(",".join(header) + "\n" + ",".join("1" for _ in header) + "\n")
    before = snapshot(store.url)

    with pytest.raises(IngestError) as refused:
        store.services.ingest.ingest([path])

    assert message in str(refused.value)
    assert "Export FOCUS 1.0 or newer" in str(refused.value) or "FOCUS names" in str(refused.value)
    assert snapshot(store.url) == before


def test_focus_1_0_preview_names_are_read_as_their_1_0_names(store, tmp_path):
    original = (FOCUS_FIXTURES / "focus_sample_1.0.csv").read_text(encoding="utf-8")
    header, rest = original.split("\n", 1)
    # The sample quotes its header cells: "ProviderName" becomes "Provider".
    preview_header = header.replace('"ProviderName"', '"Provider"')
    preview_header = preview_header.replace('"PublisherName"', '"Publisher"')
    assert '"Provider"' in preview_header and "ProviderName" not in preview_header
    preview = tmp_path / "focus_1_0_preview.csv"
    preview.write_text(preview_header + "\n" + rest, encoding="utf-8")

    store.services.ingest.ingest([preview], source="preview")
    store.services.ingest.ingest([FOCUS_FIXTURES / "focus_sample_1.0.csv"], source="ga")

    def providers(source: str) -> dict:
        rows = store.services.cost_store.sum_cost(
            date(2000, 1, 1), date(2099, 12, 31), "effective", group_by=("source", "provider")
        )
        return {p: c for s, p, _currency, c in rows if s == source}

    assert providers("preview") == providers("ga")
    assert set(providers("preview")) == {"AWS", "Microsoft", "Oracle"}


def test_partitions_carry_the_billing_account_digest(store, tmp_path):
    store.services.ingest.ingest([_month(tmp_path / "aws.csv", "10", AWS_ACCOUNT, "AWS")])

    engine = create_engine(store.url)
    with engine.connect() as connection:
        facts = set(connection.execute(text("SELECT DISTINCT partition FROM cost_daily")).scalars())
        rollups = set(
            connection.execute(text("SELECT DISTINCT partition FROM cost_rollup_daily")).scalars()
        )
    engine.dispose()
    expected = f"bp:2026-11-01:{account_digest(AWS_ACCOUNT)}"
    assert facts == rollups == {expected}
    assert len(expected) == 30


def test_costbot_ingest_prints_what_it_replaced_and_the_warnings(store, tmp_path, monkeypatch):
    monkeypatch.setenv("COSTBOT_DATABASE_URL", store.url)
    runner = CliRunner()
    path = _month(tmp_path / "aws.csv", "10", AWS_ACCOUNT, "AWS")
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("10,10,", ",10,", 1)  # one BilledCost left empty
    path.write_text("\n".join(lines) + "\n")

    result = runner.invoke(app, ["ingest", str(path)])

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "billing period 2026-11-01, billing account 123456789012" in out
    assert "removed USD 300.00; added USD 300.00" in out
    assert "warning: BilledCost is empty on 1 of 30 rows stored (3.3%)" in out
    assert "answers on the billed basis will read 0" in out
