"""Exact money arithmetic: half-up cents, percent change, and exact even splits."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.money import cents_number, percent_change, split_evenly, to_cents, total

D = Decimal


def exact_sum(values: list[Decimal]) -> Decimal:
    """Sum with enough precision that the sum itself never rounds (the test must not lie)."""
    with localcontext() as ctx:
        ctx.prec = 200
        return sum(values, D(0))


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("0.004999", "0.00"),
        ("2.675", "2.68"),
        ("1.234", "1.23"),
        ("-1.235", "-1.24"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # half-even would give 0.02
        ("10", "10.00"),
        ("0", "0.00"),
        ("0.00000080000", "0.00"),
    ],
)
def test_to_cents_rounds_half_away_from_zero(amount, cents):
    result = to_cents(D(amount))

    assert result == D(cents)
    assert result.as_tuple().exponent == -2


def test_cents_number_prints_the_rounded_cents():
    assert cents_number(D("20.520226728990")) == 20.52
    assert cents_number(D("0.125")) == 0.13


def test_total_sums_exactly():
    assert total([D("0.1")] * 10) == D("1.0")
    assert total([]) == D(0)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        ("150", "100", D(50)),
        ("50", "100", D(-50)),
        ("100", "100", D(0)),
        ("0", "100", D(-100)),
        ("-50", "-100", D(50)),  # against the size of a credit, not its sign
    ],
)
def test_percent_change(current, previous, expected):
    assert percent_change(D(current), D(previous)) == expected


@pytest.mark.parametrize("previous", ["0", "0.000", "-0"])
@pytest.mark.parametrize("current", ["0", "12.5", "-3"])
def test_percent_change_is_none_against_zero(current, previous):
    assert percent_change(D(current), D(previous)) is None


@pytest.mark.parametrize(
    ("amount", "parts", "places"),
    [
        ("1", 3, 12),
        ("1", 3, 9),
        ("100", 30, 9),
        ("100", 31, 9),
        ("-7.000000001", 7, 9),
        ("0.000000001", 3, 9),  # less than a quantum per share
        ("0.00000080000", 30, 9),
        ("12345678901234.123456789012", 365, 9),
        ("0", 5, 9),
        ("1E+3", 7, 2),
    ],
)
def test_split_evenly_adds_up_exactly(amount, parts, places):
    shares = split_evenly(D(amount), parts, places=places)

    assert len(shares) == parts
    assert exact_sum(shares) == D(amount)
    # Every share but the last is on the grid; the last absorbs the rounding remainder.
    quantum = D(1).scaleb(-places)
    assert all(share == share.quantize(quantum) for share in shares[:-1])
    assert len(set(shares[:-1])) <= 1
    # The shares are even: none strays from amount/parts by more than the remainder can.
    ideal = D(amount) / parts
    assert all(abs(share - ideal) <= quantum * parts for share in shares)


def test_split_evenly_over_one_part_is_the_amount():
    assert split_evenly(D("1.23456789012345"), 1) == [D("1.23456789012345")]


@pytest.mark.parametrize("parts", [0, -1])
def test_split_evenly_refuses_fewer_than_one_part(parts):
    with pytest.raises(ValueError, match="parts"):
        split_evenly(D(1), parts)


# Amounts as the FOCUS source spreads them: decimal128(38, 12) (up to 26 integer digits).
_STORED_AMOUNTS = st.decimals(
    min_value=D("-1E+25"),
    max_value=D("1E+25"),
    places=12,
    allow_nan=False,
    allow_infinity=False,
)
# And arbitrary Decimals: any number of digits, any exponent.
_ANY_AMOUNTS = st.decimals(
    min_value=D("-1E+30"), max_value=D("1E+30"), allow_nan=False, allow_infinity=False
)


@settings(max_examples=300, deadline=None)
@given(
    amount=st.one_of(_STORED_AMOUNTS, _ANY_AMOUNTS),
    parts=st.integers(min_value=1, max_value=400),
    places=st.sampled_from([2, 9, 12]),
)
@example(amount=D("99999999999999999999.999999999999"), parts=3, places=9)
@example(amount=D("0.1234567890123456789012345678901"), parts=7, places=9)
@example(amount=D("1E-40"), parts=400, places=9)
def test_split_evenly_always_sums_exactly_to_the_amount(amount, parts, places):
    shares = split_evenly(amount, parts, places=places)

    assert len(shares) == parts
    assert exact_sum(shares) == amount
