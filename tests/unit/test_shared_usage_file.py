"""Reading usage files: CSV and Parquet, days, folded receivers, exact quantities, and the
messages that say what to fix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from bot.services.shared_ports import UsageDay, UsageFileError
from bot.services.shared_usage import PandasUsageFileReader

read = PandasUsageFileReader().read


def test_csv_rows_become_days_receivers_and_exact_quantities(tmp_path):
    path = tmp_path / "gpu.csv"
    path.write_text(
        "when,team,hours\n2026-11-01,  ML-Platform ,1.10\n2026-11-02T00:00:00Z,search,0\n"
    )
    assert read(str(path), "when", "team", "hours") == [
        UsageDay(date(2026, 11, 1), "ml-platform", Decimal("1.10")),
        UsageDay(date(2026, 11, 2), "search", Decimal("0")),
    ]


def test_parquet_with_dates_and_floats(tmp_path):
    path = tmp_path / "gpu.parquet"
    frame = pd.DataFrame({"day": [date(2026, 11, 1)], "receiver": ["Recsys"], "quantity": [2.5]})
    frame.to_parquet(path)
    assert read(str(path), "day", "receiver", "quantity") == [
        UsageDay(date(2026, 11, 1), "recsys", Decimal("2.5"))
    ]


NO_QUANTITY = (
    r"no column 'quantity' for the quantity \(its columns: day, receiver\); "
    r"name the right one in the rule's usage.columns.quantity"
)
HEADER = "day,receiver,quantity\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("day,receiver\n2026-11-01,a\n", NO_QUANTITY),
        (HEADER + "2026-11-01,a,-1\n", r"gpu.csv, line 2: quantity -1 is negative"),
        (HEADER + "2026-11-01,a,1\n2026-11-02,b,lots\n", r"line 3: quantity 'lots' is not a"),
        (HEADER + "2026-11-01,a,\n", r"line 2: quantity '' is not a number"),
        (HEADER + "01/11/2026,a,1\n", r"line 2: day '01/11/2026' is not a date; write it as"),
        (HEADER + "2026-11-01, ,1\n", r"line 2: the receiver is empty"),
    ],
)
def test_a_bad_file_names_the_file_the_row_and_the_fix(tmp_path, body, message):
    path = tmp_path / "gpu.csv"
    path.write_text(body)
    with pytest.raises(UsageFileError, match=message):
        read(str(path), "day", "receiver", "quantity")


def test_a_missing_or_broken_file_says_so(tmp_path):
    with pytest.raises(UsageFileError, match=r"nope.csv: not found"):
        read(str(tmp_path / "nope.csv"), "day", "receiver", "quantity")
    broken = tmp_path / "gpu.parquet"
    broken.write_text("not parquet")
    with pytest.raises(UsageFileError, match=r"gpu.parquet: cannot be read as Parquet"):
        read(str(broken), "day", "receiver", "quantity")
    nan = tmp_path / "nan.parquet"
    pd.DataFrame({"day": ["2026-11-01"], "receiver": ["a"], "quantity": [float("nan")]}).to_parquet(
        nan
    )
    with pytest.raises(UsageFileError, match=r"nan.parquet, row 1: quantity 'nan' is not a number"):
        read(str(nan), "day", "receiver", "quantity")
