"""What a machine costs per hour, read from the organisation's own billing rows (SQLite and
PostgreSQL), ahead of the controller's price and the price table."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import sessionmaker

from bot.cloud.aws_ec2.prices import Ec2PriceTable
from bot.services.idle_ports import CloudInstance
from bot.services.idle_prices import OWN_SOURCE, PAID_SOURCE, ChainedPriceBook
from handlers.blocks.limits import SHORT_CHARS
from storage.repositories.paid_prices import SqlPaidPrices
from tests.helpers import FOCUS_HEADER, write_focus_csv

HEADER = [*FOCUS_HEADER, "ChargeCategory", "ConsumedQuantity", "ConsumedUnit"]
TODAY = date(2026, 11, 20)
SINCE = TODAY - timedelta(days=7)
ARN = "arn:aws:ec2:us-east-1:123456789012:instance/"


def _row(day: date, cost: str, resource: str, **fields: str) -> dict:
    return {
        "BilledCost": cost,
        "EffectiveCost": cost,
        "ListCost": cost,
        "ChargePeriodStart": f"{day.isoformat()}T00:00:00Z",
        "ChargePeriodEnd": f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z",
        "ResourceId": resource,
        "ChargeCategory": "Usage",
        **fields,
    }


def _ingest(store, tmp_path, rows, source="billing", name="paid.csv"):
    path = write_focus_csv(tmp_path / name, rows, HEADER)
    store.services.ingest.ingest([path], source=source)


def _paid(store) -> SqlPaidPrices:
    return SqlPaidPrices(sessionmaker(bind=store.services.engine))


def test_metered_hours_divide_the_cost_of_the_last_complete_days(store, tmp_path):
    rows = [
        _row(
            SINCE + timedelta(days=n),
            "24.144",
            f"{ARN}i-0gpu",
            ConsumedQuantity="24",
            ConsumedUnit="Hrs",
        )
        for n in range(7)
    ]
    # A day it ran 6 hours: its 6 hours' worth, at the same rate.
    rows[3] = _row(
        SINCE + timedelta(days=3), "6.036", f"{ARN}i-0gpu", ConsumedQuantity="6", ConsumedUnit="Hrs"
    )
    # Outside the window: the day before, and today (not complete yet).
    rows.append(
        _row(
            SINCE - timedelta(days=1),
            "999",
            f"{ARN}i-0gpu",
            ConsumedQuantity="24",
            ConsumedUnit="Hrs",
        )
    )
    rows.append(_row(TODAY, "999", f"{ARN}i-0gpu", ConsumedQuantity="1", ConsumedUnit="Hrs"))
    # Another instance whose id ends the same way is not this one.
    rows.append(_row(SINCE, "500", "i-0gpu-other", ConsumedQuantity="24", ConsumedUnit="Hrs"))
    rows.append(_row(SINCE, "500", "xi-0gpu", ConsumedQuantity="24", ConsumedUnit="Hrs"))
    _ingest(store, tmp_path, rows)

    assert _paid(store).paid_hourly("i-0gpu", SINCE, TODAY) == (Decimal("1.006000"), "USD")


def test_unmetered_rows_count_whole_days(store, tmp_path):
    rows = [_row(SINCE + timedelta(days=n), "48", "i-0plain") for n in range(2)]
    _ingest(store, tmp_path, rows)

    assert _paid(store).paid_hourly("i-0plain", SINCE, TODAY) == (Decimal("2.000000"), "USD")


def test_nothing_billed_is_none_and_two_sources_are_not_added_up(store, tmp_path):
    assert _paid(store).paid_hourly("i-0none", SINCE, TODAY) is None
    three_days = [_row(SINCE + timedelta(days=n), "24", "i-0twice") for n in range(3)]
    one_day = [_row(SINCE, "48", "i-0twice")]
    _ingest(store, tmp_path, three_days, source="focus")
    _ingest(store, tmp_path, one_day, source="cur", name="cur.csv")

    # The source that covers more days is read; its rows are never added to the other's.
    assert _paid(store).paid_hourly("i-0twice", SINCE, TODAY) == (Decimal("1.000000"), "USD")


def test_the_chain_prefers_what_was_paid_then_the_fleet_then_the_table(store, tmp_path):
    _ingest(
        store, tmp_path, [_row(SINCE, "12", "i-0paid", ConsumedQuantity="24", ConsumedUnit="Hrs")]
    )
    book = ChainedPriceBook(
        _paid(store),
        {"aws_ec2": Ec2PriceTable()},
        kinds={"gpu-fleet": "aws_ec2"},
        today=lambda: TODAY,
    )

    paid = book.price("aws_ec2", CloudInstance("i-0paid", "paid", "g5.xlarge", "running"))
    assert (paid.hourly, paid.currency, paid.source) == (Decimal("0.5"), "USD", PAID_SOURCE)
    assert PAID_SOURCE == "paid lately: last 7 days of billing"
    listed = book.price("aws_ec2", CloudInstance("i-0new", "new", "g5.xlarge", "running"))
    assert (listed.hourly, listed.source) == (
        Decimal("1.006"),
        "on-demand list price (price table)",
    )
    # A controller named otherwise finds its kind's table; a kind without one has no price.
    named = book.price("gpu-fleet", CloudInstance("i-0new", "new", "g5.xlarge", "running"))
    assert named.hourly == Decimal("1.006")
    assert (
        book.price("kubernetes", CloudInstance("ns/Deployment/x", "x", "g5.xlarge", "running"))
        is None
    )
    own = CloudInstance(
        "sim-1", "sim", "g5.xlarge", "running", hourly_cost=Decimal("3"), currency="EUR"
    )
    assert book.price("simulated", own).source == "the fleet's own price"
    assert book.price("aws_ec2", CloudInstance("i-0x", "x", "z9.huge", "running")) is None


def test_two_currencies_are_never_mixed_the_larger_is_told(store, tmp_path):
    rows = [
        _row(SINCE, "24", "i-0fx"),
        _row(SINCE, "2.4", "i-0fx", BillingCurrency="EUR"),
    ]
    _ingest(store, tmp_path, rows)

    assert _paid(store).paid_hourly("i-0fx", SINCE, TODAY) == (Decimal("1.000000"), "USD")


def test_every_price_source_fits_where_the_message_shows_it(tmp_path):
    path = tmp_path / "a-rather-long-name-for-our-negotiated-prices-2026.csv"
    path.write_text("instance_type,hourly,currency,gpus\ng5.xlarge,0.8,USD,1\n", encoding="utf-8")
    sources = [PAID_SOURCE, OWN_SOURCE, Ec2PriceTable().source("m5.large")]
    sources.append(Ec2PriceTable(path).source("g5.xlarge"))

    assert all(len(source) <= SHORT_CHARS for source in sources), sources
