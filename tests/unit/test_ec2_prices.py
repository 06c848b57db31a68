"""EC2's price table: the shipped file, an operator's price file over it, and bad files
refused with their line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.cloud.aws_ec2.prices import (
    SHIPPED_SOURCE,
    Ec2PriceTable,
    PriceFileError,
    read_price_file,
    shipped_prices,
)

HEADER = "instance_type,hourly,currency,gpus\n"


def test_the_shipped_table_lists_common_ml_and_general_types_with_gpu_counts():
    prices = shipped_prices()
    for instance_type in ("m5.large", "c6i.xlarge", "g4dn.xlarge", "g5.xlarge", "p4d.24xlarge"):
        assert instance_type in prices
    assert prices["g5.xlarge"].hourly == Decimal("1.006")
    assert {row.currency for row in prices.values()} == {"USD"}
    assert (prices["p4d.24xlarge"].gpus, prices["g5.12xlarge"].gpus, prices["m5.large"].gpus) == (
        8,
        4,
        0,
    )


def test_the_table_tells_prices_with_their_source_and_gpus_by_type():
    table = Ec2PriceTable()

    assert table.hourly("p3.2xlarge") == (Decimal("3.06"), "USD")
    assert table.source("p3.2xlarge") == SHIPPED_SOURCE == "on-demand list price (price table)"
    assert table.hourly("x9z.mega") is None
    assert table.gpus("g6.48xlarge") == 8
    assert table.gpus("m7i.large") == 0
    # A GPU family's type no table lists still needs GPU metrics to be called idle.
    assert table.gpus("p6.48xlarge") == 1 and table.gpus("g7.xlarge") == 1
    assert table.gpus("r9q.large") == 0


def test_a_price_file_replaces_rows_type_by_type(tmp_path):
    path = tmp_path / "our-prices.csv"
    path.write_text(
        "# negotiated, 2026\n" + HEADER + "g5.xlarge,0.80,USD,\np6.48xlarge,60.5,EUR,8\n",
        encoding="utf-8",
    )
    table = Ec2PriceTable(path)

    assert table.hourly("g5.xlarge") == (Decimal("0.80"), "USD")
    assert table.source("g5.xlarge") == "list price from idle.price_file"
    assert table.gpus("g5.xlarge") == 1  # the file left gpus empty: the shipped count stays
    assert (table.hourly("p6.48xlarge"), table.gpus("p6.48xlarge")) == ((Decimal("60.5"), "EUR"), 8)
    assert table.source("m5.large") == SHIPPED_SOURCE


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (HEADER + "g5.xlarge,1.0,USD,1\ng5.2xlarge,cheap,USD,1\n", "line 3: hourly 'cheap'"),
        (HEADER + "g5.xlarge,-1,USD,1\n", "line 2: hourly '-1' is not a price"),
        (HEADER + "g5.xlarge,1.0,dollars,1\n", "line 2: currency 'dollars'"),
        (HEADER + "g5.xlarge,1.0,USD,one\n", "line 2: gpus 'one'"),
        (HEADER + "G5 XL,1.0,USD,1\n", "line 2: instance_type 'G5 XL'"),
        ("# a note\n" + HEADER + "g5.xlarge,1,USD,1\n\ng5.xlarge,2,USD,1\n", "line 5: g5.xlarge"),
        ("type,price\ng5.xlarge,1\n", "line 1: the header lacks instance_type, hourly, currency"),
        ("# only a comment\n", "has no header"),
    ],
)
def test_a_bad_price_file_names_its_line_and_the_fix(tmp_path, body, said):
    path = tmp_path / "prices.csv"
    path.write_text(body, encoding="utf-8")

    with pytest.raises(PriceFileError) as raised:
        Ec2PriceTable(path)

    assert said in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_missing_price_file_says_which_setting_to_fix(tmp_path):
    with pytest.raises(PriceFileError, match=r"does not exist; fix idle\.price_file"):
        read_price_file(tmp_path / "nowhere.csv", "price file")
