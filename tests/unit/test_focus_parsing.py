"""The vectorised readers under the FOCUS normaliser: distinct rows, amounts and times."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.focus.parsing import distinct_rows, first_rows, parse_amounts, parse_times

TWELVE_PLACES = Decimal("1e-12")


def _codes_by_python(columns: list[list]) -> list[int]:
    seen: dict[tuple, int] = {}
    return [seen.setdefault(row, len(seen)) for row in zip(*columns, strict=True)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "", " a", None]), min_size=30, max_size=30),
        min_size=1,
        max_size=5,
    )
)
def test_distinct_rows_numbers_equal_rows_alike_in_order_of_first_appearance(columns):
    codes = distinct_rows([pa.array(c, pa.string()) for c in columns], 30)

    assert codes.tolist() == _codes_by_python(columns)


def test_distinct_rows_stay_exact_when_the_columns_together_have_too_many_combinations():
    rng = np.random.default_rng(7)
    # Eight columns of ~60,000 distinct values: their product is far past 2**62.
    columns = [[f"v{x}" for x in rng.integers(0, 60_000, 20_000)] for _ in range(8)]
    columns.append(columns[0])  # a repeat adds no combinations
    arrays = [pa.array(c) for c in columns]

    assert distinct_rows(arrays, 20_000).tolist() == _codes_by_python(columns)


def test_first_rows_is_where_each_code_first_appears():
    codes = np.array([0, 1, 0, 2, 1, 3, 3, 0])

    assert first_rows(codes).tolist() == [0, 1, 3, 5]
    assert first_rows(np.array([], dtype=np.int64)).tolist() == []


_PLAIN_NUMBERS = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=15, allow_nan=False
).map(str)
_LONG_INTEGERS = st.integers(min_value=-(10**21), max_value=10**21).map(str)
_ODD_NUMBERS = st.sampled_from(
    ["1e+30", "9e25", "1E-13", "-0.0000000000005", "123456789012345678901234567", "+5", ".5", "5."]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(_PLAIN_NUMBERS, _LONG_INTEGERS, _ODD_NUMBERS, st.none()), min_size=1, max_size=40
    )
)
def test_amounts_are_the_exact_decimals_rounded_half_even_to_twelve_places(texts):
    values, bad, too_large = parse_amounts(pa.array(texts, pa.string()))

    for text, value, is_bad, is_large in zip(
        texts, values.to_pylist(), bad, too_large, strict=True
    ):
        assert not is_bad
        if text is None:
            assert value == 0
            continue
        with localcontext(prec=80):
            expected = Decimal(text).quantize(TWELVE_PLACES, rounding=ROUND_HALF_EVEN)
        if abs(expected) >= Decimal(10) ** 26:
            assert is_large and value == 0
        else:
            assert not is_large and value == expected


@pytest.mark.parametrize(
    ("text", "bad"),
    [("12.5", False), (" 12.5 ", False), ("", False), ("twelve", True), ("1,5", True)],
)
def test_amount_text_that_is_no_number_is_flagged(text, bad):
    values, flagged, _ = parse_amounts(pa.array([text, "1"], pa.string()))

    assert flagged.tolist() == [bad, False]
    assert values.to_pylist()[1] == 1


def test_times_of_every_spelling_are_utc_nanoseconds_and_bad_ones_flagged():
    texts = ["2024-09-18T22:00:00Z", "2024-09-18 22:00:00", "2024-09-19T00:00:00+02:00", "x", None]
    nanos, bad = parse_times(pa.array(texts, pa.string()))

    expected = np.datetime64("2024-09-18T22:00:00", "ns").astype(np.int64)
    assert nanos[:3].tolist() == [expected] * 3
    assert bad.tolist() == [False, False, False, True, True]


def test_a_long_integer_beside_a_value_with_many_decimals_stays_exact():
    # Any value with more than 12 decimals sends the batch through an 18-decimal type, which a
    # 21-digit integer would overflow (Arrow wraps around silently): such text is read carefully.
    texts = ["768483337355093400499", "0.1234567890123", "-99999999999999999999"]

    values, bad, too_large = parse_amounts(pa.array(texts, pa.string()))

    assert values.to_pylist() == [
        Decimal("768483337355093400499"),
        Decimal("0.123456789012"),
        Decimal("-99999999999999999999"),
    ]
    assert not bad.any() and not too_large.any()
