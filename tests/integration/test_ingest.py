"""Ingest on real SQLite and PostgreSQL: totals, idempotence, restatement, atomicity."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, text

from bot.domain.periods import Period
from bot.services.ingest import IngestError
from storage.repositories.ingest import SqlIngestWriter
from tests.conftest import FOCUS_FIXTURES
from tests.helpers import (
    FOCUS_HEADER,
    pandas_total,
    snapshot,
    stored_totals,
    write_focus_csv,
)

NANO = Decimal("0.000001")

FOCUS_FILES = [
    "focus_sample_1.0.csv",
    "focus_1_3_cost_and_usage_aws.csv",
    "focus_1_3_cost_and_usage_azure.csv",
    "focus_1_3_cost_and_usage_gcp.csv",
    "focus_1_4_cost_and_usage_aws.csv",
]


@pytest.mark.parametrize("name", FOCUS_FILES)
@pytest.mark.parametrize("basis", ["effective", "billed"])
def test_stored_total_equals_an_independent_pandas_sum(store, name, basis):
    path = FOCUS_FIXTURES / name
    store.services.ingest.ingest([path])

    expected = pandas_total(path, "EffectiveCost" if basis == "effective" else "BilledCost")
    stored = stored_totals(store.services, basis=basis)

    assert stored.keys() == expected.keys()
    for currency, amount in expected.items():
        # Daily aggregates keep 9 decimal places; the file has up to 14.
        assert abs(stored[currency] - amount) < NANO, (currency, stored[currency], amount)


def test_focus_1_0_sample_totals_match_the_published_figures(store, focus_file):
    summary = store.services.ingest.ingest([focus_file])

    assert summary.record.rows_read == 1000
    assert summary.record.rows_rejected == 0
    assert round(stored_totals(store.services, basis="billed")["USD"], 2) == Decimal("20.52")
    assert round(stored_totals(store.services)["USD"], 2) == Decimal("14.98")


def test_ingesting_the_same_files_twice_changes_no_total(store):
    paths = [FOCUS_FIXTURES / n for n in FOCUS_FILES[:2]]
    store.services.ingest.ingest(paths)
    first = stored_totals(store.services)

    store.services.ingest.ingest(paths)

    assert stored_totals(store.services) == first


def _september(cost: str, days: range) -> list[dict]:
    return [
        {
            "EffectiveCost": cost,
            "ChargePeriodStart": f"{date(2024, 9, d)}T00:00:00Z",
            "ChargePeriodEnd": f"{date(2024, 9, d) + timedelta(days=1)}T00:00:00Z",
        }
        for d in days
    ]


SEP = Period(date(2024, 9, 1), date(2024, 9, 30), "2024-09")
AUG = Period(date(2024, 8, 1), date(2024, 8, 31), "2024-08")


def test_a_restated_month_replaces_that_month_only(store, tmp_path):
    august = [
        {
            "EffectiveCost": "5",
            "ChargePeriodStart": "2024-08-10T00:00:00Z",
            "ChargePeriodEnd": "2024-08-11T00:00:00Z",
        }
    ]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "aug.csv", august)])
    store.services.ingest.ingest(
        [write_focus_csv(tmp_path / "sep.csv", _september("10", range(1, 31)))]
    )
    # The restatement lowered every day and dropped a resource on the 15th.
    restated = _september("7", range(1, 31))
    restated[14] = {**restated[14], "EffectiveCost": "0"}
    summary = store.services.ingest.ingest([write_focus_csv(tmp_path / "restated.csv", restated)])

    assert summary.record.day_ranges == [(date(2024, 9, 1), date(2024, 9, 30))]
    assert stored_totals(store.services, SEP) == {"USD": Decimal(29 * 7)}
    assert stored_totals(store.services, AUG) == {"USD": Decimal("5")}


def test_only_the_days_the_files_cover_are_replaced(store, tmp_path):
    store.services.ingest.ingest(
        [write_focus_csv(tmp_path / "a.csv", _september("10", range(1, 30)))]
    )
    summary = store.services.ingest.ingest(
        [write_focus_csv(tmp_path / "b.csv", _september("7", range(1, 21)))]
    )

    assert summary.record.day_ranges == [(date(2024, 9, 1), date(2024, 9, 20))]
    assert stored_totals(store.services, SEP) == {"USD": Decimal(20 * 7 + 9 * 10)}


def test_another_source_is_never_replaced(store, tmp_path):
    path = write_focus_csv(tmp_path / "a.csv", [{"EffectiveCost": "3"}])
    store.services.ingest.ingest([path], source="aws")
    store.services.ingest.ingest([path], source="azure")
    store.services.ingest.ingest([path], source="aws")

    assert stored_totals(store.services) == {"USD": Decimal("6")}


def test_a_monthly_charge_is_spread_evenly_over_its_days(store, tmp_path):
    path = write_focus_csv(
        tmp_path / "fee.csv",
        [
            {
                "EffectiveCost": "100",
                "ChargePeriodStart": "2024-09-01T00:00:00Z",
                "ChargePeriodEnd": "2024-10-01T00:00:00Z",
            }
        ],
    )
    store.services.ingest.ingest([path])

    daily = store.services.cost_store.sum_cost(
        date(2024, 9, 1), date(2024, 9, 30), "effective", group_by=("day",)
    )
    assert len(daily) == 30
    assert {round(cost, 6) for _day, _cur, cost in daily} == {Decimal("3.333333")}
    assert sum(cost for *_, cost in daily) == Decimal("100")


def test_a_failure_mid_ingest_leaves_the_store_exactly_as_before(store, monkeypatch):
    store.services.ingest.ingest([FOCUS_FIXTURES / "focus_1_3_cost_and_usage_aws.csv"])
    before = snapshot(store.url)

    def explode(*_args):
        raise RuntimeError("disk full")

    # Fails at the very end: after old rows were deleted and every new key and fact written.
    monkeypatch.setattr(SqlIngestWriter, "_insert_rollups", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        store.services.ingest.ingest(
            [
                FOCUS_FIXTURES / "focus_1_3_cost_and_usage_aws.csv",
                FOCUS_FIXTURES / "focus_sample_1.0.csv",
            ]
        )

    assert snapshot(store.url) == before


def test_several_currencies_are_kept_apart(store, tmp_path):
    path = write_focus_csv(
        tmp_path / "mixed.csv",
        [
            {"EffectiveCost": "10", "BillingCurrency": "USD", "Tags": '{"project": "a"}'},
            {"EffectiveCost": "20", "BillingCurrency": "EUR", "Tags": '{"project": "a"}'},
            {"EffectiveCost": "5", "BillingCurrency": "eur", "Tags": '{"project": "b"}'},
        ],
    )
    summary = store.services.ingest.ingest([path])

    assert summary.record.totals == {"EUR": "25.000000000", "USD": "10.000000000"}
    assert stored_totals(store.services) == {"EUR": Decimal(25), "USD": Decimal(10)}


def test_gzip_and_parquet_files_load_like_csv(store, tmp_path):
    source = FOCUS_FIXTURES / "focus_1_3_cost_and_usage_gcp.csv"
    gz = tmp_path / "export.csv.gz"
    with source.open("rb") as raw, gzip.open(gz, "wb") as packed:
        shutil.copyfileobj(raw, packed)
    store.services.ingest.ingest([gz], source="gz")
    parquet = tmp_path / "export.parquet"
    pq.write_table(pa.csv.read_csv(source), parquet)
    store.services.ingest.ingest([parquet], source="parquet")

    rows = store.services.cost_store.sum_cost(
        date(2000, 1, 1), date(2099, 1, 1), "effective", group_by=("source",)
    )
    by_source = {src: cost for src, _cur, cost in rows}
    expected = pandas_total(source)["USD"]
    assert abs(by_source["gz"] - expected) < NANO
    assert abs(by_source["parquet"] - expected) < NANO


def test_a_folder_is_all_the_billing_files_inside(store, tmp_path):
    folder = tmp_path / "exports" / "2026-05"
    folder.mkdir(parents=True)
    for name in FOCUS_FILES[1:4]:
        shutil.copy(FOCUS_FIXTURES / name, folder / name)
    (folder / "manifest.json").write_text("{}")

    summary = store.services.ingest.ingest([tmp_path / "exports"])

    assert len(summary.record.files) == 3
    assert summary.record.rows_read == 1500


def test_an_ingest_run_records_files_checksums_and_days(store, focus_file):
    summary = store.services.ingest.ingest([focus_file])

    run = summary.record
    assert run.files[0]["name"] == str(focus_file)
    assert run.files[0]["sha256"] == hashlib.sha256(focus_file.read_bytes()).hexdigest()
    assert run.day_ranges == [(date(2024, 9, 1), date(2024, 9, 30))]
    assert run.days_covered == 30
    assert run.status == "succeeded"
    status = store.services.cost_store.source_status()
    assert [(s.source, s.first_day, s.last_day) for s in status] == [
        ("focus", date(2024, 9, 1), date(2024, 9, 30))
    ]


def test_missing_file_is_refused_and_nothing_changes(store, tmp_path, focus_file):
    before = snapshot(store.url)
    with pytest.raises(IngestError, match="no such file"):
        store.services.ingest.ingest([focus_file, tmp_path / "nope.csv"])
    assert snapshot(store.url) == before


def test_rows_that_cannot_be_read_are_named_and_nothing_is_ingested(store, tmp_path):
    rows = [{"EffectiveCost": "1"}] * 3 + [{"EffectiveCost": "12,5"}, {"BilledCost": "abc"}]
    rows += [{"ChargePeriodStart": "yesterday"}] + [{"EffectiveCost": "x"}] * 12
    path = write_focus_csv(tmp_path / "bad.csv", rows)
    before = snapshot(store.url)

    with pytest.raises(IngestError) as error:
        store.services.ingest.ingest([path])

    message = str(error.value)
    assert str(path) in message
    assert "15 row(s) cannot be read" in message
    assert "line 5: EffectiveCost '12,5' is not a number" in message
    assert "line 6: BilledCost 'abc' is not a number" in message
    assert "line 7: ChargePeriodStart 'yesterday' is empty or not an ISO 8601 date-time" in message
    assert "line 14:" in message and "line 15:" not in message  # the first 10 only
    assert "and 5 more" in message and "--skip-bad-rows" in message
    assert snapshot(store.url) == before


def test_skip_bad_rows_ingests_the_rest_and_records_the_rejects(store, tmp_path):
    rows = [{"EffectiveCost": "2"}, {"EffectiveCost": "oops"}, {"ChargePeriodEnd": ""}]
    path = write_focus_csv(tmp_path / "bad.csv", rows)

    summary = store.services.ingest.ingest([path], skip_bad_rows=True)

    assert stored_totals(store.services) == {"USD": Decimal(2)}
    assert summary.record.rows_rejected == 2
    assert [r["line"] for r in summary.record.rejections] == [3, 4]
    assert "ChargePeriodEnd is empty" in summary.record.rejections[1]["reason"]


def test_a_malformed_csv_is_refused_with_the_file_named(store, tmp_path, focus_file):
    good = write_focus_csv(tmp_path / "good.csv", [{"EffectiveCost": "1"}])
    broken = tmp_path / "broken.csv"
    broken.write_text(good.read_text() + '"1","2","3"\n')
    before = snapshot(store.url)

    with pytest.raises(IngestError, match=r"broken\.csv: the CSV is malformed"):
        store.services.ingest.ingest([focus_file, broken])

    assert snapshot(store.url) == before


def test_a_truncated_gzip_is_refused(store, tmp_path, focus_file):
    packed = gzip.compress(focus_file.read_bytes())
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(packed[: len(packed) // 2])
    before = snapshot(store.url)

    with pytest.raises(IngestError, match=r"cut\.csv\.gz"):
        store.services.ingest.ingest([truncated])

    assert snapshot(store.url) == before


def test_questions_are_answered_while_an_ingest_writes(store, tmp_path):
    from datetime import UTC, datetime

    from bot.services.ports import IngestRunRecord
    from storage.db import make_session_factory
    from storage.repositories.ingest import SqlIngestStore

    store.services.ingest.ingest([write_focus_csv(tmp_path / "a.csv", [{"EffectiveCost": "4"}])])
    writing = SqlIngestStore(make_session_factory(store.services.engine))
    run = IngestRunRecord(source="focus", cost_basis="effective", started_at=datetime.now(UTC))
    with writing.open_ingest(run):
        # The writer holds its lock; a reader neither waits for it nor sees its rows.
        started = time.monotonic()
        assert stored_totals(store.services) == {"USD": Decimal(4)}
        assert time.monotonic() - started < 2


WITH_BILLING_PERIOD = [*FOCUS_HEADER, "BillingPeriodStart", "BillingPeriodEnd"]
APRIL = Period(date(2024, 4, 1), date(2024, 4, 30), "2024-04")
MAY = Period(date(2024, 5, 1), date(2024, 5, 31), "2024-05")


def _month_file(path, month: int, cost: str, extra: list[dict] = ()):
    first = date(2024, month, 1)
    following = date(2024, month + 1, 1)
    rows = [
        {
            "EffectiveCost": cost,
            "ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
            "BillingPeriodStart": f"{first}T00:00:00Z",
            "BillingPeriodEnd": f"{following}T00:00:00Z",
        }
        for day in (first + timedelta(days=n) for n in range((following - first).days))
    ]
    return write_focus_csv(path, [*rows, *extra], WITH_BILLING_PERIOD)


def test_a_correction_dated_in_an_earlier_billing_period_replaces_nothing_of_it(store, tmp_path):
    april = _month_file(tmp_path / "april.csv", 4, "10")
    may = _month_file(tmp_path / "may.csv", 5, "20")
    credit = {
        "EffectiveCost": "-50",
        "ChargePeriodStart": "2024-04-15T00:00:00Z",
        "ChargePeriodEnd": "2024-04-16T00:00:00Z",
        "BillingPeriodStart": "2024-06-01T00:00:00Z",
        "BillingPeriodEnd": "2024-07-01T00:00:00Z",
    }
    june = _month_file(tmp_path / "june.csv", 6, "30", [credit])
    for path in (april, may, june, june, april):  # in any order, and twice
        store.services.ingest.ingest([path])

    assert stored_totals(store.services, APRIL) == {"USD": Decimal(30 * 10 - 50)}
    assert stored_totals(store.services, MAY) == {"USD": Decimal(31 * 20)}


def _stored_rows(url: str) -> dict[str, list]:
    """The facts and rollups by content (ids depend on the order rows were written)."""
    engine = create_engine(url)
    queries = {
        "facts": "SELECT k.key_hash, d.day, d.source, d.partition, d.billed_cost, "
        "d.effective_cost, d.list_cost, d.usage_quantity "
        "FROM cost_daily d JOIN cost_keys k ON k.id = d.key_id",
        "rollups": "SELECT source, partition, day, dimension, value, service_name, currency, "
        "billed_cost, effective_cost FROM cost_rollup_daily",
        "names": "SELECT dimension, value FROM dimension_values",
    }
    with engine.connect() as connection:
        rows = {
            name: sorted(map(tuple, connection.execute(text(sql))), key=repr)
            for name, sql in queries.items()
        }
    engine.dispose()
    return rows


# Amounts as read back: integer nano-units on SQLite, NUMERIC(38,9) on PostgreSQL.
_NANO_TOLERANCE = {"sqlite": Decimal(100), "postgres": Decimal("100e-9")}


def test_writing_in_many_small_pieces_stores_the_same(store, tmp_path, monkeypatch):
    files = [FOCUS_FIXTURES / name for name in FOCUS_FILES]
    store.services.ingest.ingest(files)
    whole = _stored_rows(store.url)
    assert whole["facts"] and whole["rollups"]

    # Every batch staged on its own, and the rollup sums compacted after every batch.
    monkeypatch.setattr("storage.repositories.ingest.FLUSH_ROWS", 1)
    monkeypatch.setattr("storage.rollups._COMPACT_ROWS", 1)
    monkeypatch.setattr("bot.sources.focus.reader.BATCH_ROWS", 97)
    monkeypatch.setattr("bot.sources.focus.reader.CSV_BLOCK_BYTES", 4096)
    store.services.ingest.ingest(files)

    pieces = _stored_rows(store.url)
    assert pieces["names"] == whole["names"]
    for table, amounts in (("facts", 4), ("rollups", 2)):
        keys = [row[:-amounts] for row in pieces[table]]
        assert keys == [row[:-amounts] for row in whole[table]]
        # Each staged piece is rounded to the store's 9 decimals (a nano-unit) before the
        # pieces are added up, so amounts with more decimals may differ by a few nano-units.
        for mine, theirs in zip(pieces[table], whole[table], strict=True):
            for a, b in zip(mine[-amounts:], theirs[-amounts:], strict=True):
                assert abs(Decimal(a) - Decimal(b)) <= _NANO_TOLERANCE[store.kind]


def test_digits_past_the_ninth_are_rounded_half_to_even_on_both_databases(store, tmp_path):
    path = write_focus_csv(
        tmp_path / "fine.csv",
        [
            {"ResourceId": "i-even", "EffectiveCost": "0.0000000025"},
            {"ResourceId": "i-odd", "EffectiveCost": "0.0000000035"},
            {"ResourceId": "i-down", "EffectiveCost": "-0.0000000025"},
        ],
    )
    store.services.ingest.ingest([path])

    rows = store.services.cost_store.sum_cost(
        date(2024, 9, 1), date(2024, 9, 1), "effective", group_by=("resource_id",)
    )
    by_resource = {resource: cost for resource, _currency, cost in rows}
    assert by_resource == {
        "i-even": Decimal("0.000000002"),
        "i-odd": Decimal("0.000000004"),
        "i-down": Decimal("-0.000000002"),
    }


def test_rows_without_a_billing_period_add_up_across_pieces(store, tmp_path, monkeypatch):
    monkeypatch.setattr("storage.repositories.ingest.FLUSH_ROWS", 1)
    monkeypatch.setattr("bot.sources.focus.reader.BATCH_ROWS", 7)
    monkeypatch.setattr("bot.sources.focus.reader.CSV_BLOCK_BYTES", 256)
    # One key on one day in every batch, plus a second day; no BillingPeriodStart column.
    rows = [{"EffectiveCost": "0.25"} for _ in range(40)]
    rows += [{"EffectiveCost": "1", "ChargePeriodStart": "2024-09-02T00:00:00Z",
              "ChargePeriodEnd": "2024-09-03T00:00:00Z"}]  # fmt: skip
    path = write_focus_csv(tmp_path / "no-periods.csv", rows)

    store.services.ingest.ingest([path])
    store.services.ingest.ingest([path])  # and again: replaced, not added

    daily = store.services.cost_store.sum_cost(
        date(2024, 9, 1), date(2024, 9, 2), "effective", group_by=("day",)
    )
    assert [(day, cost) for day, _currency, cost in daily] == [
        (date(2024, 9, 1), Decimal(10)),
        (date(2024, 9, 2), Decimal(1)),
    ]


def test_the_rollups_add_up_to_exactly_what_the_facts_hold(store, tmp_path):
    # Each resource's amount rounds to nothing at the store's 9 decimals; so must their sums.
    rows = [
        {"EffectiveCost": "0.0000000004", "ResourceId": f"i-{n}", "Tags": '{"team": "ml"}'}
        for n in range(1000)
    ]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "tiny.csv", rows)])

    engine = create_engine(store.url)
    with engine.connect() as connection:
        facts = connection.execute(text("SELECT sum(effective_cost) FROM cost_daily")).scalar()
        rollups = connection.execute(
            text("SELECT dimension, sum(effective_cost) FROM cost_rollup_daily GROUP BY dimension")
        ).all()
    engine.dispose()
    assert Decimal(facts) == 0
    # The run records what was stored, not the file's unrounded sum.
    assert _last_run_totals(store.url) == {"USD": "0.000000000"}
    assert {dimension: Decimal(total) for dimension, total in rollups} == {
        dimension: 0 for dimension, _ in rollups
    }
    assert len(rollups) == 8


def _one_charge(path, cost: str, resource: str = "i-1"):
    header = [*FOCUS_HEADER, "BillingPeriodStart"]
    row = {"EffectiveCost": cost, "ResourceId": resource, "BillingPeriodStart": "2024-09-01"}
    return write_focus_csv(path, [row], header)


def test_a_days_cost_past_sqlites_range_is_refused_not_rounded(store, tmp_path, monkeypatch):
    monkeypatch.setattr("storage.repositories.ingest.FLUSH_ROWS", 1)
    files = [
        _one_charge(tmp_path / "a.csv", "5000000000.5"),
        _one_charge(tmp_path / "b.csv", "5000000000.5"),
        _one_charge(tmp_path / "c.csv", "-5000000000.5", resource="i-2"),
    ]
    if store.kind == "sqlite":
        before = snapshot(store.url)
        with pytest.raises(OverflowError, match="too large for the SQLite store"):
            store.services.ingest.ingest(files)
        assert snapshot(store.url) == before
    else:
        store.services.ingest.ingest(files)
        assert stored_totals(store.services) == {"USD": Decimal("5000000000.5")}


def test_ingests_of_two_sources_at_once_both_land(store, tmp_path, monkeypatch):
    monkeypatch.setattr("storage.repositories.ingest.FLUSH_ROWS", 1)
    monkeypatch.setattr("bot.sources.focus.reader.BATCH_ROWS", 5)
    monkeypatch.setattr("bot.sources.focus.reader.CSV_BLOCK_BYTES", 256)
    # The same resources in opposite orders: both ingests add the same new keys.
    rows = [{"EffectiveCost": "1", "ResourceId": f"i-{n}"} for n in range(60)]
    forward = write_focus_csv(tmp_path / "forward.csv", rows)
    backward = write_focus_csv(tmp_path / "backward.csv", rows[::-1])
    errors: list[BaseException] = []

    def ingest(path, source):
        try:
            store.build().ingest.ingest([path], source=source)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=ingest, args=(forward, "aws")),
        threading.Thread(target=ingest, args=(backward, "gcp")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    rows_by_source = store.services.cost_store.sum_cost(
        date(2024, 9, 1), date(2024, 9, 1), "effective", group_by=("source",)
    )
    assert sorted((s, cost) for s, _currency, cost in rows_by_source) == [
        ("aws", Decimal(60)),
        ("gcp", Decimal(60)),
    ]


def _last_run_totals(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as connection:
        totals = connection.execute(
            text("SELECT totals FROM ingest_runs ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    engine.dispose()
    return json.loads(totals) if isinstance(totals, str) else totals


def test_a_total_past_sqlites_range_is_refused_with_advice_not_a_crash(store, tmp_path):
    day_two = {"ChargePeriodStart": "2024-09-02T00:00:00Z", "ChargePeriodEnd": "2024-09-03"}
    rows = [{"EffectiveCost": "5000000000"}, {"EffectiveCost": "5000000000", **day_two}]
    store.services.ingest.ingest([write_focus_csv(tmp_path / "big.csv", rows)])
    two_days = Period(date(2024, 9, 1), date(2024, 9, 2), "2024-09-01..2024-09-02")

    if store.kind == "sqlite":
        with pytest.raises(OverflowError, match="use PostgreSQL"):
            stored_totals(store.services, two_days)
    else:
        assert stored_totals(store.services, two_days) == {"USD": Decimal(10_000_000_000)}


@pytest.mark.parametrize("source", ["s" * 65, "aws\x00", "", "-dash-first", "two words"])
def test_a_source_name_the_store_cannot_keep_is_refused_alike_on_both_databases(
    store, focus_file, source
):
    with pytest.raises(IngestError, match="source name"):
        store.services.ingest.ingest([focus_file], source=source)

    store.services.ingest.ingest([focus_file], source="s" * 64)  # the longest that is kept


def test_a_non_ascii_name_is_found_in_any_case_on_both_databases(store, tmp_path):
    header = [*FOCUS_HEADER, "BillingPeriodStart"]
    row = {"SubAccountName": "Équipe-Données", "BillingPeriodStart": "2024-09-01"}
    store.services.ingest.ingest([write_focus_csv(tmp_path / "f.csv", [row], header)])
    september = Period(date(2024, 9, 1), date(2024, 9, 30), "2024-09")

    report = store.services.costs.cost("account", "équipe-données", september)

    assert report.name == "Équipe-Données"
