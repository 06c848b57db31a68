"""`/cost` with shared cost, end to end: the demo organisation's `platform` project is split
between fraud-detection and llm-chat (rule `platform`, even), and every answer says so."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo import start_demo
from bot.domain.shared.split import split_amount
from bot.settings import Settings
from storage.models import CostRollup, SharedCostRow
from tests.e2e.conftest import ADA, TODAY, SlackWorld, texts
from tests.shared_world import store_split

RECEIVERS = {"fraud-detection": Decimal(1), "llm-chat": Decimal(1)}


def split_platform(services) -> Decimal:
    """Share all of `platform`'s cost evenly between the receivers, as a re-split stores it;
    returns what was shared."""
    query = select(
        CostRollup.day, CostRollup.service_name, CostRollup.currency, CostRollup.effective_cost,
        CostRollup.billed_cost,
    ).where(CostRollup.dimension == "project", CostRollup.value == "platform")  # fmt: skip
    pieces: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    with Session(services.engine) as session:
        for day, service, currency, effective, billed in session.execute(query):
            pieces[(day, service, currency)][0] += effective
            pieces[(day, service, currency)][1] += billed
    rows = []
    for (day, service, currency), (effective, billed) in pieces.items():
        common = dict(
            day=day, dimension="project", origin="platform", service_name=service,
            currency=currency, rule="platform", method="even",
        )  # fmt: skip
        rows.append(
            SharedCostRow(
                **common, value="platform", effective_cost=-effective, billed_cost=-billed,
                role="out",
            )
        )  # fmt: skip
        shares, billed_shares = split_amount(effective, RECEIVERS), split_amount(billed, RECEIVERS)
        rows += [
            SharedCostRow(
                **common, value=name, effective_cost=shares[name],
                billed_cost=billed_shares[name], role="in",
            )
            for name in RECEIVERS
        ]  # fmt: skip
    store_split(services.engine, rows)
    return sum((e for e, _b in pieces.values()), Decimal(0))


@pytest.fixture(scope="module")
def shared_slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackWorld]:
    folder: Path = tmp_path_factory.mktemp("e2e-shared")
    settings = Settings(database_url=f"sqlite:///{folder / 'costbot.db'}", today=TODAY)
    demo = start_demo(settings=settings, data_dir=folder / "demo-data", port=0, days=60, seed=7)
    try:
        # The bot's first answers are cached; the re-split must show in the next ones.
        SlackWorld(demo).ask("project fraud-detection mtd")
        before = demo.services.cost_store.data_version()
        assert split_platform(demo.services) > 0
        assert demo.services.cost_store.data_version() != before
        yield SlackWorld(demo)
    finally:
        demo.stop()


def test_a_receiver_says_what_it_includes(shared_slack):
    shown = texts(shared_slack.ask("project fraud-detection mtd"))
    assert "Includes $" in shown and "shared: platform (even)" in shown, shown[:1500]


def test_the_giver_says_among_how_many(shared_slack):
    shown = texts(shared_slack.ask("project platform mtd"))
    assert "of its cost is shared among 2 projects by rule platform (even)" in shown


def test_direct_shows_direct_cost_and_says_so(shared_slack):
    message = shared_slack.ask("project fraud-detection mtd direct")
    shown = texts(message)
    assert message.ephemeral_to == ADA
    assert "Direct cost, as billed" in shown and "Includes $" not in shown
    # The share button repeats the same question: direct.
    buttons = [e for b in message.blocks for e in b.get("elements", []) if "value" in e]
    assert any("fraud-detection mtd direct" in e["value"] for e in buttons), buttons


def test_top_project_has_no_row_for_cost_shared_away(shared_slack):
    shown = texts(shared_slack.ask("top project mtd"))
    assert "of the total is shared cost, counted under the projects that received it" in shown
    assert "platform —" not in shown.replace("ml-platform", "")
    direct = texts(shared_slack.ask("top project mtd direct"))
    assert "platform —" in direct and "Direct cost, as billed" in direct


def test_help_names_the_direct_word(shared_slack):
    shown = texts(shared_slack.ask("help"))
    assert "`direct` after a cost or top question" in shown
