"""A stopped machine's saving split like its project's cost: in the proportions each receiver
got of that cost, the rest kept, to the cent, the parts adding up to the saving exactly."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.shared.savings import ReceivedCost, SavingPart, split_saving

D = Decimal


def test_receivers_get_their_proportion_of_the_direct_cost_and_the_rest_is_kept():
    received = [
        ReceivedCost("fraud-detection", "gpu-pool", D("30")),
        ReceivedCost("recsys", "gpu-pool", D("20")),
    ]

    parts = split_saving(D("25.00"), "gpu-pool", D("100"), received)

    assert parts == (
        SavingPart("gpu-pool", None, D("12.50")),
        SavingPart("fraud-detection", "gpu-pool", D("7.50")),
        SavingPart("recsys", "gpu-pool", D("5.00")),
    )
    assert parts[0].kept and not parts[1].kept


def test_each_rule_is_a_part_of_its_own_and_the_remainder_goes_to_the_largest():
    received = [
        ReceivedCost("a", "platform", D("1")),
        ReceivedCost("a", "gpu-pool", D("1")),
        ReceivedCost("b", "gpu-pool", D("1")),
    ]

    parts = split_saving(D("0.10"), "pool", D("3"), received)

    # Three equal thirds of 10 cents: 3, 3 and 3 and one cent over, to the first among equals.
    assert sum(p.saved for p in parts) == D("0.10")
    assert sorted((p.value, p.rule, p.saved) for p in parts) == [
        ("a", "gpu-pool", D("0.04")),
        ("a", "platform", D("0.03")),
        ("b", "gpu-pool", D("0.03")),
    ]
    assert all(not p.kept for p in parts)


def test_nothing_given_leaves_the_saving_whole():
    assert split_saving(D("25.00"), "fraud", D("100"), []) == ()
    assert split_saving(D("25.00"), "fraud", D("0"), [ReceivedCost("a", "r", D("1"))]) == ()
    assert split_saving(D("25.00"), "fraud", D("100"), [ReceivedCost("a", "r", D("-3"))]) == ()


def test_more_received_than_the_direct_cost_keeps_nothing():
    # A credit in the direct cost: the receivers share the whole saving in their proportions.
    received = [ReceivedCost("a", "r", D("60")), ReceivedCost("b", "r", D("60"))]
    parts = split_saving(D("9.99"), "pool", D("100"), received)
    assert [(p.value, p.saved) for p in parts] == [("a", D("5.00")), ("b", D("4.99"))]


def test_a_small_saving_among_many_never_credits_anyone_a_negative_part():
    # Rounding each seventh of 5 cents to the nearest cent gives 7 cents; giving the largest
    # the difference would credit it -1 cent.
    received = [ReceivedCost(f"r{i}", "pool", D(1)) for i in range(7)]
    parts = split_saving(D("0.05"), "o", D(7), received)
    assert sum(p.saved for p in parts) == D("0.05")
    assert sorted(p.saved for p in parts) == [D("0.00")] * 2 + [D("0.01")] * 5


def test_a_finer_saving_is_split_to_its_own_unit():
    parts = split_saving(D("1.000000001"), "pool", D("3"), [ReceivedCost("a", "r", D("1"))])
    assert sum(p.saved for p in parts) == D("1.000000001")
    assert {p.saved.as_tuple().exponent for p in parts} == {-9}


cents = st.decimals(min_value=D("0"), max_value=D("100000"), places=2, allow_nan=False)
costs = st.decimals(min_value=D("0.000000001"), max_value=D("100000"), places=9)
receivers = st.dictionaries(
    st.tuples(st.sampled_from(["a", "b", "c", "pool"]), st.sampled_from(["r1", "r2"])),
    costs,
    min_size=1,
)


@given(saved=cents, received=receivers, kept=st.decimals(min_value=D(0), max_value=D(1000)))
def test_the_parts_add_up_to_the_saving_exactly_in_cents(saved, received, kept):
    direct = sum(received.values()) + kept
    parts = split_saving(
        saved, "pool", direct, [ReceivedCost(v, r, c) for (v, r), c in received.items()]
    )

    assert sum(p.saved for p in parts) == saved
    assert all(p.saved == p.saved.quantize(D("0.01")) and p.saved >= 0 for p in parts)
    for part in parts:
        exact = saved * (received[(part.value, part.rule)] if part.rule else kept) / direct
        assert abs(part.saved - exact) < D("0.01")
