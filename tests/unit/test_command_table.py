"""The one table of `/cost` subcommands: the parser, help, round-trip text and dispatch agree."""

from __future__ import annotations

import typing
from collections import Counter
from datetime import date

import pytest

from bot.domain.command_grammar import SUBCOMMANDS, Query, command_text, parse_command
from handlers.blocks import build_help_blocks, help_text, to_payload
from handlers.commands.table import ANSWERS

TODAY = date(2026, 11, 27)


def test_every_subcommand_has_an_answer_and_every_answer_a_subcommand() -> None:
    assert set(ANSWERS) == {subcommand.query for subcommand in SUBCOMMANDS}


def test_every_query_type_is_one_subcommand() -> None:
    queries = [subcommand.query for subcommand in SUBCOMMANDS]
    assert len(queries) == len(set(queries))
    assert set(typing.get_args(Query)) == set(queries)


def test_no_word_starts_two_subcommands() -> None:
    counts = Counter(word for subcommand in SUBCOMMANDS for word in subcommand.words)
    assert [word for word, count in counts.items() if count > 1] == []
    for subcommand in SUBCOMMANDS:
        assert set(subcommand.known_words) <= subcommand.words, subcommand.name
        assert all(word == word.lower() for word in subcommand.words), subcommand.name


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_each_example_asks_its_own_subcommand_and_reads_back(subcommand) -> None:
    query = parse_command(subcommand.example.removeprefix("/cost "), TODAY)
    assert type(query) is subcommand.query
    assert parse_command(command_text(query), TODAY) == query


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_each_usage_starts_with_one_of_its_words(subcommand) -> None:
    first = subcommand.usage.removeprefix("/cost ").split()[0]
    assert first in subcommand.words or first.startswith("<"), subcommand.usage


def test_help_lists_every_subcommand_with_its_example() -> None:
    blocks = str(to_payload(build_help_blocks()))
    fallback = help_text()
    for subcommand in SUBCOMMANDS:
        usage = subcommand.usage.replace("<", "&lt;").replace(">", "&gt;")
        assert usage in blocks, subcommand.name
        assert subcommand.summary in blocks, subcommand.name
        assert f"`{subcommand.example}`" in blocks, subcommand.name
        assert subcommand.example in fallback, subcommand.name
