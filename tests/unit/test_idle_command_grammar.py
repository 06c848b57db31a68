"""`/cost idle` and `/cost savings [PERIOD]` in the command grammar: parsed, written back,
refused with a message that says what to type, and listed in the help."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.command_grammar import (
    SUBCOMMANDS,
    CommandError,
    CostQuery,
    IdleQuery,
    SavingsQuery,
    command_text,
    parse_command,
)
from bot.domain.periods import parse_period
from handlers.blocks import HELP_COMMANDS, HELP_EXAMPLES, help_text

TODAY = date(2026, 12, 2)


def p(text: str):
    return parse_period(text, TODAY)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("idle", IdleQuery()),
        ("  IDLE ", IdleQuery()),
        ("savings", SavingsQuery(p("mtd"))),
        ("savings last-month", SavingsQuery(p("last-month"))),
        ("Saved 30d", SavingsQuery(p("30d"))),
        ("saving 2026-11", SavingsQuery(p("2026-11"))),
        ("savings 2026-11-01 .. 2026-11-15", SavingsQuery(p("2026-11-01..2026-11-15"))),
        # A project named like the new words is still reachable.
        ("project idle", CostQuery("project", "idle", p("mtd"))),
        ('"savings" 7d', CostQuery("project", "savings", p("7d"))),
    ],
)
def test_parse(text: str, query) -> None:
    assert parse_command(text, TODAY) == query


@pytest.mark.parametrize(
    "query", [IdleQuery(), SavingsQuery(p("mtd")), SavingsQuery(p("2026-11-01..2026-11-15"))]
)
def test_command_text_round_trips(query) -> None:
    assert parse_command(command_text(query), TODAY) == query


def test_command_text() -> None:
    assert command_text(IdleQuery()) == "idle"
    assert command_text(SavingsQuery(p("last-month"))) == "savings last-month"


def test_idle_takes_nothing_after_it() -> None:
    with pytest.raises(CommandError, match="takes nothing after it") as caught:
        parse_command("idle gpu-1", TODAY)
    assert "`/cost project idle`" in str(caught.value)


def test_a_bad_savings_period_says_what_to_type() -> None:
    with pytest.raises(CommandError) as caught:
        parse_command("savings forever", TODAY)
    message = str(caught.value)
    assert 'Unknown period "forever"' in message
    assert "`/cost savings last-month`" in message


def test_the_help_lists_both() -> None:
    names = [s.name for s in SUBCOMMANDS]
    assert names.index("idle") < names.index("savings") < names.index("status")
    assert ("/cost idle", "idle machines and the stop proposals waiting for a decision") in (
        HELP_COMMANDS
    )
    assert ("/cost savings [period]", "what stopping idle machines saved") in HELP_COMMANDS
    assert "/cost savings last-month" in HELP_EXAMPLES
    assert "/cost idle" in help_text()
