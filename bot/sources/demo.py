"""Deterministic demo data: FOCUS 1.2 cost-and-usage CSVs for a fictional ML organisation.

`costbot demo-data` writes these so that people can try the bot without cloud credentials. The
files imitate a monthly AWS FOCUS 1.2 export: one row per resource and UTC day, monthly rows for
object storage, the support fee and a savings-plan fee, and the messy tags of a real org.

Every random draw comes from a `random.Random` seeded with the caller's seed plus a label (the
day, the training cycle, ...): the same (days, seed, end) gives the same bytes, and a given day
looks the same whichever window it is generated in.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path

MAX_DAYS = 1000
ONE_DAY = timedelta(days=1)
TEN_PLACES = Decimal("1E-10")
ZERO = Decimal(0)
SEED_LABEL = "costbot-demo"
PAYER_ACCOUNT = "acme-ml-management"
TRAINING_CYCLE_DAYS = 14
# A 1-year no-upfront SageMaker Savings Plan prices the covered hours about 35% below list.
SAVINGS_PLAN_PRICE_RATIO = Decimal("0.65")
# AWS Business Support: a share of each slice of the month's spend, at least $100.
SUPPORT_TIERS = ((10_000, "0.10"), (80_000, "0.07"), (250_000, "0.05"), (None, "0.03"))
SUPPORT_MINIMUM = Decimal(100)

# fmt: off
COLUMNS = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "HostProviderName", "InvoiceId", "InvoiceIssuerName",
    "ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId",
    "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceProviderName",
    "ServiceSubcategory", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName",
    "SubAccountType", "Tags",
)
SUB_ACCOUNTS = {PAYER_ACCOUNT: "999988887777", "ml-prod": "123456789012",
                "ml-research": "210987654321", "data-platform": "345678901234"}
# Columns with the same value on every row of this org's export.
STATIC_COLUMNS = {
    "BillingAccountId": SUB_ACCOUNTS[PAYER_ACCOUNT], "BillingAccountName": PAYER_ACCOUNT,
    "BillingAccountType": "Billing Account", "BillingCurrency": "USD", "PricingCurrency": "USD",
    "InvoiceIssuerName": "Amazon Web Services, Inc.", "ProviderName": "AWS",
    "PublisherName": "Amazon Web Services, Inc.", "ServiceProviderName": "AWS",
    "HostProviderName": "AWS", "SubAccountType": "Linked Account",
}
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)",
                "eu-west-1": "Europe (Ireland)"}
# The project the demo shows first (`make demo` prints its cost).
DEMO_PROJECT = "fraud-detection"
# name: (team, owner, model, region where production runs)
PROJECTS = {
    "fraud-detection": ("risk", "alice@example.com", "fraud-xgb-v3", "us-east-1"),
    "recsys": ("personalization", "bob@example.com", "recsys-two-tower", "us-east-1"),
    "llm-chat": ("genai", "carol@example.com", "llama-chat-8b", "us-west-2"),
    "churn-model": ("growth", "dave@example.com", "churn-lgbm-v2", "eu-west-1"),
    "platform": ("platform", "erin@example.com", "", "us-east-1"),
    "gpu-pool": ("platform", "erin@example.com", "", "us-east-1"),  # GPU_POOL_PROJECT
}
# Hourly on-demand list prices in USD.
EC2_PRICES = {"p4d.24xlarge": "32.7726", "g5.12xlarge": "5.672", "g5.4xlarge": "1.624",
              "g5.2xlarge": "1.212", "t3.medium": "0.0416", "t3.large": "0.0832",
              "m5.large": "0.096", "m5.xlarge": "0.192", "c5.2xlarge": "0.34", "r5.xlarge": "0.252"}
ENDPOINT_PRICES = {"ml.m5.large": "0.115", "ml.m5.xlarge": "0.23", "ml.g5.xlarge": "1.41",
                   "ml.g5.2xlarge": "1.515"}
NOTEBOOK_PRICES = {"ml.t3.medium": "0.05", "ml.g4dn.xlarge": "0.7364"}
# (project, role, instances, environment): steady CPU fleets.
CPU_ROLES = (
    ("fraud-detection", "feature-api", 5, "prod"), ("fraud-detection", "scoring-worker", 6, "prod"),
    ("fraud-detection", "etl", 3, "staging"), ("recsys", "candidate-gen", 8, "prod"),
    ("recsys", "feature-store", 4, "prod"), ("recsys", "ranker-dev", 3, "dev"),
    ("llm-chat", "gateway", 5, "prod"), ("llm-chat", "vector-db", 3, "prod"),
    ("llm-chat", "eval-runner", 3, "dev"), ("churn-model", "batch-scoring", 3, "prod"),
    ("churn-model", "airflow-worker", 2, "staging"), ("platform", "eks-node", 20, "prod"),
    ("platform", "airflow", 3, "prod"), ("platform", "mlflow", 2, "prod"),
    ("platform", "bastion", 2, "prod"),
)
CPU_TYPES = (("t3.medium", 30), ("t3.large", 25), ("m5.large", 20), ("m5.xlarge", 12),
             ("c5.2xlarge", 7), ("r5.xlarge", 6))
# (project, instance type, nodes): GPU training clusters that run in bursts.
TRAINING_NODES = (("llm-chat", "p4d.24xlarge", 1), ("llm-chat", "g5.12xlarge", 1),
                  ("recsys", "g5.12xlarge", 2), ("fraud-detection", "g5.12xlarge", 1),
                  ("churn-model", "g5.2xlarge", 1))
# The platform team's shared GPU node pool (project `gpu-pool`): every project trains on it,
# and the job scheduler's export of GPU hours per project (USAGE_FILE) says who used how much.
GPU_POOL_PROJECT = "gpu-pool"
GPU_POOL_NODES = (("g5.12xlarge", 2),)
GPU_POOL_GPUS_PER_NODE = 4
USAGE_FILE = "gpu-pool-usage.csv"  # day, project, gpu_hours; the newest day is not in it yet


def usage_file_for(data_dir: Path) -> Path:
    """Where the demo keeps the GPU pool's usage export: beside its billing folder, not in it."""
    data_dir = Path(data_dir)
    return data_dir.parent / f"{data_dir.name}-usage" / USAGE_FILE
# Who trains on the pool, with their typical share of its GPU hours.
GPU_POOL_USERS = (("llm-chat", 0.45), ("recsys", 0.3), ("fraud-detection", 0.15),
                  ("churn-model", 0.1))
# (project, instance type, nodes): a training job that stalls and holds its GPUs for a whole day
# (the demo's one incident: an anomaly in its project's cost, with these nodes as its drivers).
INCIDENT_NODES = (("recsys", "p4d.24xlarge", 2),)
# (project, environment, instance type, instances, covered by the savings plan)
ENDPOINTS = (
    ("fraud-detection", "prod", "ml.m5.xlarge", 2, False),
    ("fraud-detection", "staging", "ml.m5.large", 1, False),
    ("recsys", "prod", "ml.g5.xlarge", 2, True), ("recsys", "staging", "ml.g5.xlarge", 1, False),
    ("llm-chat", "prod", "ml.g5.2xlarge", 2, True),
    ("llm-chat", "staging", "ml.g5.2xlarge", 1, False),
    ("churn-model", "prod", "ml.m5.large", 1, False),
)
NOTEBOOKS = (("fraud-detection", "ml.t3.medium"), ("fraud-detection", "ml.g4dn.xlarge"),
             ("recsys", "ml.g4dn.xlarge"), ("recsys", "ml.t3.medium"),
             ("llm-chat", "ml.g4dn.xlarge"), ("llm-chat", "ml.g4dn.xlarge"),
             ("churn-model", "ml.t3.medium"))
# (project, bucket suffix, terabytes)
BUCKETS = (("fraud-detection", "features", 6), ("fraud-detection", "models", 1),
           ("recsys", "interactions", 14), ("recsys", "embeddings", 4),
           ("llm-chat", "training-corpus", 22), ("llm-chat", "checkpoints", 9),
           ("churn-model", "features", 2), ("platform", "datalake", 30), ("platform", "logs", 6))
# (sku, account, region, typical daily GB): account-level charges with no resource behind them.
ACCOUNT_METERS = (
    ("egress", "ml-prod", "us-east-1", 180), ("egress", "ml-prod", "us-west-2", 120),
    ("egress", "ml-prod", "eu-west-1", 30), ("egress", "data-platform", "us-east-1", 60),
    ("egress", "ml-research", "us-west-2", 40), ("logs", "ml-prod", "us-east-1", 9),
    ("logs", "data-platform", "us-east-1", 6), ("logs", "ml-research", "us-east-1", 3),
)
# How each team's templates spell tags: style -> (weight, keys for project, team, owner, env).
TAG_STYLES = {
    "canonical": (56, ("project", "team", "owner", "env")),
    "capitalised": (7, ("Project", "Team", "Owner", "Environment")),
    "padded": (4, (" project ", "team ", None, "env")),
    "project_name": (5, ("project_name", "team", "owner", None)),
    "app": (4, ("app", "cost_center", None, None)),
    "aws_user_prefix": (4, ("user:project", "user:team", None, None)),
    "title_case_values": (6, ("project", "team", None, "env")),
    "owner_only": (4, (None, None, "owner", None)),
    "untagged": (10, (None, None, None, None)),
}
# fmt: on


def _sku(
    service: str, category: str, resource_type: str, unit: str, price: str, what: str
) -> dict[str, str]:
    """The FOCUS columns a SKU fixes. `category` is "ServiceCategory/ServiceSubcategory"."""
    description = f"${price} per {what}" if price else what
    # AWS SKU ids are opaque 16-character codes; a hash keeps ours stable across seeds.
    sku_id = hashlib.sha256(description.encode()).hexdigest()[:16].upper()
    service_category, subcategory = category.split("/")
    return {
        "ServiceName": service,
        "ServiceCategory": service_category,
        "ServiceSubcategory": subcategory,
        "ResourceType": resource_type,
        "ChargeDescription": description,
        "SkuId": sku_id,
        # AWS price ids are "<sku>.<offer term>.<rate code>"; these are the on-demand codes.
        "SkuPriceId": f"{sku_id}.JRTCKXETXF.6YS6EN2CT7",
        "PricingUnit": unit,
        "ConsumedUnit": unit,
        "ListUnitPrice": price,
        "ContractedUnitPrice": price,  # no negotiated discount in this org
    }


EC2, SAGEMAKER, ML = "Amazon Elastic Compute Cloud", "Amazon SageMaker", "AI and Machine Learning"
# fmt: off
SKUS = {
    **{size: _sku(EC2, "Compute/Virtual Machines", "Instance", "Hours", price,
                  f"On Demand Linux {size} Instance Hour") for size, price in EC2_PRICES.items()},
    **{size: _sku(SAGEMAKER, f"{ML}/Machine Learning", "Endpoint", "Hours", price,
                  f"Hosting {size} hour") for size, price in ENDPOINT_PRICES.items()},
    **{size: _sku(SAGEMAKER, f"{ML}/Machine Learning", "Notebook Instance", "Hours", price,
                  f"Notebook {size} hour") for size, price in NOTEBOOK_PRICES.items()},
    "gp3": _sku("Amazon Elastic Block Store", "Storage/Block Storage", "Volume", "GB-Mo", "0.08",
                "GB-month of General Purpose (gp3) storage"),
    "s3": _sku("Amazon Simple Storage Service", "Storage/Object Storage", "Bucket", "GB-Mo",
               "0.023", "GB - first 50 TB / month of storage used"),
    "egress": _sku("AWS Data Transfer", "Networking/Network Connectivity", "", "GB", "0.09",
                   "GB - first 10 TB / month data transfer out"),
    "logs": _sku("Amazon CloudWatch", "Management and Governance/Observability", "", "GB", "0.5",
                 "GB custom log data ingested"),
    "support": _sku("AWS Support (Business)", "Management and Governance/Support", "", "Months", "",
                    "AWS Support (Business) monthly fee"),
    "savings-plan": _sku(SAGEMAKER, f"{ML}/Machine Learning", "Savings Plan", "Hours", "",
                         "1 year No Upfront SageMaker Savings Plan recurring fee"),
}
COMMITMENT_COLUMNS = {
    "CommitmentDiscountId":
        "arn:aws:savingsplans::999988887777:savingsplan/3f1c2a9e-7b4d-4e2a-9c1f-5d6e8a0b2c4d",
    "CommitmentDiscountName": "ml-inference-1yr-no-upfront", "CommitmentDiscountCategory": "Spend",
    "CommitmentDiscountType": "SageMaker Savings Plan", "CommitmentDiscountUnit": "USD",
}
# A purchase consumes nothing itself, so it has no consumed unit.
RECURRING_PURCHASE = {"ChargeCategory": "Purchase", "ChargeFrequency": "Recurring",
                      "ConsumedUnit": ""}
# fmt: on


class Usage(StrEnum):
    ALWAYS = "always"  # the same quantity every day (24/7 instances, endpoints)
    WEEKDAYS = "weekdays"  # part of the working day, Monday to Friday (notebooks)
    BURST = "burst"  # whole days during a training run every couple of weeks
    PRORATED = "prorated"  # a GB-month price billed day by day (EBS)
    METERED = "metered"  # a noisy daily volume, lower at weekends (egress, logs)
    MONTHLY = "monthly"  # one row per month (S3 buckets)


@dataclass(frozen=True)
class Resource:
    columns: dict[str, str]  # the FOCUS columns that are the same on all of its rows
    usage: Usage
    quantity: Decimal  # pricing units on a full day (GB for storage)
    burst_group: str = ""  # resources of one group train together
    savings_plan_rate: Decimal | None = None


@dataclass(frozen=True)
class BillingMonth:
    first: date
    next_first: date
    window_start: date  # first generated day in this month
    window_end: date  # exclusive
    invoice_id: str  # empty while the month is not invoiced yet

    @property
    def covered_days(self) -> int:
        return (self.window_end - self.window_start).days


def write_demo_data(
    out_dir: Path,
    *,
    days: int = 90,
    seed: int = 0,
    end: date | None = None,
    incident_on: date | None = None,
    usage_file: Path | None = None,
) -> list[Path]:
    """Write FOCUS 1.2 CSV files covering `days` UTC days ending on `end` (default: today UTC) and return their paths.

    `incident_on`: the day a stalled training job holds GPU nodes all day (see INCIDENT_NODES).
    `usage_file`: where to write the GPU pool's usage export too (outside `out_dir`: every
    CSV there is read as billing data).
    """  # noqa: E501
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be a whole number from 1 to {MAX_DAYS}, got {days!r}")
    last_day = end or datetime.now(UTC).date()
    if isinstance(last_day, datetime):
        last_day = last_day.date()
    fleet = _build_fleet(seed)
    incident = (incident_on, _build_incident(seed)) if incident_on else None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for month in _billing_months(last_day - timedelta(days=days - 1), last_day, seed):
        path = out_dir / f"focus-1.2-demo-{month.first:%Y-%m}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, COLUMNS, restval="", lineterminator="\n")
            writer.writeheader()
            writer.writerows(_month_rows(month, fleet, seed))
            if incident and month.window_start <= incident[0] < month.window_end:
                writer.writerows(_incident_rows(month, incident[0], incident[1]))
        paths.append(path)
    if usage_file is not None:
        write_gpu_pool_usage(usage_file, last_day - timedelta(days=days - 1), last_day, seed)
    return paths


def _billing_months(first_day: date, last_day: date, seed: int) -> Iterator[BillingMonth]:
    month = first_day.replace(day=1)
    while month <= last_day:
        next_month = (month + timedelta(days=31)).replace(day=1)
        invoice = random.Random(f"{SEED_LABEL}:{seed}:invoice:{month}").randrange(10**9, 10**10)
        yield BillingMonth(
            first=month,
            next_first=next_month,
            window_start=max(first_day, month),
            window_end=min(last_day + ONE_DAY, next_month),
            invoice_id=str(invoice) if next_month <= last_day else "",
        )
        month = next_month


def _month_rows(month: BillingMonth, fleet: list[Resource], seed: int) -> list[dict[str, str]]:
    rows = []
    day = month.window_start
    while day < month.window_end:
        rows += _daily_rows(day, month, fleet, seed)
        day += ONE_DAY
    # Object storage bills once a month: the window's share of it (up to `end` this month).
    month_share = Decimal(month.covered_days) / (month.next_first - month.first).days
    for bucket in (r for r in fleet if r.usage is Usage.MONTHLY):
        gb_months = _exact(bucket.quantity * month_share)
        rows.append(_usage_row(bucket, month, month.window_start, month.window_end, gb_months))
    rows.append(_savings_plan_fee_row(month, fleet))
    rows.append(_support_fee_row(month, month_share, rows))
    return rows


def _daily_rows(
    day: date, month: BillingMonth, fleet: list[Resource], seed: int
) -> list[dict[str, str]]:
    rng = random.Random(f"{SEED_LABEL}:{seed}:day:{day}")
    rows = []
    for resource in fleet:
        if resource.usage is not Usage.MONTHLY:
            quantity = _day_quantity(resource, day, month, seed, rng)
            if quantity > 0:
                rows.append(_usage_row(resource, month, day, day + ONE_DAY, quantity))
    return rows


def _day_quantity(
    resource: Resource, day: date, month: BillingMonth, seed: int, rng: random.Random
) -> Decimal:
    """Pricing units `resource` used on `day`; zero means it did not run."""
    weekend = day.weekday() >= 5
    match resource.usage:
        case Usage.ALWAYS:
            return resource.quantity
        case Usage.WEEKDAYS:
            return ZERO if weekend else _scaled(resource.quantity, rng.uniform(0.4, 1.0))
        case Usage.BURST:
            training = _in_training_run(resource.burst_group, day, seed)
            return resource.quantity if training else ZERO
        case Usage.PRORATED:
            return _exact(resource.quantity / (month.next_first - month.first).days)
    return _scaled(resource.quantity, rng.uniform(0.7, 1.3) * (0.6 if weekend else 1.0))


def _in_training_run(group: str, day: date, seed: int) -> bool:
    """One run of 2-5 days in most 14-day cycles."""
    cycle, offset = divmod(day.toordinal(), TRAINING_CYCLE_DAYS)
    rng = random.Random(f"{SEED_LABEL}:{seed}:training:{group}:{cycle}")
    start, length, skipped = rng.randint(0, 9), rng.randint(2, 5), rng.random() < 0.15
    return not skipped and start <= offset < start + length


def _scaled(quantity: Decimal, factor: float) -> Decimal:
    return (quantity * Decimal(f"{factor:.4f}")).quantize(Decimal("0.0001"))


def _usage_row(
    resource: Resource, month: BillingMonth, start: date, end: date, quantity: Decimal
) -> dict[str, str]:
    row = _charge_row(month, resource.columns, start, end, quantity)
    row |= {"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based"}
    row["ConsumedQuantity"] = row["PricingQuantity"]
    if resource.savings_plan_rate is not None:
        # FOCUS: hours covered by a commitment are paid through its recurring fee, so they
        # bill 0 and carry the amortised savings-plan rate as their EffectiveCost.
        effective = _decimal_text(resource.savings_plan_rate * quantity)
        row |= COMMITMENT_COLUMNS | {"PricingCategory": "Committed", "BilledCost": "0"}
        row |= {"EffectiveCost": effective, "CommitmentDiscountQuantity": effective}
        row["CommitmentDiscountStatus"] = "Used"
    return row


def _savings_plan_fee_row(month: BillingMonth, fleet: list[Resource]) -> dict[str, str]:
    """The commitment's fee for the generated part of the month, sized to be fully used."""
    hourly = sum(
        (r.savings_plan_rate * r.quantity / 24 for r in fleet if r.savings_plan_rate), ZERO
    )
    columns = SKUS["savings-plan"] | _account_columns(PAYER_ACCOUNT) | COMMITMENT_COLUMNS
    columns |= {"ResourceId": columns["CommitmentDiscountId"], "ResourceName": "ml-inference-sp"}
    hours = Decimal(month.covered_days * 24)
    row = _charge_row(month, columns, month.window_start, month.window_end, hours, hourly)
    # EffectiveCost is 0: FOCUS amortises a commitment's fee onto the usage it covers.
    return row | RECURRING_PURCHASE | {"EffectiveCost": "0"}


def _support_fee_row(
    month: BillingMonth, month_share: Decimal, month_rows: list[dict[str, str]]
) -> dict[str, str]:
    """Business Support for the whole month, charged on the month's (extrapolated) spend."""
    spend = sum((Decimal(r["EffectiveCost"]) for r in month_rows), ZERO) / month_share
    fee = _business_support_fee(spend)
    columns = SKUS["support"] | _account_columns(PAYER_ACCOUNT)
    # The period is the whole calendar month even when the window covers only part of it.
    row = _charge_row(month, columns, month.first, month.next_first, Decimal(1), fee)
    return row | RECURRING_PURCHASE


def _business_support_fee(monthly_spend: Decimal) -> Decimal:
    fee, floor = ZERO, ZERO
    for ceiling, rate in SUPPORT_TIERS:
        top = monthly_spend if ceiling is None else min(monthly_spend, Decimal(ceiling))
        fee += max(top - floor, ZERO) * Decimal(rate)
        floor = top
    return max(fee, SUPPORT_MINIMUM).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _charge_row(
    month: BillingMonth,
    columns: dict[str, str],
    start: date,
    end: date,
    quantity: Decimal,
    unit_price: Decimal | None = None,
) -> dict[str, str]:
    """A row at list price, billed as listed; callers adjust what differs."""
    price = Decimal(columns["ListUnitPrice"]) if unit_price is None else unit_price
    cost = _decimal_text(price * quantity)
    return {
        **STATIC_COLUMNS,
        **columns,
        "BillingPeriodStart": _timestamp(month.first),
        "BillingPeriodEnd": _timestamp(month.next_first),
        "InvoiceId": month.invoice_id,
        "ChargePeriodStart": _timestamp(start),
        "ChargePeriodEnd": _timestamp(end),
        "PricingCategory": "Standard",
        "PricingQuantity": _decimal_text(quantity),
        "ListUnitPrice": _decimal_text(price),
        "ContractedUnitPrice": _decimal_text(price),
        "ListCost": cost,
        "ContractedCost": cost,
        "BilledCost": cost,
        "EffectiveCost": cost,
    }


def _exact(value: Decimal) -> Decimal:
    """Round to the 10 decimal places the files carry."""
    return value.quantize(TEN_PLACES, ROUND_HALF_UP)


def _decimal_text(value: Decimal) -> str:
    """Plain notation, at most 10 decimal places, no trailing zeros: what exports write."""
    text = f"{_exact(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _timestamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _incident_rows(month: BillingMonth, day: date, nodes: list[Resource]) -> list[dict[str, str]]:
    return [_usage_row(node, month, day, day + ONE_DAY, node.quantity) for node in nodes]


def stalled_nodes(seed: int) -> list[tuple[str, str]]:
    """The stalled training job's nodes as (name, EC2 instance id), as the billing rows name
    them: the simulated fleet of `costbot demo` runs the same machines."""
    return [
        (node.columns["ResourceName"], node.columns["ResourceId"].rsplit("/", 1)[-1])
        for node in _build_incident(seed)
    ]


def _build_incident(seed: int) -> list[Resource]:
    """The stalled job's nodes, from their own random stream: the fleet stays as it was."""
    return _FleetBuilder(random.Random(f"{SEED_LABEL}:{seed}:incident")).stalled_job()


def _build_fleet(seed: int) -> list[Resource]:
    """The org's resources: they depend on the seed only, never on the window."""
    fleet = _FleetBuilder(random.Random(f"{SEED_LABEL}:{seed}:fleet")).build()
    # Drawn apart, so that adding the pool left every other resource as it was.
    return fleet + list(_FleetBuilder(random.Random(f"{SEED_LABEL}:{seed}:gpu-pool")).gpu_pool())


def write_gpu_pool_usage(path: Path, first_day: date, last_day: date, seed: int) -> Path:
    """The job scheduler's export of GPU hours on the pool per project and day, as a shared
    cost rule reads it. Its newest day is missing (the export runs a day behind)."""
    capacity = sum(nodes for _size, nodes in GPU_POOL_NODES) * GPU_POOL_GPUS_PER_NODE * 24
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["day", "project", "gpu_hours"])
        day = first_day
        while day < last_day:
            rng = random.Random(f"{SEED_LABEL}:{seed}:gpu-pool-usage:{day}")
            busy = rng.uniform(0.55, 0.95) * (0.7 if day.weekday() >= 5 else 1.0)
            for project, share in GPU_POOL_USERS:
                hours = capacity * busy * share * rng.uniform(0.6, 1.4)
                writer.writerow([day.isoformat(), project, f"{hours:.1f}"])
            day += ONE_DAY
    return path


class _FleetBuilder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Tag styles are dealt from shuffled decks rather than drawn independently, so that
        # every seed gets close to the intended mix (about 8% of resource-days untagged).
        self.tag_decks: dict[bool, list[str]] = {True: [], False: []}

    def build(self) -> list[Resource]:
        fleet = list(self.endpoints())
        for index, (project, size) in enumerate(NOTEBOOKS, start=1):
            owner = PROJECTS[project][1]
            name = f"{owner.split('@')[0]}-{project}-nb-{index}"
            fleet.append(self.tagged(size, name, project, "dev", Usage.WEEKDAYS, 10))
        for project, size, nodes in TRAINING_NODES:
            for node in range(1, nodes + 1):
                name = f"{project}-train-{size.split('.')[0]}-{node}"
                fleet.append(self.tagged(size, name, project, "dev", Usage.BURST, 24))
        fleet += self.cpu_fleet()
        for project, suffix, terabytes in BUCKETS:
            gigabytes = round(terabytes * 1024 * self.rng.uniform(0.8, 1.2))
            name = f"acme-{project}-{suffix}"
            fleet.append(self.tagged("s3", name, project, "prod", Usage.MONTHLY, gigabytes))
        for sku, account, region, gigabytes in ACCOUNT_METERS:
            columns = SKUS[sku] | _account_columns(account) | _location_columns(region)
            fleet.append(Resource(columns, Usage.METERED, Decimal(gigabytes)))
        # Someone's GPU box with no tags at all: only its account (ml-research) says whose.
        sandbox_id = _arn("ec2", "us-east-1", "ml-research", self.instance_path())
        sandbox = _columns(
            "g5.4xlarge", "ml-research", "us-east-1b", sandbox_id, "research-sandbox"
        )
        fleet.append(Resource(sandbox, Usage.WEEKDAYS, Decimal(12)))
        return fleet

    def gpu_pool(self) -> Iterator[Resource]:
        team, owner, _model, region = PROJECTS[GPU_POOL_PROJECT]
        tags = {"project": GPU_POOL_PROJECT, "team": team, "owner": owner, "env": "prod"}
        account = _account_for(GPU_POOL_PROJECT, "prod")
        for size, nodes in GPU_POOL_NODES:
            for node in range(1, nodes + 1):
                name = f"{GPU_POOL_PROJECT}-{size.split('.')[0]}-{node}"
                resource_id = _arn("ec2", region, account, self.instance_path())
                columns = _columns(size, account, region + "b", resource_id, name, tags)
                yield Resource(columns, Usage.ALWAYS, Decimal(24))

    def endpoints(self) -> Iterator[Resource]:
        # Production inference is well run: always tagged the canonical way, with its model.
        for project, env, size, instances, covered in ENDPOINTS:
            team, owner, model, region = PROJECTS[project]
            account, name = _account_for(project, env), f"{model}-{env}"
            endpoint_id = _arn("sagemaker", region, account, f"endpoint/{name}")
            tags = {"project": project, "team": team, "owner": owner, "env": env, "model": model}
            columns = _columns(size, account, region, endpoint_id, name, tags)
            rate = Decimal(SKUS[size]["ListUnitPrice"]) * SAVINGS_PLAN_PRICE_RATIO
            hours = Decimal(24 * instances)
            yield Resource(
                columns, Usage.ALWAYS, hours, savings_plan_rate=rate if covered else None
            )

    def cpu_fleet(self) -> Iterator[Resource]:
        sizes, weights = zip(*CPU_TYPES, strict=True)
        for project, role, count, env in CPU_ROLES:
            for index in range(1, count + 1):
                name = f"{project}-{role}-{index}"
                size = self.rng.choices(sizes, weights)[0]
                instance = self.tagged(size, name, project, env, Usage.ALWAYS, 24)
                yield instance
                # A root disk, sometimes a data disk; launch templates copy the instance's tags.
                disks = [self.rng.randrange(30, 210, 10)]
                if self.rng.random() < 0.2:
                    disks.append(self.rng.randrange(100, 1100, 100))
                for disk, gigabytes in enumerate(disks):
                    columns = instance.columns | SKUS["gp3"]
                    path = f"volume/vol-0{self.rng.getrandbits(64):016x}"
                    zone, account = columns["AvailabilityZone"], columns["SubAccountName"]
                    columns["ResourceId"] = _arn("ec2", zone, account, path)
                    columns["ResourceName"] = f"{name}-disk-{disk}"
                    yield Resource(columns, Usage.PRORATED, Decimal(gigabytes))

    def tagged(
        self, sku: str, name: str, project: str, env: str, usage: Usage, quantity: int
    ) -> Resource:
        """An instance, notebook or bucket of `project`, tagged in one of the org's styles."""
        region = PROJECTS[project][3]
        account = _account_for(project, env)
        if usage is Usage.MONTHLY:
            location, resource_id = region, f"arn:aws:s3:::{name}"
        elif sku.startswith("ml."):
            location = region
            resource_id = _arn("sagemaker", region, account, f"notebook-instance/{name}")
        else:
            location = region + self.rng.choice("abc")
            resource_id = _arn("ec2", region, account, self.instance_path())
        tags = self.tags(project, env, account)
        columns = _columns(sku, account, location, resource_id, name, tags)
        return Resource(columns, usage, Decimal(quantity), burst_group=project)

    def tags(self, project: str, env: str, account: str) -> dict[str, str]:
        # Everything in ml-research names its project somehow, so that exactly one resource
        # there (the research sandbox) needs the account fallback rule.
        research = account == "ml-research"
        deck = self.tag_decks[research]
        if not deck:
            for style, (weight, keys) in TAG_STYLES.items():
                names_project = keys[0] is not None
                if names_project or not research:
                    deck += [style] * weight
            self.rng.shuffle(deck)
        style = deck.pop()
        team, owner, _model, _region = PROJECTS[project]
        values = (project, team, owner, env)
        if style == "title_case_values":
            values = (project.title(), team.title(), owner, env)
        return {key: value for key, value in zip(TAG_STYLES[style][1], values, strict=True) if key}

    def stalled_job(self) -> list[Resource]:
        nodes = []
        for project, size, count in INCIDENT_NODES:
            team, owner, _model, region = PROJECTS[project]
            account = _account_for(project, "dev")
            tags = {"project": project, "team": team, "owner": owner, "env": "dev"}
            for node in range(1, count + 1):
                name = f"{project}-train-{size.split('.')[0]}-stalled-{node}"
                resource_id = _arn("ec2", region, account, self.instance_path())
                columns = _columns(size, account, region + "a", resource_id, name, tags)
                nodes.append(Resource(columns, Usage.ALWAYS, Decimal(24)))
        return nodes

    def instance_path(self) -> str:
        return f"instance/i-0{self.rng.getrandbits(64):016x}"


def _columns(
    sku: str, account: str, location: str, resource_id: str, name: str, tags: dict | None = None
) -> dict[str, str]:
    """A resource's fixed columns; `location` is a zone ("us-east-1a") or a region."""
    resource = {"ResourceId": resource_id, "ResourceName": name, "Tags": _tags_text(tags or {})}
    return SKUS[sku] | _account_columns(account) | _location_columns(location) | resource


def _account_columns(account: str) -> dict[str, str]:
    return {"SubAccountId": SUB_ACCOUNTS[account], "SubAccountName": account}


def _location_columns(location: str) -> dict[str, str]:
    zonal = location[-1:].isalpha()
    region = location[:-1] if zonal else location
    zone = location if zonal else ""
    return {"RegionId": region, "RegionName": REGION_NAMES[region], "AvailabilityZone": zone}


def _account_for(project: str, env: str) -> str:
    if project == "platform":
        return "data-platform"
    return "ml-prod" if env == "prod" else "ml-research"


def _arn(service: str, location: str, account: str, path: str) -> str:
    region = _location_columns(location)["RegionId"]
    return f"arn:aws:{service}:{region}:{SUB_ACCOUNTS[account]}:{path}"


def _tags_text(tags: dict[str, str]) -> str:
    return json.dumps(tags, separators=(",", ":")) if tags else ""
