"""Untagged cost made actionable: which charges no tag can fix, which resources to tag first,
who probably owns them, and how tag coverage moved week by week.

Pure rules over what the store sums; `bot.services.coverage` asks the store and calls these.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.domain.money import ZERO, to_cents
from bot.domain.periods import Period


class ChargeKind(StrEnum):
    """Cost that tagging cannot allocate, by why. The values are the JSON's `kind`."""

    SUPPORT = "support"
    TAX = "tax"
    CREDIT = "credit"
    ADJUSTMENT = "adjustment"
    PURCHASE = "purchase"  # commitments, subscriptions and fees billed to no resource
    DATA_TRANSFER = "data_transfer"
    NO_RESOURCE_ID = "no_resource_id"  # usage the billing data gives no resource for


CHARGE_KIND_LABELS: dict[ChargeKind, str] = {
    ChargeKind.SUPPORT: "Support",
    ChargeKind.TAX: "Tax",
    ChargeKind.CREDIT: "Credits and refunds",
    ChargeKind.ADJUSTMENT: "Adjustments",
    ChargeKind.PURCHASE: "Purchases and fees",
    ChargeKind.DATA_TRANSFER: "Data transfer",
    ChargeKind.NO_RESOURCE_ID: "Usage billed to no resource",
}

# FOCUS ChargeCategory values that are never a resource's own usage, whatever the row says.
_CATEGORY_KINDS = {
    "tax": ChargeKind.TAX,
    "credit": ChargeKind.CREDIT,
    "adjustment": ChargeKind.ADJUSTMENT,
}
# "AWS Support (Business)", "AWS Premium Support", "Support" (GCP, Azure), "Oracle Support".
_SUPPORT = re.compile(r"\bsupport\b", re.IGNORECASE)
# "AWS Data Transfer", "AWSDataTransfer", "Bandwidth" (Azure), "Networking" (FOCUS category).
_TRANSFER = re.compile(r"data\s*transfer|bandwidth|egress|inter-?region", re.IGNORECASE)


@dataclass(frozen=True)
class BilledLine:
    """Untagged cost the store summed over a period for one resource (or, with no resource id,
    for one account, service and charge category), in one currency."""

    resource_id: str | None
    resource_name: str | None
    account: str | None
    service: str | None
    service_category: str | None
    charge_category: str | None
    tags: Mapping[str, str]
    currency: str
    cost: Decimal
    last_day: date | None = None


def untaggable_kind(line: BilledLine) -> ChargeKind | None:
    """Why no tag can allocate this line; None when tagging its resource would.

    Tax, credits and adjustments follow the bill, not a resource; support is a contract. Of
    the rest, only a line with a resource id names something a person can tag.
    """
    category = (line.charge_category or "").strip().lower()
    if category in _CATEGORY_KINDS:
        return _CATEGORY_KINDS[category]
    if _SUPPORT.search(line.service or ""):
        return ChargeKind.SUPPORT
    if line.resource_id:
        return None
    if category == "purchase":
        return ChargeKind.PURCHASE
    if _TRANSFER.search(line.service or "") or (line.service_category or "").strip().lower() in (
        "networking",
        "network",
    ):
        return ChargeKind.DATA_TRANSFER
    return ChargeKind.NO_RESOURCE_ID


# --- owner hints -----------------------------------------------------------------------------

# Folded tag keys that say who created a resource: AWS's automatic `aws:createdBy` and OCI's
# `Oracle-Tags.CreatedBy` both fold to `createdby`; people write the others.
CREATOR_TAG_KEYS: tuple[str, ...] = ("createdby", "created_by", "created-by", "creator")
# Folded tag keys that name a person or group to ask, where the allocation did not use them.
CONTACT_TAG_KEYS: tuple[str, ...] = ("owner", "contact", "maintainer", "email", "author")
# Known names shorter than this match too much by accident ("ml" is in every other name).
MIN_NAME_CHARS = 3
# A dimension value counts as an account's usual owner from this share of its tagged cost.
ACCOUNT_OWNER_SHARE = Decimal("0.5")
MAX_NAME_HINTS = 2


class HintKind(StrEnum):
    """Where a hint comes from. The values are the JSON's `kind`."""

    CREATOR = "creator"  # a tag the cloud or a person set when creating it
    CONTACT = "contact"  # an owner or contact tag
    NAME = "name"  # its name or id contains a known project or team
    ACCOUNT = "account"  # its account's tagged cost is mostly one project or team


@dataclass(frozen=True)
class OwnerHint:
    kind: HintKind
    value: str
    text: str  # the hint as a person reads it
    dimension: str | None = None  # project or team, for name and account hints


@dataclass(frozen=True)
class AccountOwner:
    """The project or team most of an account's tagged cost belongs to, in one currency."""

    dimension: str
    value: str
    share: Decimal  # 0..1 of the account's cost with a value of that dimension


@dataclass(frozen=True)
class KnownOwners:
    """What the hints compare against: known names per dimension, usual owners per account."""

    names: Mapping[str, Sequence[str]] = field(default_factory=dict)  # dimension -> values
    accounts: Mapping[tuple[str, str], AccountOwner] = field(default_factory=dict)
    # (account, currency) -> owner


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in re.split(r"[^0-9a-z]+", text.lower()) if t)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    width = len(needle)
    return any(haystack[i : i + width] == needle for i in range(len(haystack) - width + 1))


def name_matches(text: str | None, names: Iterable[str]) -> list[str]:
    """The known names that `text` contains as whole words (`fraud-detection` in
    `fraud-detection-train-07`, not `ml` in `html`), longest first."""
    if not text:
        return []
    words = _tokens(text)
    found = []
    for name in names:
        needle = _tokens(name)
        if len("".join(needle)) < MIN_NAME_CHARS or all(t.isdigit() for t in needle):
            continue
        if _contains(words, needle):
            found.append(name)
    return sorted(set(found), key=lambda n: (-len(n), n))


def owner_hints(
    resource_id: str | None,
    resource_name: str | None,
    account: str | None,
    currency: str,
    tags: Mapping[str, str],
    known: KnownOwners,
) -> tuple[OwnerHint, ...]:
    """Who probably owns an untagged resource, strongest evidence first: who created it (the
    billing data's own word), an owner tag, a known project or team in its name, then what its
    account's tagged cost mostly belongs to."""
    hints: list[OwnerHint] = []
    creator = next((tags[k] for k in CREATOR_TAG_KEYS if tags.get(k)), None)
    if creator:
        hints.append(OwnerHint(HintKind.CREATOR, creator, f"created by {creator}"))
    for key in CONTACT_TAG_KEYS:
        value = tags.get(key)
        if value and value != creator:
            hints.append(OwnerHint(HintKind.CONTACT, value, f"{key} tag says {value}"))
            break
    hints.extend(_name_hints(resource_id, resource_name, known))
    owner = known.accounts.get((account, currency)) if account else None
    if owner is not None:
        share = (owner.share * 100).quantize(Decimal(1))
        hints.append(
            OwnerHint(
                HintKind.ACCOUNT,
                owner.value,
                f"{share}% of account {account}'s tagged cost is {owner.dimension} {owner.value}",
                owner.dimension,
            )
        )
    return tuple(hints)


def _name_hints(
    resource_id: str | None, resource_name: str | None, known: KnownOwners
) -> list[OwnerHint]:
    hints: list[OwnerHint] = []
    for dimension, names in known.names.items():
        matched = name_matches(resource_name, names) or name_matches(resource_id, names)
        # A team named like a project ("platform") says nothing new the second time.
        for value in [m for m in matched if all(h.value != m for h in hints)][:1]:
            hints.append(
                OwnerHint(HintKind.NAME, value, f"its name contains {dimension} {value}", dimension)
            )
    return hints[:MAX_NAME_HINTS]


def account_owners(
    costs: Iterable[tuple[str, str | None, str | None, str, Decimal]],
) -> dict[tuple[str, str], AccountOwner]:
    """Each (account, currency)'s usual owner from (dimension, account, value, currency, cost)
    rows of allocated cost: the value holding at least ACCOUNT_OWNER_SHARE of the account's
    cost with a value of that dimension. A project beats a team when both qualify."""
    sums: dict[tuple[str, str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for dimension, account, value, currency, cost in costs:
        if account and value and cost > 0:
            sums[(dimension, account, currency)][value] += cost
    owners: dict[tuple[str, str], AccountOwner] = {}
    for (dimension, account, currency), by_value in sorted(sums.items(), key=_project_first):
        total = sum(by_value.values(), ZERO)
        value, cost = max(by_value.items(), key=lambda item: (item[1], item[0]))
        share = cost / total
        if share >= ACCOUNT_OWNER_SHARE and (account, currency) not in owners:
            owners[(account, currency)] = AccountOwner(dimension, value, share)
    return owners


def _project_first(item: tuple[tuple[str, str, str], object]) -> tuple[int, str, str, str]:
    dimension, account, currency = item[0]
    return (0 if dimension == "project" else 1, dimension, account, currency)


# --- what to tag first -----------------------------------------------------------------------


def is_zero_cost(cost: Decimal) -> bool:
    """A cost that shows as 0.00: never listed (a line of "$0.00" asks nobody to act)."""
    return to_cents(cost) == 0


@dataclass(frozen=True)
class UntaggedResource:
    """One resource's untagged cost over the period, with what it carries and who may own it."""

    resource_id: str
    resource_name: str | None
    account: str | None
    service: str | None
    cost: Decimal
    tags: Mapping[str, str]
    hints: tuple[OwnerHint, ...] = ()


@dataclass(frozen=True)
class UntaggableCost:
    """Untagged cost no tag can allocate, of one kind and service."""

    kind: ChargeKind
    service: str | None
    cost: Decimal

    @property
    def label(self) -> str:
        return CHARGE_KIND_LABELS[self.kind]


def resources_to_tag(
    lines: Iterable[BilledLine], known: KnownOwners, limit: int | None = None
) -> tuple[list[UntaggedResource], int]:
    """The taggable lines summed per resource and currency, largest cost first, the first
    `limit` of them with owner hints; and how many resources there are in all. Zero-cost
    resources (under half a cent) are left out. A resource's name, account, service and tags
    are those of its latest line (the tags it has now), of the larger line on the same day."""
    groups: dict[tuple[str, str], list[BilledLine]] = defaultdict(list)
    for line in lines:
        if line.resource_id and untaggable_kind(line) is None:
            groups[(line.resource_id, line.currency)].append(line)
    ranked = []
    for (resource_id, currency), group in groups.items():
        cost = sum((line.cost for line in group), ZERO)
        if not is_zero_cost(cost):
            latest = max(group, key=lambda line: (line.last_day or date.min, line.cost))
            ranked.append((cost, resource_id, currency, latest, group))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    listed = ranked if limit is None else ranked[:limit]
    return [_resource(*item, known) for item in listed], len(ranked)


def _resource(
    cost: Decimal,
    resource_id: str,
    currency: str,
    latest: BilledLine,
    group: list[BilledLine],
    known: KnownOwners,
) -> UntaggedResource:
    name = latest.resource_name or next((g.resource_name for g in group if g.resource_name), None)
    return UntaggedResource(
        resource_id=resource_id,
        resource_name=name,
        account=latest.account,
        service=latest.service,
        cost=cost,
        tags=dict(latest.tags),
        hints=owner_hints(resource_id, name, latest.account, currency, latest.tags, known),
    )


def untaggable_costs(lines: Iterable[BilledLine]) -> list[UntaggableCost]:
    """The untaggable lines summed per kind and service, largest amount first (a credit by its
    size); zero sums are left out."""
    sums: dict[tuple[ChargeKind, str | None], Decimal] = defaultdict(Decimal)
    for line in lines:
        kind = untaggable_kind(line)
        if kind is not None:
            sums[(kind, line.service)] += line.cost
    costs = [
        UntaggableCost(kind, service, cost)
        for (kind, service), cost in sums.items()
        if not is_zero_cost(cost)
    ]
    costs.sort(key=lambda c: (-abs(c.cost), c.kind.value, c.service or ""))
    return costs


# --- coverage by week ------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCoverage:
    """Tag coverage of one ISO week, cut to the days of the period asked about."""

    week: str  # ISO week, "2026-W48"
    start: date
    end: date
    total: Decimal
    untagged: Decimal

    @property
    def coverage_percent(self) -> Decimal | None:
        return coverage_percent(self.total, self.untagged)


def coverage_percent(total: Decimal, untagged: Decimal) -> Decimal | None:
    """Share of the cost that is allocated, in percent; None when there is no cost."""
    if total == 0:
        return None
    return (total - untagged) / total * 100


def iso_weeks(period: Period) -> list[tuple[str, date, date]]:
    """The ISO weeks the period touches, each as (label, first day, last day) within it."""
    weeks = []
    start = period.start
    while start <= period.end:
        year, week, weekday = start.isocalendar()
        end = min(start + timedelta(days=7 - weekday), period.end)
        weeks.append((f"{year}-W{week:02d}", start, end))
        start = end + timedelta(days=1)
    return weeks


def weekly_coverage(
    period: Period, totals: Mapping[date, Decimal], untagged: Mapping[date, Decimal]
) -> tuple[WeekCoverage, ...]:
    """Coverage per ISO week of the period from one currency's cost per day."""
    week_totals = _by_week(totals, period)
    week_untagged = _by_week(untagged, period)
    return tuple(
        WeekCoverage(
            label, first, last, week_totals.get(label, ZERO), week_untagged.get(label, ZERO)
        )
        for label, first, last in iso_weeks(period)
    )


def _by_week(by_day: Mapping[date, Decimal], period: Period) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for day, cost in by_day.items():
        if period.start <= day <= period.end:
            year, week, _ = day.isocalendar()
            sums[f"{year}-W{week:02d}"] += cost
    return sums
