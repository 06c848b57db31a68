"""FOCUS files through the source: real-world quirks, spreading, exact amounts, rejections."""

from __future__ import annotations

import csv
import hashlib
import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bot.domain.allocation import AllocationRules, FallbackRule
from bot.domain.cost_rows import COST_AMOUNT_FIELDS, COST_KEY_FIELDS
from bot.services.ports import BatchResult
from bot.sources.focus import reader
from bot.sources.focus.reader import FocusFileError
from bot.sources.focus.source import FocusSource
from tests.conftest import FOCUS_FIXTURES

D = Decimal
NANO = D("0.000000001")
HEADER = [
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ConsumedQuantity",
    "BillingCurrency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ServiceName",
    "SubAccountName",
    "Tags",
]
DEFAULTS = {
    "BilledCost": "1",
    "EffectiveCost": "1",
    "ListCost": "1",
    "ConsumedQuantity": "1",
    "BillingCurrency": "USD",
    "ChargePeriodStart": "2024-09-01T00:00:00Z",
    "ChargePeriodEnd": "2024-09-02T00:00:00Z",
    "ServiceName": "Amazon EC2",
    "SubAccountName": "ml-prod",
    "Tags": "",
}
MESSY_TAGS = {" Project ": "Vision ", "user:Team": "ML", "ENV": " Prod", "unrelated": "x"}
MESSY_ALLOCATION = {"project": "vision", "team": "ml", "environment": "prod"}


# --- helpers ------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    """A FOCUS CSV; fields a row leaves out are a one-day USD charge of 1 on 2024-09-01."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            values = {**DEFAULTS, **row}
            writer.writerow([values.get(name, "") for name in header])
    return path


def write_parquet(path: Path, columns: dict[str, pa.Array | list]) -> Path:
    rows = len(next(iter(columns.values())))
    defaults = {name: [value] * rows for name, value in DEFAULTS.items() if name != "Tags"}
    pq.write_table(pa.table({**defaults, **columns}), path)
    return path


def ingest(path: Path, rules: AllocationRules | None = None) -> list[BatchResult]:
    files = FocusSource(rules or AllocationRules()).open([path])
    return [batch for file in files for batch in file.batches()]


def aggregates(results: list[BatchResult]) -> pa.Table:
    return pa.concat_tables([r.aggregates for r in results])


def one_batch(path: Path, rules: AllocationRules | None = None) -> BatchResult:
    results = ingest(path, rules)
    assert len(results) == 1
    return results[0]


def rows(table: pa.Table, *columns: str) -> list[tuple]:
    return sorted(
        (tuple(row[c] for c in columns) for row in table.to_pylist()),
        key=lambda row: tuple((v is None, str(v)) for v in row),
    )


def column_total(table: pa.Table, column: str = "effective_cost") -> Decimal:
    return sum(table.column(column).to_pylist(), D(0))


def days_of(table: pa.Table) -> list[date]:
    return sorted(set(table.column("day").to_pylist()))


def allocation_of(table: pa.Table) -> list[dict]:
    return [
        {dim: row[dim] for dim in ("project", "team", "owner", "model", "environment")}
        for row in table.to_pylist()
    ]


def file_total(path: Path, column: str, places: int | None = None) -> dict[str, Decimal]:
    """Exact per-currency sum of a column, read with the csv module, not costbot's reader."""
    totals: dict[str, Decimal] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            value = row[column].strip()
            amount = D(value) if value not in ("", "NULL") else D(0)
            if places is not None:
                amount = amount.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
            totals[row["BillingCurrency"]] = totals.get(row["BillingCurrency"], D(0)) + amount
    return totals


def totals_by_currency(table: pa.Table, column: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in table.select(["currency", column]).to_pylist():
        totals[row["currency"]] = totals.get(row["currency"], D(0)) + row[column]
    return totals


# --- the aggregated table -----------------------------------------------------------------


def test_a_batch_aggregates_rows_by_day_and_keys(tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        [
            {"EffectiveCost": "1.5", "Tags": '{"project": "a"}'},
            {"EffectiveCost": "2.25", "Tags": '{"Project": " a"}'},  # the same tags, folded
            {"EffectiveCost": "4", "Tags": '{"project": "b"}'},
            {
                "EffectiveCost": "8",
                "ChargePeriodStart": "2024-09-02T05:00:00Z",
                "ChargePeriodEnd": "2024-09-02T06:00:00Z",
            },
        ],
    )

    result = one_batch(path)

    assert result.rows_read == 4
    assert result.rows_rejected == 0
    assert result.rejections == []
    assert result.covered == (date(2024, 9, 1), date(2024, 9, 2))
    table = result.aggregates
    assert set(table.column_names) == {"day", "partition", *COST_KEY_FIELDS, *COST_AMOUNT_FIELDS}
    assert rows(table, "day", "project", "effective_cost", "billed_cost") == [
        (date(2024, 9, 1), "a", D("3.75"), D(2)),
        (date(2024, 9, 1), "b", D(4), D(1)),
        (date(2024, 9, 2), None, D(8), D(1)),
    ]
    assert set(table.column("currency").to_pylist()) == {"USD"}
    assert set(table.column("service_name").to_pylist()) == {"Amazon EC2"}


# --- nulls --------------------------------------------------------------------------------


@pytest.mark.parametrize("null", ["", "NULL", "null", "Null", "  "])
def test_null_spellings_in_optional_columns_are_nulls(tmp_path, null):
    path = write_csv(
        tmp_path / "f.csv",
        [{"ListCost": null, "ConsumedQuantity": null, "ServiceName": null, "Tags": null}],
    )

    result = one_batch(path)

    assert result.rows_rejected == 0
    assert result.unreadable_tags == 0
    [row] = result.aggregates.to_pylist()
    assert row["effective_cost"] == D(1)
    assert row["list_cost"] == D(0)
    assert row["usage_quantity"] == D(0)
    assert row["service_name"] is None
    assert row["project"] is None


def test_a_quoted_null_like_the_1_0_sample_is_a_null(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "BilledCost,EffectiveCost,ListCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,"
        "ServiceName,Tags\n"
        '"2",2,"NULL","USD","2024-09-18 22:00:00","2024-09-18 23:00:00","NULL",NULL\n'
        '3,3,NULL,USD,2024-09-18 22:00:00,2024-09-18 23:00:00,NULL,"NULL"\n',
        encoding="utf-8",
    )

    result = one_batch(path)

    assert result.rows_rejected == 0
    assert rows(result.aggregates, "day", "service_name", "project", "effective_cost") == [
        (date(2024, 9, 18), None, None, D(5))
    ]


# --- timestamps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "day"),
    [
        ("2024-09-18T22:00:00Z", "2024-09-18T23:00:00Z", date(2024, 9, 18)),
        ("2024-09-18 22:00:00", "2024-09-18 23:00:00", date(2024, 9, 18)),
        ("2024-09-18T22:00:00", "2024-09-18T23:00:00", date(2024, 9, 18)),
        ("2024-09-18T22:00:00.123Z", "2024-09-18T23:00:00.5Z", date(2024, 9, 18)),
        ("2024-09-18 22:00:00.000000", "2024-09-18 23:00:00.000000", date(2024, 9, 18)),
        ("2024-09-18T22:00:00+00:00", "2024-09-18T23:00:00+00:00", date(2024, 9, 18)),
        ("2024-09-18 22:00:00.5+00:00", "2024-09-18 23:00:00.5+00:00", date(2024, 9, 18)),
        ("2024-09-18T22:00:00Z", "2024-09-18 23:00:00", date(2024, 9, 18)),
        # Offsets are converted to UTC: 01:00+02:00 is 23:00 UTC the day before.
        ("2024-09-19T01:00:00+02:00", "2024-09-19T02:00:00+02:00", date(2024, 9, 18)),
        ("2024-09-18T20:00:00-05:00", "2024-09-18T21:00:00-05:00", date(2024, 9, 19)),
        ("2024-09-18", "2024-09-19", date(2024, 9, 18)),
        (" 2024-09-18T22:00:00Z ", " 2024-09-18T23:00:00Z ", date(2024, 9, 18)),
    ],
)
def test_timestamp_spellings(tmp_path, start, end, day):
    path = write_csv(tmp_path / "f.csv", [{"ChargePeriodStart": start, "ChargePeriodEnd": end}])

    result = one_batch(path)

    assert result.rows_rejected == 0, result.rejections
    assert rows(result.aggregates, "day", "effective_cost") == [(day, D(1))]


def test_different_timestamp_spellings_in_one_file_meet_on_one_day(tmp_path):
    spellings = [
        ("2024-09-18T00:00:00Z", "2024-09-19T00:00:00Z"),
        ("2024-09-18 00:00:00", "2024-09-19 00:00:00"),
        ("2024-09-18T00:00:00.000+00:00", "2024-09-19T00:00:00.000+00:00"),
        ("2024-09-18 10:00:00.25", "2024-09-18 11:00:00.25"),
    ]
    path = write_csv(
        tmp_path / "f.csv",
        [{"ChargePeriodStart": s, "ChargePeriodEnd": e} for s, e in spellings],
    )

    result = one_batch(path)

    assert result.rows_rejected == 0, result.rejections
    assert rows(result.aggregates, "day", "effective_cost") == [(date(2024, 9, 18), D(4))]


# --- spreading over days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "first", "days"),
    [
        ("2024-09-18T23:00:00Z", "2024-09-19T00:00:00Z", date(2024, 9, 18), 1),
        ("2024-09-18T00:00:00Z", "2024-09-19T00:00:00Z", date(2024, 9, 18), 1),
        ("2024-09-18T00:00:00Z", "2024-09-19T00:00:01Z", date(2024, 9, 18), 2),
        ("2024-09-18T12:00:00Z", "2024-09-20T12:00:00Z", date(2024, 9, 18), 3),
        ("2024-09-01 00:00:00", "2024-10-01 00:00:00", date(2024, 9, 1), 30),
        ("2024-02-28T00:00:00Z", "2024-03-01T00:00:00Z", date(2024, 2, 28), 2),
        ("2024-12-31T00:00:00Z", "2025-01-02T00:00:00Z", date(2024, 12, 31), 2),
        ("2024-09-01T00:00:00Z", "2025-09-01T00:00:00Z", date(2024, 9, 1), 365),
        # Zero-length periods count on their start day (reversed ones are rejected, below).
        ("2024-09-05T00:00:00Z", "2024-09-05T00:00:00Z", date(2024, 9, 5), 1),
        ("2024-09-05T10:00:00Z", "2024-09-05T10:00:00Z", date(2024, 9, 5), 1),
    ],
)
def test_a_charge_is_spread_evenly_over_the_utc_days_it_spans(tmp_path, start, end, first, days):
    amount = D("100")
    path = write_csv(
        tmp_path / "f.csv",
        [{"EffectiveCost": "100", "ChargePeriodStart": start, "ChargePeriodEnd": end}],
    )

    result = one_batch(path)

    table = result.aggregates
    expected_days = [first + timedelta(days=i) for i in range(days)]
    assert days_of(table) == expected_days
    assert table.num_rows == days
    assert result.covered == (expected_days[0], expected_days[-1])
    for share in table.column("effective_cost").to_pylist():
        assert abs(share - amount / days) <= NANO * days
    assert column_total(table) == amount


@pytest.mark.parametrize(
    "amount", ["1", "100", "10.000000001", "-3", "0.00000080000", "1.23456789012", "-0.000000001"]
)
@pytest.mark.parametrize("days", [2, 3, 7, 30, 31])
def test_spreading_keeps_every_amount_exactly(tmp_path, amount, days):
    start = datetime(2024, 9, 1, tzinfo=UTC)
    end = start + timedelta(days=days)
    path = write_csv(
        tmp_path / "f.csv",
        [
            {
                name: amount
                for name in ("BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity")
            }
            | {"ChargePeriodStart": start.isoformat(), "ChargePeriodEnd": end.isoformat()},
            # A one-day row on the same key and day must not upset the sums.
            {
                "EffectiveCost": "0.5",
                "ChargePeriodStart": "2024-09-01T05:00:00Z",
                "ChargePeriodEnd": "2024-09-01T06:00:00Z",
            },
        ],
    )

    table = one_batch(path).aggregates

    assert len(days_of(table)) == days
    assert column_total(table, "effective_cost") == D(amount) + D("0.5")
    for column in ("billed_cost", "list_cost", "usage_quantity"):
        assert column_total(table, column) == D(amount) + 1
    shares = [r["billed_cost"] for r in table.to_pylist() if r["day"] != date(2024, 9, 1)]
    # Even shares at 9 decimal places (the last one may carry the remainder).
    assert all(abs(s - D(amount) / days) <= NANO * days for s in shares)


# --- tags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        json.dumps(MESSY_TAGS),
        '"ENV": " Prod","user:Team": "ML"," Project ": "Vision ","unrelated": "x"',
        "  " + json.dumps(MESSY_TAGS) + "  ",
    ],
    ids=["json", "azure-without-braces", "padded"],
)
def test_csv_tags_text(tmp_path, tags):
    path = write_csv(tmp_path / "f.csv", [{"Tags": tags}])

    result = one_batch(path)

    assert result.unreadable_tags == 0
    assert allocation_of(result.aggregates) == [{"owner": None, "model": None, **MESSY_ALLOCATION}]


def _tags_column(kind: str) -> pa.Array:
    present = dict(MESSY_TAGS)
    if kind == "string":
        return pa.array([json.dumps(present), None, "{}"], pa.string())
    if kind == "large_string":
        return pa.array([json.dumps(present), None, "{}"], pa.large_string())
    if kind == "dictionary":
        return pa.array([json.dumps(present), None, "{}"]).dictionary_encode()
    if kind == "map":
        return pa.array([list(present.items()), None, []], pa.map_(pa.string(), pa.string()))
    if kind == "struct":
        fields = [pa.field(k, pa.string()) for k in present]
        return pa.array([present, None, dict.fromkeys(present)], pa.struct(fields))
    if kind == "key_value_list":  # BigQuery's labels
        pairs = [{"key": k, "value": v} for k, v in present.items()]
        item = pa.struct([pa.field("key", pa.string()), pa.field("value", pa.string())])
        return pa.array([pairs, None, []], pa.list_(item))
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["string", "large_string", "dictionary", "map", "struct", "key_value_list"]
)
def test_parquet_tags_columns(tmp_path, kind):
    path = write_parquet(
        tmp_path / "f.parquet",
        {"Tags": _tags_column(kind), "EffectiveCost": ["1", "2", "4"]},
    )

    result = one_batch(path)

    assert result.rows_rejected == 0
    assert result.unreadable_tags == 0
    assert rows(result.aggregates, "project", "team", "environment", "effective_cost") == [
        ("vision", "ml", "prod", D(1)),
        (None, None, None, D(6)),
    ]


def test_parquet_map_tags_with_a_null_value_fall_through_to_the_next_key(tmp_path):
    tags = pa.array(
        [[("project", None), ("App", "Chat ")], [("user:project", "")]],
        pa.map_(pa.string(), pa.string()),
    )
    path = write_parquet(tmp_path / "f.parquet", {"Tags": tags, "EffectiveCost": ["1", "2"]})

    table = one_batch(path).aggregates

    assert rows(table, "project", "effective_cost") == [("chat", D(1)), (None, D(2))]


@pytest.mark.parametrize("tags", ["not json", "[1, 2]", "{broken", "project=foo", "42", '"text"'])
def test_unreadable_tags_are_counted_and_their_cost_kept_unallocated(tmp_path, tags):
    path = write_csv(
        tmp_path / "f.csv",
        [
            {"EffectiveCost": "2", "Tags": tags},
            {"EffectiveCost": "3", "Tags": tags},
            {"EffectiveCost": "5", "Tags": '{"project": "ok"}'},
        ],
    )

    result = one_batch(path)

    assert result.unreadable_tags == 2
    assert result.rows_rejected == 0
    assert rows(result.aggregates, "project", "effective_cost") == [
        ("ok", D(5)),
        (None, D(5)),
    ]


def test_cost_without_any_allocation_is_kept_as_null(tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        [
            {"EffectiveCost": "1.1", "Tags": ""},
            {"EffectiveCost": "2.2", "Tags": "{}"},
            {"EffectiveCost": "3.3", "Tags": '{"other": "x", "project": " "}'},
            {"EffectiveCost": "4.4", "Tags": '{"team": "ml"}'},
        ],
    )

    table = one_batch(path).aggregates

    assert column_total(table) == D("11.0")
    assert rows(table, "project", "team", "tags", "effective_cost") == [
        (None, "ml", '{"team":"ml"}', D("4.4")),
        # Tags that allocate nothing are still the resource's tags: a key of their own.
        (None, None, '{"other":"x"}', D("3.3")),
        (None, None, None, D("3.3")),
    ]


# --- fallbacks ----------------------------------------------------------------------------


def test_fallbacks_apply_only_where_no_tag_gave_a_value(tmp_path):
    rules = AllocationRules(
        fallbacks=(
            FallbackRule("team", {"sub_account_name": "ML-Research"}, "Research"),
            FallbackRule("team", {"sub_account_name": "ml-research"}, "second-rule"),
            FallbackRule("project", {"service_name": "amazon sagemaker"}, "training"),
        )
    )
    path = write_csv(
        tmp_path / "f.csv",
        [
            {"EffectiveCost": "1", "SubAccountName": "ml-research"},
            {"EffectiveCost": "2", "SubAccountName": " ML-Research ", "Tags": '{"team": "vision"}'},
            {"EffectiveCost": "4", "SubAccountName": "ml-prod"},
            {"EffectiveCost": "8", "SubAccountName": "", "ServiceName": "Amazon SageMaker"},
        ],
    )

    table = one_batch(path, rules).aggregates

    assert rows(table, "sub_account_name", "team", "project", "effective_cost") == [
        ("ML-Research", "vision", None, D(2)),
        ("ml-prod", None, None, D(4)),
        ("ml-research", "research", None, D(1)),
        (None, None, "training", D(8)),
    ]


# --- headers ------------------------------------------------------------------------------


def _lower(h: str) -> str:
    return h.lower()


def _upper(h: str) -> str:
    return h.upper()


def _spaced(h: str) -> str:
    return f" {h}  "


@pytest.mark.parametrize(
    ("transform", "bom"),
    [(str, True), (_lower, False), (_upper, False), (_spaced, False), (_spaced, True)],
    ids=["bom", "lower", "upper", "spaces", "bom+spaces"],
)
def test_header_spellings(tmp_path, transform, bom):
    header = ["Id", *(transform(h) for h in HEADER), "x_CustomColumn"]
    text = ",".join(header) + "\n" + "7,2,3,4,5,eur,2024-09-01,2024-09-02,S3,acct,{},z\n"
    path = tmp_path / "f.csv"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")

    result = one_batch(path)

    assert result.rows_rejected == 0, result.rejections
    assert rows(
        result.aggregates,
        "day",
        "currency",
        "service_name",
        "sub_account_name",
        "billed_cost",
        "effective_cost",
        "list_cost",
        "usage_quantity",
    ) == [(date(2024, 9, 1), "EUR", "S3", "acct", D(2), D(3), D(4), D(5))]


def test_a_bom_before_the_first_column_of_a_real_file(tmp_path):
    header = ["BillingCurrency", *[h for h in HEADER if h != "BillingCurrency"]]
    path = tmp_path / "f.csv"
    write_csv(path, [{"EffectiveCost": "2"}], header=header)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    result = one_batch(path)

    assert result.rows_rejected == 0, result.rejections
    assert rows(result.aggregates, "currency", "effective_cost") == [("USD", D(2))]


@pytest.mark.parametrize(
    "name",
    ["aws_cur_legacy_sample_first20.csv", "azure_ea_actualcost_small_finops-toolkit.csv"],
)
def test_files_that_are_not_focus_are_refused_before_reading(name):
    with pytest.raises(FocusFileError):
        FocusSource(AllocationRules()).open([FOCUS_FIXTURES / name])


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.5E-5", D("0.000015")),
        ("1.5e-5", D("0.000015")),
        ("2E+3", D(2000)),
        ("-3", D(-3)),
        ("+4", D(4)),
        (" 2.5 ", D("2.5")),
        ("0.00000080000", D("0.0000008")),
        ("0.1234567890123456789", D("0.123456789012")),  # 19 decimals, kept to 12
        ("1234567.0000000000000000001", D("1234567")),
        (".5", D("0.5")),
        ("5.", D(5)),
        ("-0.000000000001", D("-0.000000000001")),
        ("12345678901234567890.5", D("12345678901234567890.5")),
        # Long enough that a careless text-to-decimal128 cast wraps around silently.
        ("12345678901234567890123.5", D("12345678901234567890123.5")),
        ("-99999999999999999999.123456789012345678", D("-99999999999999999999.123456789012")),
        ("1E-40", D(0)),  # a valid number, even if smaller than the stored precision
    ],
)
def test_amount_spellings_parse_exactly(tmp_path, text, value):
    path = write_csv(tmp_path / "f.csv", [{"EffectiveCost": text, "BilledCost": text}])

    result = one_batch(path)

    assert result.rows_rejected == 0, result.rejections
    [row] = result.aggregates.to_pylist()
    assert row["effective_cost"] == value
    assert row["billed_cost"] == value


@pytest.mark.parametrize("column", ["BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity"])
@pytest.mark.parametrize(
    "text",
    [
        "12,5",
        "abc",
        "$3",
        "1 000",
        "1.2.3",
        "--1",
        "NaN",
        "inf",
        "0x10",
        "1e+30",
        "1" + "0" * 30,
        "123456789012345678901234567.5",
    ],
)
def test_a_bad_amount_rejects_the_row_naming_column_and_value(tmp_path, column, text):
    path = write_csv(
        tmp_path / "f.csv",
        [{"EffectiveCost": "1"}, {"EffectiveCost": "2", column: text}, {"EffectiveCost": "4"}],
    )

    result = one_batch(path)

    assert result.rows_read == 3
    assert result.rows_rejected == 1
    [rejection] = result.rejections
    assert rejection.file == str(path)
    assert rejection.line == 3
    assert column in rejection.reason
    assert repr(text) in rejection.reason
    assert column_total(result.aggregates) == D(5)


@pytest.mark.parametrize(
    ("change", "column", "value"),
    [
        ({"ChargePeriodStart": "yesterday"}, "ChargePeriodStart", "yesterday"),
        ({"ChargePeriodStart": ""}, "ChargePeriodStart", None),
        ({"ChargePeriodEnd": "2024-13-01T00:00:00Z"}, "ChargePeriodEnd", "2024-13-01T00:00:00Z"),
        ({"ChargePeriodEnd": "18/09/2024"}, "ChargePeriodEnd", "18/09/2024"),
        ({"BillingCurrency": ""}, "BillingCurrency", None),
        ({"BillingCurrency": "NULL"}, "BillingCurrency", None),
        ({"ChargePeriodEnd": "2040-01-01T00:00:00Z"}, "ChargePeriodEnd", "2040-01-01T00:00:00Z"),
    ],
)
def test_other_bad_rows_are_rejected_naming_the_column(tmp_path, change, column, value):
    path = write_csv(tmp_path / "f.csv", [change, {"EffectiveCost": "2"}])

    result = one_batch(path)

    assert result.rows_rejected == 1
    [rejection] = result.rejections
    assert rejection.line == 2
    assert rejection.reason.startswith(column)
    if value is not None:
        assert repr(value) in rejection.reason
    assert column_total(result.aggregates) == D(2)
    assert result.covered == (date(2024, 9, 1), date(2024, 9, 1))


def test_a_charge_period_of_over_ten_years_is_rejected_saying_so(tmp_path):
    path = write_csv(tmp_path / "f.csv", [{"ChargePeriodEnd": "2040-01-01T00:00:00Z"}])

    [rejection] = one_batch(path).rejections

    assert rejection.reason == (
        "ChargePeriodEnd '2040-01-01T00:00:00Z' is more than 3660 days after ChargePeriodStart"
    )


def test_only_the_first_ten_rejections_are_kept_but_all_are_counted(tmp_path):
    data = []
    for i in range(40):
        data.append({"EffectiveCost": f"bad{i}" if i % 3 == 1 else "1"})
    path = write_csv(tmp_path / "f.csv", data)

    result = one_batch(path)

    bad_lines = [i + 2 for i in range(40) if i % 3 == 1]
    assert result.rows_read == 40
    assert result.rows_rejected == len(bad_lines) == 13
    assert [r.line for r in result.rejections] == bad_lines[:10]
    assert all("EffectiveCost" in r.reason for r in result.rejections)
    assert [r.reason for r in result.rejections][:2] == [
        "EffectiveCost 'bad1' is not a number",
        "EffectiveCost 'bad4' is not a number",
    ]
    assert column_total(result.aggregates) == D(40 - 13)


def test_a_batch_where_every_row_is_bad(tmp_path):
    path = write_csv(tmp_path / "f.csv", [{"ChargePeriodStart": "x"}, {"BilledCost": "y"}])

    result = one_batch(path)

    assert result.rows_rejected == 2
    assert result.aggregates.num_rows == 0
    assert result.covered is None


def test_line_numbers_count_on_across_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "CSV_BLOCK_BYTES", 1 << 10)
    monkeypatch.setattr(reader, "BATCH_ROWS", 64)
    data = [{"EffectiveCost": "1"} for _ in range(200)]
    data[150] = {"EffectiveCost": "oops"}
    path = write_csv(tmp_path / "f.csv", data)

    results = ingest(path)

    assert len(results) > 1
    assert sum(r.rows_read for r in results) == 200
    assert sum(r.rows_rejected for r in results) == 1
    [rejection] = [r for result in results for r in result.rejections]
    assert rejection.line == 152
    assert column_total(aggregates(results)) == D(199)


def test_the_checksum_is_the_files_sha256_and_stops_with_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "CSV_BLOCK_BYTES", 1 << 10)
    monkeypatch.setattr(reader, "BATCH_ROWS", 64)
    path = write_csv(tmp_path / "f.csv", [{"EffectiveCost": str(i)} for i in range(500)])
    [billing_file] = FocusSource(AllocationRules()).open([path])

    assert len(list(billing_file.batches())) > 1
    assert billing_file.sha256() == hashlib.sha256(path.read_bytes()).hexdigest()

    # A reader stopped half-way stops its checksum thread too.
    batches = billing_file.focus.batches()
    next(batches)
    batches.close()
    assert not [t for t in threading.enumerate() if t.name == "costbot-checksum"]


# --- Parquet types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (
            pa.array([datetime(2024, 9, 18, 22)], pa.timestamp("us")),
            pa.array([datetime(2024, 9, 18, 23)], pa.timestamp("us")),
        ),
        (
            pa.array([datetime(2024, 9, 18, 22)], pa.timestamp("ms", tz="UTC")),
            pa.array([datetime(2024, 9, 18, 23)], pa.timestamp("ms", tz="UTC")),
        ),
        (
            pa.array([datetime(2024, 9, 18, 22, 0, 0, 500)], pa.timestamp("ns", tz="UTC")),
            pa.array([datetime(2024, 9, 18, 23)], pa.timestamp("ns", tz="UTC")),
        ),
        (
            # 00:30 in Berlin (UTC+2) is 22:30 UTC the day before.
            pa.array([datetime(2024, 9, 18, 22, 30)], pa.timestamp("s", tz="Europe/Berlin")),
            pa.array([datetime(2024, 9, 18, 23)], pa.timestamp("s", tz="Europe/Berlin")),
        ),
        (
            pa.array([date(2024, 9, 18)], pa.date32()),
            pa.array([date(2024, 9, 19)], pa.date32()),
        ),
        (pa.array(["2024-09-18 22:00:00"]), pa.array(["2024-09-18 23:00:00"])),
    ],
    ids=["naive-us", "utc-ms", "utc-ns", "berlin", "date32", "text"],
)
def test_parquet_timestamp_types(tmp_path, start, end):
    path = write_parquet(
        tmp_path / "f.parquet", {"ChargePeriodStart": start, "ChargePeriodEnd": end}
    )

    result = one_batch(path)

    assert result.rows_rejected == 0, result.rejections
    assert rows(result.aggregates, "day", "effective_cost") == [(date(2024, 9, 18), D(1))]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pa.array([1.5, 1.5e-05, -3.0], pa.float64()), D("-1.499985")),
        (pa.array([1, 2, -3], pa.int64()), D(0)),
        (
            pa.array([D("0.00000080000"), D("1.5"), D("-0.5")], pa.decimal128(20, 11)),
            D("1.0000008"),
        ),
        (pa.array(["0.00000080000", "1.5E-5", " 2.5 "]), D("2.5000158")),
    ],
    ids=["double", "int64", "decimal", "text"],
)
def test_parquet_amount_types(tmp_path, values, expected):
    path = write_parquet(tmp_path / "f.parquet", {"EffectiveCost": values})

    result = one_batch(path)

    assert result.rows_rejected == 0, result.rejections
    assert column_total(result.aggregates) == expected


# --- the public sample files --------------------------------------------------------------


def test_the_focus_1_0_sample_loads_whole_and_exact():
    path = FOCUS_FIXTURES / "focus_sample_1.0.csv"

    results = ingest(path)

    table = aggregates(results)
    assert sum(r.rows_read for r in results) == 1000
    assert sum(r.rows_rejected for r in results) == 0
    assert sum(r.unreadable_tags for r in results) == 0
    assert totals_by_currency(table, "billed_cost") == file_total(path, "BilledCost")
    assert totals_by_currency(table, "effective_cost") == file_total(path, "EffectiveCost")
    assert round(column_total(table, "billed_cost"), 2) == D("20.52")
    assert round(column_total(table, "effective_cost"), 2) == D("14.98")


def test_the_focus_1_0_sample_messy_tag_keys_allocate():
    path = FOCUS_FIXTURES / "focus_sample_1.0.csv"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        tagged_foo = [
            D(r["EffectiveCost"]) for r in csv.DictReader(handle) if '"Project": "Foo"' in r["Tags"]
        ]

    table = aggregates(ingest(path))

    foo = [r for r in table.to_pylist() if r["project"] == "foo"]
    assert sum((r["effective_cost"] for r in foo), D(0)) == sum(tagged_foo, D(0))
    assert {r["environment"] for r in foo} == {"prod"}
    assert {r["team"] for r in foo} == {"1234", None}  # one "Project": "Foo" row has no team
    # "ms:Department": "test" on line 955 feeds team through the `department` key.
    assert "test" in set(table.column("team").to_pylist())
    # No value keeps its raw case or padding.
    for dim in ("project", "team", "environment"):
        values = {v for v in table.column(dim).to_pylist() if v is not None}
        assert all(v == v.strip().lower() for v in values)


@pytest.mark.parametrize(
    "name",
    [
        "focus_1_3_cost_and_usage_aws.csv",
        "focus_1_3_cost_and_usage_azure.csv",
        "focus_1_3_cost_and_usage_gcp.csv",
        "focus_1_4_cost_and_usage_aws.csv",
    ],
)
def test_the_synthetic_1_3_and_1_4_files_load_exactly(name):
    path = FOCUS_FIXTURES / name

    results = ingest(path)

    table = aggregates(results)
    assert sum(r.rows_read for r in results) == 500
    assert sum(r.rows_rejected for r in results) == 0
    assert sum(r.unreadable_tags for r in results) == 0
    for column, focus in (("billed_cost", "BilledCost"), ("effective_cost", "EffectiveCost")):
        stored = totals_by_currency(table, column)
        # Each value is kept to 12 places (half-even, as pyarrow rounds), then summed exactly...
        assert stored == file_total(path, focus, places=12)
        # ...so the total is the file's own, exactly, at 9 decimal places.
        assert {c: a.quantize(NANO) for c, a in stored.items()} == {
            c: a.quantize(NANO) for c, a in file_total(path, focus).items()
        }
    assert table.column("provider").null_count == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-09-05T10:00:00Z", "2024-09-03T00:00:00Z"),
        ("2024-09-05T00:00:00Z", "2024-09-04T23:00:00Z"),
    ],
)
def test_a_period_that_ends_before_it_starts_is_rejected(tmp_path, start, end):
    path = write_csv(
        tmp_path / "f.csv",
        [{"ChargePeriodStart": start, "ChargePeriodEnd": end}, {}],
    )

    result = one_batch(path)

    assert result.rows_rejected == 1
    assert result.rejections[0].line == 2
    assert result.rejections[0].reason == f"ChargePeriodEnd {end!r} is before ChargePeriodStart"
