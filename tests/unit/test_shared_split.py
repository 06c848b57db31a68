"""Shared-cost splits: every method keeps the totals to the nano-unit (so to the cent) per day
and currency, the remainder goes to the largest receiver, and odd days are handled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.shared.rules import SharedMatch, SharedRule, SplitMethod, UsageMeasure
from bot.domain.shared.split import (
    QUANTUM,
    Role,
    SharedPiece,
    day_weights,
    split_amount,
    split_piece,
)

DAY = date(2026, 11, 3)
PLATFORM = SharedMatch(dimensions={"project": "shared-platform"})


def _rule(method: SplitMethod, **kwargs) -> SharedRule:
    return SharedRule(name="platform", match=PLATFORM, method=method, **kwargs)


def _piece(billed: str, effective: str | None = None, currency: str = "USD") -> SharedPiece:
    return SharedPiece(
        DAY, currency, "shared-platform", "AmazonEKS", Decimal(billed), Decimal(effective or billed)
    )


def _received(entries) -> dict[str, Decimal]:
    return {e.value: e.effective for e in entries if e.role is Role.IN}


amounts = st.decimals(
    min_value=Decimal("-100000"), max_value=Decimal("1000000"), places=9, allow_nan=False
)
weights = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3),
    min_size=1,
)


@given(amount=amounts, weights=weights)
def test_shares_add_up_to_the_amount_exactly(amount, weights):
    shares = split_amount(amount, weights)
    assert sum(shares.values()) == amount
    assert all(share == share.quantize(QUANTUM) for share in shares.values())
    assert set(shares) == set(weights)


@given(
    billed=amounts,
    effective=amounts,
    direct=st.dictionaries(
        st.sampled_from(["a", "b", "c", None]),
        st.decimals(min_value=Decimal("-50"), max_value=Decimal("5000"), places=9),
    ),
    method=st.sampled_from([SplitMethod.EVEN, SplitMethod.PROPORTIONAL, SplitMethod.FIXED]),
)
def test_every_method_keeps_the_day_total(billed, effective, direct, method):
    rule = _rule(method, weights={"a": Decimal(3), "b": Decimal(1)})
    piece = SharedPiece(DAY, "EUR", "shared-platform", None, billed, effective)
    entries = split_piece(rule, piece, day_weights(rule, direct, None))
    counted = [e for e in entries if e.role is not Role.KEPT]
    assert sum(e.billed for e in counted) == 0  # what left the origin reached the receivers
    assert sum(e.effective for e in counted) == 0
    assert {e.currency for e in entries} == {"EUR"}
    kept = [e for e in entries if e.role is Role.KEPT]
    if kept:
        assert kept[0].effective == effective and kept[0].value == "shared-platform"


def test_the_remainder_goes_to_the_largest_receiver():
    shares = split_amount(Decimal("0.000000010"), {"small": Decimal(1), "large": Decimal(2)})
    assert shares == {"small": Decimal("0.000000003"), "large": Decimal("0.000000007")}
    even = split_amount(Decimal("100"), {"b": Decimal(1), "a": Decimal(1), "c": Decimal(1)})
    assert even["a"] == Decimal("33.333333334")  # the first by name among equals
    assert sum(even.values()) == Decimal(100)


def test_even_and_proportional_count_only_receivers_with_direct_cost_that_day():
    direct = {"fraud": Decimal(300), "recsys": Decimal(100), "idle": Decimal(0), None: Decimal(50)}
    even = _received(
        split_piece(
            _rule(SplitMethod.EVEN),
            _piece("40"),
            day_weights(_rule(SplitMethod.EVEN), direct, None),
        )
    )
    assert even == {"fraud": Decimal(20), "recsys": Decimal(20)}
    rule = _rule(SplitMethod.PROPORTIONAL)
    proportional = _received(split_piece(rule, _piece("40"), day_weights(rule, direct, None)))
    assert proportional == {"fraud": Decimal(30), "recsys": Decimal(10)}


def test_fixed_weights_need_not_add_to_100_and_say_so_normalised():
    rule = _rule(SplitMethod.FIXED, weights={"fraud": Decimal(3), "recsys": Decimal(1)})
    weights = day_weights(rule, {}, None)  # fixed shares do not depend on the day's cost
    assert _received(split_piece(rule, _piece("100"), weights)) == {
        "fraud": Decimal(75),
        "recsys": Decimal(25),
    }
    assert weights.method == "fixed: fraud 75%, recsys 25%"


def test_usage_splits_by_the_measured_quantity_and_falls_back_on_a_day_without_it():
    rule = _rule(SplitMethod.USAGE, usage=UsageMeasure(opencost="gpu_hours"))
    direct = {"fraud": Decimal(100), "recsys": Decimal(300)}
    measured = day_weights(rule, direct, {"fraud": Decimal(9), "recsys": Decimal(1)})
    assert _received(split_piece(rule, _piece("50"), measured)) == {
        "fraud": Decimal(45),
        "recsys": Decimal(5),
    }
    assert measured.method == "usage: GPU hours"
    gap = day_weights(rule, direct, None)
    assert _received(split_piece(rule, _piece("40"), gap)) == {
        "fraud": Decimal(10),
        "recsys": Decimal(30),
    }
    assert gap.method == "proportional: no usage data that day"
    assert day_weights(rule, direct, {"fraud": Decimal(0)}).method.endswith(
        "no usage data that day"
    )


def test_among_a_list_of_values_only_they_receive():
    rule = _rule(SplitMethod.EVEN, receivers=("recsys",))
    weights = day_weights(rule, {"fraud": Decimal(1), "recsys": Decimal(1)}, None)
    assert _received(split_piece(rule, _piece("8"), weights)) == {"recsys": Decimal(8)}


def test_a_day_no_receiver_qualifies_keeps_the_cost_where_it_was_and_says_why():
    rule = _rule(SplitMethod.PROPORTIONAL)
    entries = split_piece(rule, _piece("12.5"), day_weights(rule, {"fraud": Decimal(0)}, None))
    assert [(e.role, e.value, e.effective) for e in entries] == [
        (Role.KEPT, "shared-platform", Decimal("12.5"))
    ]
    assert entries[0].method == "kept: no project qualified that day"


def test_a_credit_is_shared_like_a_charge():
    rule = _rule(SplitMethod.EVEN)
    weights = day_weights(rule, {"a": Decimal(1), "b": Decimal(1)}, None)
    assert _received(split_piece(rule, _piece("-10"), weights)) == {
        "a": Decimal(-5),
        "b": Decimal(-5),
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": SplitMethod.FIXED}, "needs weights"),
        ({"method": SplitMethod.USAGE}, "needs usage"),
        ({"method": SplitMethod.EVEN, "among": "service"}, "cannot receive"),
    ],
)
def test_a_rule_that_cannot_split_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SharedRule(name="x", match=PLATFORM, **kwargs)


@given(amount=amounts, weights=weights)
def test_the_integer_split_is_the_decimal_split(amount, weights):
    from decimal import ROUND_HALF_EVEN, localcontext

    with localcontext() as context:
        context.prec = 80
        whole = sum(weights.values())
        expected = {
            name: (amount * weight / whole).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
            for name, weight in weights.items()
        }
        largest = min(weights, key=lambda name: (-weights[name], name))
        expected[largest] += amount - sum(expected.values())
    assert split_amount(amount, weights) == expected
