"""The re-split of stored cost, over an in-memory store of pieces: rules in order, currencies
apart, totals kept per day and currency, usage with gaps, the fingerprint of what it used."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from bot.domain.shared.rules import SharedMatch, SharedRule, SplitMethod, UsageMeasure
from bot.domain.shared.split import Role, SharedPiece
from bot.services.shared import SharedCostService
from bot.services.shared_ports import AllocationState, DimensionDayCost, UsageDay

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)


class MemoryStore:
    """Cost as (day, currency, project, service) -> amount; matches by project or service."""

    def __init__(self, cost: dict[tuple[date, str, str | None, str], Decimal]) -> None:
        self.cost = cost
        self.entries: list = []
        self.state = AllocationState(None, 0)
        self.usage_rows: list[UsageDay] = []

    def stored_days(self):
        days = [key[0] for key in self.cost]
        return (min(days), max(days)) if days else None

    def dimension_cost(self, dimension, start, end):
        sums: dict = defaultdict(Decimal)
        for (day, currency, project, _service), amount in self.cost.items():
            sums[(day, currency, project)] += amount
        return [DimensionDayCost(d, c, p, a, a) for (d, c, p), a in sums.items()]

    def matched_cost(self, match, dimension, start, end, *, exclude=()):
        def hits(m: SharedMatch, project, service) -> bool:
            if "project" in m.dimensions and m.dimensions["project"] != project:
                return False
            return m.service is None or m.service == service

        return [
            SharedPiece(day, currency, project, service, amount, amount)
            for (day, currency, project, service), amount in self.cost.items()
            if start <= day <= end
            and hits(match, project, service)
            and not any(hits(e, project, service) for e in exclude)
        ]

    def usage(self, dimension, unit, start, end):
        return self.usage_rows

    def replace_allocations(self, start, end, entries, fingerprint):
        self.entries = list(entries)
        self.state = AllocationState(fingerprint, self.state.version + 1)
        return self.state

    def allocation_state(self):
        return self.state

    def refresh_statistics(self):
        pass  # an in-memory store has no planner to tell


def _rule(name, method, **match) -> SharedRule:
    return SharedRule(name, SharedMatch(**match), method)


def _after(store: MemoryStore) -> dict[tuple[date, str, str | None], Decimal]:
    totals: dict = defaultdict(Decimal)
    for (day, currency, project, _s), amount in store.cost.items():
        totals[(day, currency, project)] += amount
    for entry in store.entries:
        if entry.role is not Role.KEPT:
            totals[(entry.day, entry.currency, entry.value)] += entry.effective
    return totals


def _sums_per_day_currency(totals):
    out: dict = defaultdict(Decimal)
    for (day, currency, _p), amount in totals.items():
        out[(day, currency)] += amount
    return out


def test_rules_apply_in_order_and_currencies_stay_apart():
    store = MemoryStore(
        {
            (D1, "USD", "fraud", "EC2"): Decimal(300),
            (D1, "USD", "recsys", "EC2"): Decimal(100),
            (D1, "USD", "platform", "EKS"): Decimal(40),
            (D1, "USD", "platform", "Support"): Decimal(10),
            (D1, "EUR", "recsys", "EC2"): Decimal(50),
            (D1, "EUR", "platform", "EKS"): Decimal(7),
        }
    )
    rules = [
        _rule("support", SplitMethod.EVEN, service="Support"),
        _rule("platform", SplitMethod.PROPORTIONAL, dimensions={"project": "platform"}),
    ]
    report = SharedCostService(store, rules).reallocate()
    after = _after(store)
    assert after[(D1, "USD", "platform")] == 0
    # Support went evenly first; the rest of platform in proportion to 300:100.
    assert after[(D1, "USD", "fraud")] == Decimal(300) + 5 + 30
    assert after[(D1, "USD", "recsys")] == Decimal(100) + 5 + 10
    assert after[(D1, "EUR", "recsys")] == Decimal(57)  # the only EUR receiver
    before: dict = defaultdict(Decimal)
    for (day, currency, _project, _service), amount in store.cost.items():
        before[(day, currency)] += amount
    assert _sums_per_day_currency(after) == before
    assert report.moved == {
        "support": {"USD": Decimal(10)},
        "platform": {"USD": Decimal(40), "EUR": Decimal(7)},
    }
    assert store.state.version == 1


def test_usage_with_a_gap_falls_back_and_the_report_counts_the_day():
    store = MemoryStore(
        {
            (D1, "USD", "fraud", "EC2"): Decimal(100),
            (D1, "USD", "recsys", "EC2"): Decimal(300),
            (D1, "USD", "gpu-pool", "EC2"): Decimal(80),
            (D2, "USD", "fraud", "EC2"): Decimal(100),
            (D2, "USD", "recsys", "EC2"): Decimal(300),
            (D2, "USD", "gpu-pool", "EC2"): Decimal(80),
        }
    )
    store.usage_rows = [UsageDay(D1, "Fraud", Decimal(3)), UsageDay(D1, "recsys", Decimal(1))]
    rule = SharedRule(
        "gpu-pool",
        SharedMatch(dimensions={"project": "gpu-pool"}),
        SplitMethod.USAGE,
        usage=UsageMeasure(opencost="gpu_hours"),
    )
    report = SharedCostService(store, [rule]).reallocate()
    received = {
        (e.day, e.value): (e.effective, e.method) for e in store.entries if e.role is Role.IN
    }
    assert received[(D1, "fraud")] == (Decimal(60), "usage: GPU hours")
    assert received[(D2, "fraud")] == (Decimal(20), "proportional: no usage data that day")
    assert report.fallback_days == {"gpu-pool": 1}


def test_the_fingerprint_follows_the_rules_and_the_stored_split_says_when_it_is_stale():
    store = MemoryStore({(D1, "USD", "fraud", "EC2"): Decimal(1)})
    one = SharedCostService(store, [_rule("a", SplitMethod.EVEN, service="Support")])
    other = SharedCostService(store, [_rule("a", SplitMethod.PROPORTIONAL, service="Support")])
    assert one.fingerprint() != other.fingerprint()
    assert one.needs_reallocation()
    one.reallocate()
    assert not one.needs_reallocation()
    assert other.needs_reallocation()
    assert not SharedCostService(MemoryStore({}), []).needs_reallocation()
