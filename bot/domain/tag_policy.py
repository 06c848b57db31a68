"""The tag policy of `allocation.required_tags`: which resources lack which required tags.

A required tag is present when the resource's own tags (as billed, keys folded) carry it with
a value. An allocation fallback does not count: it is costbot's guess from other fields, and
the resource still lacks the tag, as a cloud's tag policy would report it. Only resources are
judged: tax, credits, support and charges billed to no resource id cannot carry tags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.domain.money import ZERO
from bot.domain.periods import Period
from bot.domain.untagged import BilledLine, is_zero_cost, untaggable_kind

NO_ACCOUNT = "(no account)"


def missing_tags(tags: Mapping[str, str], required: Sequence[str]) -> tuple[str, ...]:
    """The required (folded) tag keys that `tags` lacks or gives no value, in config order."""
    return tuple(key for key in required if not (tags.get(key) or "").strip())


@dataclass(frozen=True)
class NonCompliantResource:
    resource_id: str
    resource_name: str | None
    cost: Decimal
    missing: tuple[str, ...]
    tags: Mapping[str, str]


@dataclass(frozen=True)
class AccountCompliance:
    """One account's resources in one currency, against the required tags."""

    account: str
    currency: str
    resources: int  # resources with cost in the period
    cost: Decimal  # their cost
    noncompliant: tuple[NonCompliantResource, ...]  # largest cost first
    missing_counts: Mapping[str, int]  # required tag -> resources lacking it (config order)

    @property
    def noncompliant_cost(self) -> Decimal:
        return sum((r.cost for r in self.noncompliant), ZERO)


def account_compliance(
    lines: Iterable[BilledLine], required: Sequence[str]
) -> list[AccountCompliance]:
    """Resources per account and currency, each judged by the tags of its latest line (what
    it carries now); accounts with the most non-compliant cost first. Zero-cost resources are
    left out."""
    per_resource: dict[tuple[str, str], list[BilledLine]] = defaultdict(list)
    for line in lines:
        if line.resource_id and untaggable_kind(line) is None:
            per_resource[(line.resource_id, line.currency)].append(line)
    accounts: dict[tuple[str, str], list[tuple[BilledLine, Decimal]]] = defaultdict(list)
    for (_, currency), group in per_resource.items():
        cost = sum((line.cost for line in group), ZERO)
        if is_zero_cost(cost):
            continue
        latest = max(group, key=lambda line: (line.last_day or date.min, line.cost))
        accounts[(latest.account or NO_ACCOUNT, currency)].append((latest, cost))
    result = [
        _account(account, currency, rows, required)
        for (account, currency), rows in accounts.items()
    ]
    result.sort(key=lambda a: (-a.noncompliant_cost, -a.cost, a.account, a.currency))
    return result


def _account(
    account: str, currency: str, rows: list[tuple[BilledLine, Decimal]], required: Sequence[str]
) -> AccountCompliance:
    noncompliant = []
    counts = dict.fromkeys(required, 0)
    for latest, cost in rows:
        missing = missing_tags(latest.tags, required)
        for key in missing:
            counts[key] += 1
        if missing:
            assert latest.resource_id is not None
            noncompliant.append(
                NonCompliantResource(
                    latest.resource_id, latest.resource_name, cost, missing, dict(latest.tags)
                )
            )
    noncompliant.sort(key=lambda r: (-r.cost, r.resource_id))
    return AccountCompliance(
        account=account,
        currency=currency,
        resources=len(rows),
        cost=sum((cost for _, cost in rows), ZERO),
        noncompliant=tuple(noncompliant),
        missing_counts=counts,
    )


@dataclass(frozen=True)
class TagPolicyReport:
    """`costbot tags report`: every account's resources against the required tags."""

    period: Period
    cost_basis: str
    required: tuple[str, ...]
    accounts: tuple[AccountCompliance, ...]  # most non-compliant cost first
    data_through: date | None
