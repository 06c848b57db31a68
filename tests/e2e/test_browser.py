"""The sandbox page in a real (headless) Chromium: type `/cost`, read the answer, share it.

Drives the page as a person would and asserts only on what they see. Screenshots of the
result go to docs/ with COSTBOT_UPDATE_SCREENSHOTS=1 (the README shows them).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.cloud.simulated import simulated_fleet
from bot.cloud.simulated.demo_fleet import STALLED_ID
from bot.demo import start_demo
from bot.sandbox import BackgroundServer, SandboxServer
from bot.settings import Settings
from tests.e2e.conftest import CHANNEL, TODAY, SlackWorld
from tests.sandbox.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.sandbox.modal_bot import build_app, post_delete_button

DOCS = Path(__file__).resolve().parents[2] / "docs"
WAIT = 15_000  # ms: the longest any step may take
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ONLY_YOU = "Only visible to you"
DOLLARS = re.compile(r"\$\s?\d[\d,]*(\.\d+)?")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        reason = "chromium is not installed (`make test` installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT)
    page = context.new_page()
    yield page
    context.close()


def messages(page: Page) -> Locator:
    return page.locator("#messages > li.message")


def open_fraud_detection(page: Page, world) -> int:
    """Open the page, pick #fraud-detection; how many messages it showed once loaded.

    A live demo may post an alert at any moment, so the page may show more than the sandbox
    held when it was asked: at least that many, never fewer.
    """
    world.settle()  # earlier tests' answers have all arrived: ours will be the next one
    page.goto(world.demo.url)
    page.get_by_role("button", name="# fraud-detection").click()
    expect(page.get_by_role("heading", name="#fraud-detection")).to_be_visible()
    shown = len(world.state.messages(CHANNEL, visible_to=world.state.sandbox_user_id))
    if shown:
        expect(messages(page).nth(shown - 1)).to_be_attached(timeout=WAIT)
    return messages(page).count()


def ask(page: Page, world, text: str) -> Locator:
    """Type a slash command in the composer, press Enter: the private answer that appears.

    Counted among the private messages only: an alert the schedule posts meanwhile is not it.
    """
    open_fraud_detection(page, world)
    private = messages(page).filter(has_text=ONLY_YOU)
    before = private.count()
    composer = page.locator("#composer-input")
    composer.fill(text)
    composer.press("Enter")
    expect(composer).to_have_value("")
    expect(private).to_have_count(before + 1, timeout=WAIT)
    return private.last


def screenshot(page: Page, name: str) -> None:
    """Save what the page shows; into docs/ only when asked (COSTBOT_UPDATE_SCREENSHOTS=1)."""
    folder = DOCS if os.environ.get("COSTBOT_UPDATE_SCREENSHOTS") else Path(tempfile.gettempdir())
    page.screenshot(path=folder / name)


def test_top_projects_answer_then_share_it_in_the_channel(world, page):
    answer = ask(page, world, "/cost top project")

    expect(answer).to_contain_text(ONLY_YOU)
    for project in ("fraud-detection", "llm-chat", "(unallocated)"):
        expect(answer).to_contain_text(project)
    shared = messages(page).filter(has_text="Shared by").filter(has_not_text=ONLY_YOU)
    shared_before = shared.count()

    answer.get_by_role("button", name="Share in channel").click()

    expect(shared).to_have_count(shared_before + 1, timeout=WAIT)
    mine = shared.last
    expect(mine).to_be_visible()
    expect(mine).to_contain_text("llm-chat")
    expect(mine).to_contain_text("(unallocated)")
    expect(mine.get_by_role("button", name="Share in channel")).to_have_count(0)

    world.settle()  # the bot's confirmation too, so the screenshot shows the final page
    final = len(world.state.messages(CHANNEL, visible_to=world.state.sandbox_user_id))
    expect(messages(page)).to_have_count(final, timeout=WAIT)
    mine.scroll_into_view_if_needed()
    screenshot(page, "sandbox-cost-top-project.png")


def test_project_cost_answer_shows_a_dollar_total(world, page):
    answer = ask(page, world, "/cost fraud-detection")

    expect(answer).to_contain_text(ONLY_YOU)
    expect(answer).to_contain_text("fraud-detection")
    expect(answer).to_contain_text(DOLLARS)
    screenshot(page, "sandbox-fraud-detection.png")


def test_a_project_answer_says_how_much_shared_cost_it_includes_and_direct_leaves_it_out(
    world, page
):
    answer = ask(page, world, "/cost project recsys")

    expect(answer).to_contain_text("Includes $")
    expect(answer).to_contain_text("platform (proportional)")
    expect(answer).to_contain_text("gpu-pool (")
    expect(answer).to_contain_text("usage: GPU hours")
    screenshot(page, "sandbox-shared-cost.png")

    giver = ask(page, world, "/cost project gpu-pool")
    expect(giver).to_contain_text("of its cost is shared among 4 projects by rule gpu-pool")

    direct = ask(page, world, "/cost project recsys direct")
    expect(direct).to_contain_text("Direct cost, as billed: no shared cost is split in or out.")
    expect(direct).not_to_contain_text("Includes $")


def test_the_key_leaves_the_address_bar_and_a_reload_keeps_working(world, page):
    open_fraud_detection(page, world)
    assert "key=" not in page.url  # a copied link does not carry the key
    page.reload()
    page.get_by_role("button", name="# fraud-detection").click()
    expect(page.get_by_role("heading", name="#fraud-detection")).to_be_visible()
    expect(page.locator("#notice")).to_be_hidden()


def test_without_the_key_the_page_says_which_url_to_open(world, page):
    page.goto(world.demo.sandbox.url + "/")
    expect(page.locator("#notice")).to_contain_text("open the URL that costbot demo printed")


def open_channel(page: Page, world, name: str) -> None:
    world.settle()
    page.goto(world.demo.url)
    page.get_by_role("button", name=f"# {name}").click()
    expect(page.get_by_role("heading", name=f"#{name}")).to_be_visible()


def posted_with(world, channel: str, text: str) -> list:
    """The channel's messages (visible to all) whose text holds `text`."""
    return [m for m in world.state.messages(channel) if m.ephemeral_to is None and text in m.text]


def test_the_demo_alerts_arrive_once_each_in_their_team_channels(world, page):
    for channel, name, what in (
        ("C0FRAUDDT1", "fraud-detection", "Budget alert"),
        ("C0MLPLATF1", "ml-platform", "Forecast alert"),
        ("C0RECSYS01", "recsys", "Cost anomaly"),
        ("C0COSTS001", "cloud-costs", "Daily digest"),
    ):
        assert len(posted_with(world, channel, what)) == 1, (name, what)
        open_channel(page, world, name)
        expect(messages(page).filter(has_text=what)).to_have_count(1)
    digest = messages(page).filter(has_text="Daily digest")
    expect(digest.locator("img")).to_have_count(1)  # the digest's chart
    expect(digest).to_contain_text("project numbers include")  # their shared part
    open_channel(page, world, "recsys")
    spike = messages(page).filter(has_text="Cost anomaly")
    expect(spike).to_contain_text("recsys-train-p4d-stalled")  # its drivers, by resource
    expect(spike).to_contain_text("The day's cost includes")  # and its shared part
    spike.scroll_into_view_if_needed()
    screenshot(page, "sandbox-anomaly-alert.png")
    open_channel(page, world, "ml-platform")
    forecast = messages(page).filter(has_text="Forecast alert")
    expect(forecast).to_contain_text("projected")
    expect(forecast).to_contain_text("weekdays at")  # how the projection was computed


def test_an_alert_is_acknowledged_in_place_and_its_breakdown_is_private(world, page):
    open_channel(page, world, "fraud-detection")
    alert = messages(page).filter(has_text="Budget alert")
    expect(alert).to_contain_text("past the 50% threshold")
    alert.get_by_role("button", name="Show breakdown").click()
    private = messages(page).filter(has_text=ONLY_YOU).filter(has_text="fraud-detection")
    expect(private.last).to_contain_text(DOLLARS)
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("Acknowledged by")
    alert.get_by_role("button", name="Snooze 7 days").click()
    expect(alert).to_contain_text("Snoozed by")
    alert.scroll_into_view_if_needed()
    screenshot(page, "sandbox-budget-alert.png")


def test_a_budget_is_edited_in_its_modal(world, page):
    open_channel(page, world, "ml-platform")
    composer = page.locator("#composer-input")
    composer.fill("/cost budget")
    composer.press("Enter")
    listing = messages(page).filter(has_text="forecast over budget").last
    expect(listing).to_contain_text("project llm-chat")
    listing.get_by_role("button", name="Edit").first.click()
    modal = page.get_by_role("dialog", name="Edit budget")
    expect(modal).to_be_visible()
    amount = modal.locator(".modal-input").filter(has_text="Amount").locator("input")
    amount.fill("no money")
    modal.get_by_role("button", name="Save").click()
    expect(modal.locator(".modal-error").filter(has_text=re.compile(r"\S"))).to_have_count(1)
    amount.fill("25,000")
    modal.get_by_role("button", name="Save").click()
    expect(modal).to_be_hidden()
    expect(messages(page).last).to_contain_text("$25,000.00")


def test_the_idle_proposal_is_refused_for_ben_and_stops_the_machine_for_ada(world, page):
    fleet = simulated_fleet("simulated")  # the demo's fleet, in this process
    open_channel(page, world, "recsys")
    proposal = (
        messages(page).filter(has_text="recsys-train-p4d-stalled-1").filter(has_text="Approve stop")
    )
    expect(proposal).to_have_count(1)
    expect(proposal).to_contain_text("stop it?")
    expect(proposal).to_contain_text("p4d.24xlarge")
    expect(proposal).to_contain_text("$786.54/day")
    # The machine the cost anomaly above names, by its instance id.
    expect(messages(page).filter(has_text="Cost anomaly")).to_contain_text(STALLED_ID)
    expect(proposal).to_contain_text(STALLED_ID)
    proposal.scroll_into_view_if_needed()
    screenshot(page, "sandbox-idle-proposal.png")

    # Ben is neither the owner nor an approver: refused privately, nothing happens.
    page.locator("#user-select").select_option(label="Ben Okafor")
    expect(page.get_by_role("heading", name="#recsys")).to_be_visible()
    proposal.get_by_role("button", name="Approve stop").click()
    dialog = page.get_by_role("alertdialog", name="Stop this machine?")
    expect(dialog).to_contain_text("recsys-train-p4d-stalled-1")
    dialog.get_by_role("button", name="Stop it").click()
    refusal = messages(page).filter(has_text=ONLY_YOU).filter(has_text="not authorised")
    expect(refusal).to_have_count(1)
    expect(refusal).to_contain_text("Nothing was changed")
    expect(proposal).to_contain_text("stop it?")
    assert fleet.stop_calls == 0 and fleet.state(STALLED_ID) == "running"

    # Ada approves: the machine stops and the message, rewritten in place, says so.
    page.locator("#user-select").select_option(label="Ada Park")
    stopped = (
        messages(page).filter(has_text="recsys-train-p4d-stalled-1").filter(has_text="Stopped at")
    )
    proposal.get_by_role("button", name="Approve stop").click()
    dialog.get_by_role("button", name="Stop it").click()
    expect(stopped).to_have_count(1)
    expect(stopped).to_contain_text("approved by")
    expect(stopped).to_contain_text("Saves about $786.54/day")
    expect(stopped.get_by_role("button", name="Start again")).to_be_visible()
    expect(stopped.get_by_role("button", name="Approve stop")).to_have_count(0)
    assert fleet.state(STALLED_ID) == "stopped" and fleet.stop_calls == 1


@pytest.fixture(scope="module")
def live_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackWorld]:
    """A demo that starts four days behind and whose source adds a day every 10 s."""
    folder = tmp_path_factory.mktemp("live-demo")
    settings = Settings(database_url=f"sqlite:///{folder / 'costbot.db'}", today=TODAY)
    demo = start_demo(
        settings=settings,
        data_dir=folder / "demo-data",
        port=0,
        days=14,
        seed=7,
        behind_days=4,
        advance_seconds=10,
    )
    yield SlackWorld(demo)
    demo.stop()


def test_the_demo_source_advances_and_cost_status_says_so(live_world, page):
    first = ask(page, live_world, "/cost status")
    expect(first).to_contain_text("demo (demo): ok")
    expect(first).to_contain_text("behind")  # until the schedule catches up
    expect(first).to_contain_text("next run")
    today = f"data through {TODAY} (today)"
    deadline = time.monotonic() + 60
    latest = first
    while time.monotonic() < deadline and today not in latest.inner_text():
        time.sleep(2)
        latest = ask(page, live_world, "/cost status")
    expect(latest).to_contain_text(today)
    latest.scroll_into_view_if_needed()
    screenshot(page, "sandbox-cost-status.png")


@pytest.fixture
def modal_world() -> Iterator[tuple[SandboxServer, list[dict]]]:
    """The sandbox with a tiny Bolt app that opens a budget modal (tests/sandbox/modal_bot.py)."""
    received: list[dict] = []
    sandbox = SandboxServer(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET)
    with sandbox, BackgroundServer(SlackRequestHandler(build_app(sandbox, received))) as bot:
        sandbox.bot_url = f"{bot.url}/slack/events"
        yield sandbox, received


def test_a_modal_shows_errors_under_its_inputs_then_closes(modal_world, page):
    sandbox, received = modal_world
    page.goto(sandbox.page_url)
    page.get_by_role("button", name="# research").click()
    expect(page.locator("#subtitle")).to_have_text("costbot is not a member")
    page.get_by_role("button", name="# cloud-costs").click()
    composer = page.locator("#composer-input")
    composer.fill("/cost budget")
    composer.press("Enter")
    modal = page.get_by_role("dialog", name="Set a budget")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("Editors: @budget-editors")
    expect(modal.locator("textarea")).to_have_value("Q3")

    modal.get_by_role("button", name="Save").click()
    expect(modal.locator(".modal-error").filter(has_text="required")).to_have_count(2)
    amount = modal.locator(".modal-input").filter(has_text="amount").locator("input")
    amount.fill("-5")
    modal.get_by_label("Eur").check()
    modal.get_by_role("button", name="Save").click()
    expect(modal).to_contain_text("A budget cannot be negative")
    expect(amount).to_have_value("-5")  # what was typed stays
    screenshot(page, "sandbox-budget-modal.png")

    amount.fill("1200")
    modal.locator(".modal-input").filter(has_text="people").locator("select").select_option(
        label="Ben Okafor"
    )
    modal.get_by_role("button", name="Save").click()
    expect(modal).to_be_hidden()
    values = received[-1]["view"]["state"]["values"]
    assert values["amount"]["value"]["value"] == "1200"
    assert values["currency"]["value"]["selected_option"]["value"] == "eur"
    assert values["people"]["value"]["selected_users"] == ["U0SANDBOX2"]


def test_a_confirm_dialog_sends_nothing_until_confirmed(modal_world, page):
    sandbox, received = modal_world
    post_delete_button(sandbox.api_url)
    page.goto(sandbox.page_url)
    page.get_by_role("button", name="# cloud-costs").click()
    page.locator("#messages").get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("alertdialog", name="Delete the budget?")
    expect(dialog).to_contain_text("fraud-detection loses its monthly budget.")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    assert received == []
    page.locator("#messages").get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(messages(page).last).to_contain_text("Budget deleted")
    assert [body["type"] for body in received] == ["block_actions"]
