"""Tests for parsing the text typed after the Slack slash command `/cost`."""

from __future__ import annotations

import ast
import re
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain import command_grammar
from bot.domain.allocation import DIMENSIONS, UNALLOCATED
from bot.domain.command_grammar import (
    MAX_COMMAND_CHARS,
    MAX_NAME_CHARS,
    CommandError,
    CostQuery,
    HelpQuery,
    Query,
    StatusQuery,
    TopQuery,
    TrendQuery,
    UntaggedQuery,
    command_text,
    parse_command,
)
from bot.domain.periods import VALID_PERIOD_FORMS, Period, parse_period

TODAY = date(2024, 9, 15)
ALL_FORMS = ", ".join(VALID_PERIOD_FORMS)


def p(text: str) -> Period:
    """The period `text` names on TODAY."""
    return parse_period(text, TODAY)


MTD = p("mtd")


def parse(text: str | None) -> Query:
    return parse_command(text, TODAY)


def error_for(text: str) -> str:
    """The CommandError message `text` gives; fails the test if it parses."""
    with pytest.raises(CommandError) as caught:
        parse(text)
    return str(caught.value)


def suggested_commands(message: str) -> list[str]:
    """Every `/cost ...` example in a message, without the `/cost ` prefix."""
    return [match.removeprefix("/cost").strip() for match in re.findall(r"`(/cost[^`]*)`", message)]


# --- every form, with and without a period ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("project fraud-detection", CostQuery("project", "fraud-detection", MTD)),
        ("project fraud-detection 7d", CostQuery("project", "fraud-detection", p("7d"))),
        ("team risk last-month", CostQuery("team", "risk", p("last-month"))),
        ("team risk", CostQuery("team", "risk", MTD)),
        ("owner alice@example.com ytd", CostQuery("owner", "alice@example.com", p("ytd"))),
        ("model fraud-xgb 2024-08", CostQuery("model", "fraud-xgb", p("2024-08"))),
        ("environment prod today", CostQuery("environment", "prod", p("today"))),
        ("service AmazonEC2 yesterday", CostQuery("service", "AmazonEC2", p("yesterday"))),
        ("account 123456789012 90d", CostQuery("account", "123456789012", p("90d"))),
        ("region us-east-1", CostQuery("region", "us-east-1", MTD)),
        ("resource i-0abc123", CostQuery("resource", "i-0abc123", MTD)),
        (
            "project x 2024-09-01..2024-09-10",
            CostQuery("project", "x", p("2024-09-01..2024-09-10")),
        ),
        (
            "project x 2024-09-01 .. 2024-09-10",
            CostQuery("project", "x", p("2024-09-01..2024-09-10")),
        ),
        (
            "project x 2024-09-01 ..2024-09-10",
            CostQuery("project", "x", p("2024-09-01..2024-09-10")),
        ),
        ("top project", TopQuery("project", MTD)),
        ("top team 30d", TopQuery("team", p("30d"))),
        ("top region 2024-09-01 .. 2024-09-03", TopQuery("region", p("2024-09-01..2024-09-03"))),
        ("untagged", UntaggedQuery(MTD)),
        ("untagged last-month", UntaggedQuery(p("last-month"))),
        ("unallocated 7d", UntaggedQuery(p("7d"))),
        ("trend project fraud-detection", TrendQuery("project", "fraud-detection", MTD)),
        ("trend model fraud-xgb 30d", TrendQuery("model", "fraud-xgb", p("30d"))),
        ("trends team risk", TrendQuery("team", "risk", MTD)),
        ("status", StatusQuery()),
    ],
)
def test_every_form_parses(text: str, expected: Query) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text", [None, "", "   ", "\t\n", "help", "HELP", "?", "-h", "--help", "help top", "\x00"]
)
def test_help_forms_ask_for_help_with_no_reason(text: str | None) -> None:
    query = parse(text)
    assert isinstance(query, HelpQuery)
    assert query.reason is None


# --- aliases, case and whitespace ------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "dimension"),
    [
        ("projects", "project"),
        ("teams", "team"),
        ("owners", "owner"),
        ("models", "model"),
        ("env", "environment"),
        ("envs", "environment"),
        ("environments", "environment"),
        ("services", "service"),
        ("accounts", "account"),
        ("regions", "region"),
        ("resources", "resource"),
        *((dimension, dimension) for dimension in DIMENSIONS),
    ],
)
def test_dimension_aliases(word: str, dimension: str) -> None:
    assert parse(f"{word} x 7d") == CostQuery(dimension, "x", p("7d"))
    assert parse(f"top {word}") == TopQuery(dimension, MTD)
    assert parse(f"trend {word} x") == TrendQuery(dimension, "x", MTD)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TOP Project MTD", TopQuery("project", MTD)),
        ("Top TEAMS Last-Month", TopQuery("team", p("last-month"))),
        ("PROJECT Fraud-Detection 7D", CostQuery("project", "Fraud-Detection", p("7d"))),
        ("Env prod", CostQuery("environment", "prod", MTD)),
        ("UNTAGGED YTD", UntaggedQuery(p("ytd"))),
        ("Trend Model m", TrendQuery("model", "m", MTD)),
        ("STATUS", StatusQuery()),
    ],
)
def test_keywords_and_dimensions_ignore_case_but_names_keep_it(text: str, expected: Query) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "  top   project   7d  ",
        "\ttop\tproject\t7d\t",
        "top\n project \r\n7d",
        "top\u00a0project\u20037d",  # non-breaking and em spaces, as Slack clients may send
        "top\u200b project 7d",  # a zero-width space is dropped
    ],
)
def test_extra_whitespace_is_ignored(text: str) -> None:
    assert parse(text) == TopQuery("project", p("7d"))


# --- bare project names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fraud-detection", CostQuery("project", "fraud-detection", MTD)),
        ("fraud-detection last-month", CostQuery("project", "fraud-detection", p("last-month"))),
        ("ml_platform 7d", CostQuery("project", "ml_platform", p("7d"))),
        ("r&d 2024-08", CostQuery("project", "r&d", p("2024-08"))),
        ("données", CostQuery("project", "données", MTD)),
        ("a.b/c:d@e+f", CostQuery("project", "a.b/c:d@e+f", MTD)),
        ("x 2024-09-01 .. 2024-09-02", CostQuery("project", "x", p("2024-09-01..2024-09-02"))),
        ('"fraud detection"', CostQuery("project", "fraud detection", MTD)),
        ('"fraud detection" 7d', CostQuery("project", "fraud detection", p("7d"))),
        ('"top"', CostQuery("project", "top", MTD)),  # quotes make a keyword a name
        ('"7d" 7d', CostQuery("project", "7d", p("7d"))),
        ("<@U123|alice> 7d", CostQuery("owner", "alice", p("7d"))),
        ("<mailto:a@b.com|a@b.com>", CostQuery("owner", "a@b.com", MTD)),
    ],
)
def test_bare_names(text: str, expected: Query) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "blah blah blah blah",
        "what does fraud detection cost",
        "🤑",
        "💸 project",
        "x; DROP TABLE y",
        "(unallocated)",
        "-x",
        "--verbose",
        "#general",
        "7d",
        "MTD",
        "2024-09",
        "2024-09-01 .. 2024-09-30",
        "mtd fraud-detection",
        "<>",
    ],
)
def test_text_that_is_not_a_command_or_a_name_shows_help_with_a_reason(text: str) -> None:
    query = parse(text)
    assert isinstance(query, HelpQuery)
    assert query.reason


def test_a_period_alone_explains_what_is_missing() -> None:
    query = parse("7d")
    assert isinstance(query, HelpQuery)
    assert query.reason is not None
    assert "`/cost top project 7d`" in query.reason


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("projet fraud", "project fraud"),
        ("tpo project 7d", "top project 7d"),
        ("tema risk", "team risk"),
        ("untaged last-month extra", "untagged last-month extra"),
    ],
)
def test_a_misspelt_keyword_suggests_the_right_one(text: str, suggestion: str) -> None:
    message = error_for(text)
    assert "Did you mean" in message
    assert f"`/cost {suggestion}`" in message


def test_a_bare_name_with_one_bad_word_after_it_is_a_period_error() -> None:
    message = error_for("fraud detection")
    assert 'Unknown period "detection".' in message
    assert ALL_FORMS in message
    assert '`/cost project "fraud detection" mtd`' in message


# --- quoted names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "period"),
    [
        ('service "Amazon Elastic Compute Cloud"', "Amazon Elastic Compute Cloud", "mtd"),
        ('service "Amazon Elastic Compute Cloud" 7d', "Amazon Elastic Compute Cloud", "7d"),
        ("service 'Amazon EC2' last-month", "Amazon EC2", "last-month"),
        ("service “Amazon EC2” last-month", "Amazon EC2", "last-month"),
        ("service ‘Amazon EC2’", "Amazon EC2", "mtd"),
        ('service “Amazon EC2"', "Amazon EC2", "mtd"),  # mixed straight and curly
        ('service "Amazon EC2”', "Amazon EC2", "mtd"),
        ('service "  Amazon   EC2  "', "Amazon EC2", "mtd"),
        ('service "Amazon\tEC2"', "Amazon EC2", "mtd"),
        ("service 'bob's team' 7d", "bob's team", "7d"),
        ("service ‘bob’s team’ 7d", "bob’s team", "7d"),
        ('service "the "best" one" 7d', 'the "best" one', "7d"),
        ('service "it\'s" 7d', "it's", "7d"),
        ("service bob's", "bob's", "mtd"),
        ('service "ec2"', "ec2", "mtd"),
        ('service "7d"', "7d", "mtd"),  # quoted: a name, even if it looks like a period
        ("service \"top\" 'mtd'", "top", "mtd"),
    ],
)
def test_quoted_names(text: str, name: str, period: str) -> None:
    assert parse(text) == CostQuery("service", name, p(period))


def test_quoted_name_in_trend() -> None:
    assert parse('trend service "Amazon EC2" 30d') == TrendQuery("service", "Amazon EC2", p("30d"))


@pytest.mark.parametrize(
    "text",
    ['service "Amazon EC2', "service 'Amazon EC2", "service “Amazon EC2", "'; DROP TABLE x; --"],
)
def test_an_unclosed_quote_is_an_error_with_an_example(text: str) -> None:
    message = error_for(text)
    assert "quote is not closed" in message
    assert '`/cost service "Amazon Elastic Compute Cloud" mtd`' in message


# --- bad periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("project fraud lastmonth", 'Unknown period "lastmonth".'),
        ("project fraud last month", 'Unknown period "last month".'),
        ("project fraud 2024-13", 'Invalid month "2024-13".'),
        ("project fraud 0d", 'Number of days in "0d" must be from 1 to 3660.'),
        ("project fraud 2024-09-30 .. 2024-09-01", "Period start 2024-09-30 is after end"),
        ("top project weekly", 'Unknown period "weekly".'),
        ("untagged forever", 'Unknown period "forever".'),
        ("trend model m 7 d", 'Unknown period "7 d".'),
        ("fraud 2024-02-30..2024-03-01", 'Invalid date "2024-02-30".'),
    ],
)
def test_a_bad_period_is_an_error_listing_the_valid_forms(text: str, reason: str) -> None:
    message = error_for(text)
    assert reason in message
    assert f"Use one of: {ALL_FORMS}." in message


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("service Amazon EC2", 'service "Amazon EC2" mtd'),
        ("service Amazon Elastic Compute Cloud 7d", 'service "Amazon Elastic Compute Cloud" 7d'),
        (
            "project fraud detection 2024-09-01 .. 2024-09-02",
            'project "fraud detection" 2024-09-01..2024-09-02',
        ),
        ("trend team ml platform", 'trend team "ml platform" mtd'),
    ],
)
def test_an_unquoted_name_with_spaces_is_told_to_use_quotes(text: str, suggestion: str) -> None:
    message = error_for(text)
    assert f"Use one of: {ALL_FORMS}." in message
    assert f"put the whole name in quotes: `/cost {suggestion}`" in message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("service 'a b' x'y", 'Unknown period "x\'y".'),  # a quote inside a word closes nothing
        ('service "a b" x"y z', 'Unknown period "x"y z".'),
    ],
)
def test_only_a_quote_that_ends_a_word_closes_a_name(text: str, reason: str) -> None:
    assert reason in error_for(text)


def test_a_quoted_trailing_word_that_is_no_period_is_not_silently_dropped() -> None:
    message = error_for('service Amazon "EC2"')
    assert 'Unknown period "EC2".' in message


@pytest.mark.parametrize("text", ["project mtd", "team 7d", "trend model 30d", "region 2024-09"])
def test_a_dimension_followed_only_by_a_period_is_an_error(text: str) -> None:
    message = error_for(text)
    assert "is a period" in message
    assert "/cost top " in message


# --- Slack mentions, links and escaping ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("owner <@U123|alice>", CostQuery("owner", "alice", MTD)),
        ("owner <@U123|alice> 7d", CostQuery("owner", "alice", p("7d"))),
        ("owner <@U123>", CostQuery("owner", "U123", MTD)),
        ("owner <mailto:a@b.com|a@b.com>", CostQuery("owner", "a@b.com", MTD)),
        ("owner <mailto:a@b.com>", CostQuery("owner", "a@b.com", MTD)),
        ("owner <@U123|alice smith> ytd", CostQuery("owner", "alice smith", p("ytd"))),
        ("trend owner <@W9|bob> 30d", TrendQuery("owner", "bob", p("30d"))),
        ("team <#C123|ml-platform>", CostQuery("team", "ml-platform", MTD)),
        ("team <!subteam^S1|@ml-team>", CostQuery("team", "ml-team", MTD)),
        ("project R&amp;D", CostQuery("project", "R&D", MTD)),
        ("project a&lt;b&gt;c", CostQuery("project", "a<b>c", MTD)),
        ("project a&amp;lt;b", CostQuery("project", "a&lt;b", MTD)),
        ('owner "<mailto:a@b.com|a@b.com>"', CostQuery("owner", "a@b.com", MTD)),
    ],
)
def test_slack_escapes_are_undone(text: str, expected: Query) -> None:
    assert parse(text) == expected


def test_user_text_in_messages_cannot_mention_anyone() -> None:
    # Typed "<!channel>" arrives escaped; echoed back raw it would notify the whole channel.
    query = parse("&lt;!channel&gt; what")
    assert isinstance(query, HelpQuery)
    assert query.reason is not None
    assert "<" not in query.reason
    assert "&lt;!channel&gt;" in query.reason
    assert "<" not in error_for("project x &lt;!here&gt;")


# --- limits and odd input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x" * (MAX_COMMAND_CHARS + 1),
        "project " + "x" * 5000,
        "help " + " " * 10_000,
        "&amp;" * 10_000,
    ],
)
def test_too_long_text_is_an_error(text: str) -> None:
    message = error_for(text)
    assert "too long" in message
    assert str(MAX_COMMAND_CHARS) in message


def test_text_of_exactly_the_limit_is_accepted() -> None:
    text = "project " + "x" * (MAX_COMMAND_CHARS - len("project "))
    query = parse(text)
    assert query == CostQuery("project", "x" * MAX_NAME_CHARS, MTD)


def test_slack_escaping_does_not_count_against_the_limit() -> None:
    name = "&" * MAX_NAME_CHARS
    assert parse(f'project "{"&amp;" * MAX_NAME_CHARS}"') == CostQuery("project", name, MTD)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("project fraud\x00detection", "frauddetection"),
        ("project \x07fraud\x1b[31m", "fraud[31m"),
        ('project "a\x00 b\u200b c\ufeff"', "a b c"),
        ("project \u202efraud", "fraud"),
        ("project \x7f\x85x", "x"),
    ],
)
def test_control_characters_are_removed(text: str, name: str) -> None:
    assert parse(text) == CostQuery("project", name, MTD)


def test_long_names_are_cut() -> None:
    query = parse(f'project "{"a b " * 100}"')
    assert isinstance(query, CostQuery)
    assert len(query.name) == MAX_NAME_CHARS - 1  # cut at 200, then the trailing space trimmed
    assert query.name == ("a b " * 100)[:MAX_NAME_CHARS].rstrip()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("project", "`/cost project fraud-detection mtd`"),
        ("teams", "`/cost top team mtd`"),
        ('project ""', "name is empty"),
        ('project "\x00 "', "name is empty"),
        ('""', "name is empty"),
        ("top", "`/cost top project mtd`"),
        ("top mtd", "`/cost top project mtd`"),
        ("top fraud", 'I can\'t rank by "fraud"'),
        ("top <@U1|alice>", 'I can\'t rank by "alice"'),
        ("trend", "`/cost trend project fraud-detection 30d`"),
        ("trend fraud-detection", "`/cost trend project fraud-detection 30d`"),
        ("trend model", "`/cost trend model fraud-xgb mtd`"),
        ("status now", "`/cost project status`"),
    ],
)
def test_incomplete_commands_say_what_to_type(text: str, fragment: str) -> None:
    assert fragment in error_for(text)


@pytest.mark.parametrize(
    "text",
    [
        "project",
        "service",
        "owner",
        "top",
        "top mtd",
        "top fraud",
        "trend",
        "trend fraud-detection 7d",
        "trend region",
        "status now",
        "project mtd",
        "projet fraud",
        "service Amazon EC2 7d",
        "service x 2024-13",
        'project ""',
        'project "',
        "x" * 600,
    ],
)
def test_every_suggested_command_in_an_error_message_works(text: str) -> None:
    message = error_for(text)
    suggestions = suggested_commands(message)
    assert suggestions, message
    for suggestion in suggestions:
        assert not isinstance(parse(suggestion), HelpQuery), suggestion


def test_today_must_be_a_date() -> None:
    with pytest.raises(TypeError):
        parse_command("top project", datetime(2024, 9, 15, 12, 0))  # type: ignore[arg-type]


def test_text_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        parse_command(b"top project", TODAY)  # type: ignore[arg-type]


def test_a_period_outside_the_calendar_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="outside the supported calendar"):
        parse_command("fraud-detection", date(1, 1, 5))


def test_command_error_is_a_value_error() -> None:
    assert issubclass(CommandError, ValueError)


def test_help_queries_are_equal_whatever_the_reason() -> None:
    assert HelpQuery("no idea") == HelpQuery() == HelpQuery(None)


# --- command_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text"),
    [
        (CostQuery("project", "fraud-detection", p("2024-09")), "project fraud-detection 2024-09"),
        (CostQuery("service", "Amazon EC2", MTD), 'service "Amazon EC2" mtd'),
        (CostQuery("project", "7d", MTD), 'project "7d" mtd'),
        (CostQuery("project", "MTD", MTD), 'project "MTD" mtd'),
        (CostQuery("project", "'quoted", MTD), 'project "\'quoted" mtd'),
        (CostQuery("project", 'a"', MTD), 'project a" mtd'),
        (CostQuery("project", "R&D <x>", MTD), 'project "R&amp;D &lt;x&gt;" mtd'),
        (CostQuery("project", UNALLOCATED, MTD), "project (unallocated) mtd"),
        (TopQuery("team", p("007d")), "top team 7d"),
        (UntaggedQuery(p("last-month")), "untagged last-month"),
        (TrendQuery("model", "fraud xgb", p("30d")), 'trend model "fraud xgb" 30d'),
        (
            TopQuery("region", p("2024-09-01 .. 2024-09-02")),
            "top region 2024-09-01..2024-09-02",
        ),
        (StatusQuery(), "status"),
        (HelpQuery(), "help"),
        (HelpQuery("why"), "help"),
        (
            TopQuery("project", p("7d").previous()),  # label "previous 7 days": not a period
            "top project 2024-09-02..2024-09-08",
        ),
        (
            TopQuery("project", Period(date(2024, 9, 2), date(2024, 9, 3), "2024-09")),
            "top project 2024-09-02..2024-09-03",
        ),
        (TopQuery("project", MTD.clipped(date(2024, 9, 10))), "top project mtd"),
    ],
)
def test_command_text(query: Query, text: str) -> None:
    assert command_text(query) == text


@pytest.mark.parametrize(
    "text",
    [
        "project fraud-detection 2024-09",
        'service "Amazon Elastic Compute Cloud" 7d',
        "service 'bob's team' ytd",
        'service "the "best" one"',
        "owner <@U1|alice smith>",
        "project R&amp;D",
        "project a&amp;lt;b",
        '"7d"',
        "fraud-detection last-month",
        "<mailto:a@b.com|a@b.com> today",
        "top envs 2024-09-01 .. 2024-09-30",
        "untagged",
        "trend service “Amazon EC2” 30d",
        "status",
        "help",
        "blah blah blah blah",
        f'project "{"é " * 200}"',
    ],
)
def test_command_text_parses_back_to_the_same_query(text: str) -> None:
    query = parse(text)
    assert parse(command_text(query)) == query


def test_command_text_rejects_what_is_not_a_query() -> None:
    with pytest.raises(TypeError):
        command_text("project x")  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "top",
        "TOP",
        "untagged",
        "trend",
        "status",
        "help",
        "?",
        "project",
        "Projects",
        "env",
        "team",
        "owner",
        "service",
        "mtd",
        "7d",
        "0d",
        "2024-09",
        "2024-13",
        "2024-09-01",
        "..",
        "2024-09-30",
        "last-month",
        "fraud-detection",
        "x",
        '"',
        "'",
        "“",
        "”",
        "’",
        "<@U1|alice>",
        "<mailto:a@b.com|a@b.com>",
        "<#C1|ml>",
        "&amp;",
        "&lt;",
        "<",
        ">",
        "|",
        "\x00",
        "\u200b",
        "🤑",
    ]
)
_SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", "", "\u00a0"])
_COMMAND_LIKE = st.lists(st.tuples(_WORDS | st.text(max_size=8), _SEPARATORS), max_size=8).map(
    lambda pairs: "".join(word + separator for word, separator in pairs)
)
_QUOTES = st.sampled_from([('"', '"'), ("'", "'"), ("“", "”"), ("‘", "’"), ('"', "”")])
_PERIODS = st.sampled_from(["", " 7d", " mtd", " 2024-09", " 2024-09-01 .. 2024-09-30", " ytd"])
_DIMENSION_WORDS = st.sampled_from([*DIMENSIONS, "envs", "projects"])
_ANY_TEXT = st.text() | _COMMAND_LIKE | st.text(min_size=400, max_size=5000)
_TODAYS = st.dates() | st.just(TODAY)


@st.composite
def _quoted_commands(draw: st.DrawFn) -> str:
    """A command whose name is random text in random quotes."""
    opener, closer = draw(_QUOTES)
    name = draw(st.text(max_size=250))
    form = draw(st.sampled_from(["{d} {n}", "trend {d} {n}", "{n}"]))
    command = form.format(d=draw(_DIMENSION_WORDS), n=opener + name + closer)
    return command + draw(_PERIODS)


def _check(text: str, today: date) -> Query | None:
    """Parse, allowing only a query or CommandError, and check what every query promises."""
    try:
        query = parse_command(text, today)
    except CommandError as error:
        assert str(error)
        return None
    assert isinstance(
        query, CostQuery | TopQuery | UntaggedQuery | TrendQuery | StatusQuery | HelpQuery
    )
    if isinstance(query, CostQuery | TrendQuery):
        assert query.dimension in DIMENSIONS
        assert 0 < len(query.name) <= MAX_NAME_CHARS
        assert query.name == query.name.strip()
        assert "  " not in query.name
        assert not any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in query.name)
    if isinstance(query, TopQuery):
        assert query.dimension in DIMENSIONS
    return query


@settings(max_examples=300)
@given(text=_ANY_TEXT, today=_TODAYS)
@example(text="'; DROP TABLE x; --", today=TODAY)
@example(text="x" * 5000, today=TODAY)
@example(text="\x00" * 600, today=TODAY)
@example(text="<" * 400 + ">" * 100, today=TODAY)
@example(text="project " + "9" * 450 + "d", today=TODAY)
@example(text="fraud-detection", today=date.min)
@example(text="service Amazon EC2", today=date.min)
@example(text="top project", today=date.max)
def test_any_text_is_a_query_or_a_command_error(text: str, today: date) -> None:
    _check(text, today)


@settings(max_examples=300)
@given(text=_quoted_commands(), today=_TODAYS)
def test_quoted_random_names_are_a_query_or_a_command_error(text: str, today: date) -> None:
    _check(text, today)


@settings(max_examples=300)
@given(text=_ANY_TEXT | _quoted_commands(), today=_TODAYS)
@example(text='service "a" b" 7d', today=TODAY)
@example(text="service 'a\" b' 7d", today=TODAY)
@example(text="project '\"'", today=TODAY)
@example(text="owner <@U1|x y>", today=TODAY)
@example(text="project <@U1|7d>", today=TODAY)
def test_command_text_round_trips_every_parsed_query(text: str, today: date) -> None:
    query = _check(text, today)
    if query is None:
        return
    again = command_text(query)
    assert parse_command(again, today) == query, again


def _is_clean(name: str) -> bool:
    """A name parse_command could return."""
    return (
        0 < len(name) <= MAX_NAME_CHARS
        and name == " ".join(name.split())
        and not any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in name)
    )


@settings(max_examples=300)
@given(
    name=st.text(min_size=1, max_size=MAX_NAME_CHARS).filter(_is_clean)
    | st.from_regex(r"[a-z0-9\"'“”‘’<>&| .;-]{1,40}", fullmatch=True).filter(_is_clean),
    dimension=st.sampled_from(DIMENSIONS),
    period=st.sampled_from(["mtd", "7d", "2024-09", "2024-09-01..2024-09-30", "yesterday"]),
    trend=st.booleans(),
)
@example(name="a\" b' c", dimension="project", period="mtd", trend=False)
@example(name="&lt;", dimension="project", period="mtd", trend=False)
@example(name="<@U1|x>", dimension="owner", period="mtd", trend=False)
@example(name="mtd", dimension="project", period="mtd", trend=True)
@example(name="“x", dimension="project", period="mtd", trend=False)
def test_command_text_round_trips_any_clean_name(
    name: str, dimension: str, period: str, trend: bool
) -> None:
    query: Query = (
        TrendQuery(dimension, name, p(period)) if trend else CostQuery(dimension, name, p(period))
    )
    assert parse(command_text(query)) == query


@settings(max_examples=300)
@given(
    name=st.text(min_size=1, max_size=MAX_NAME_CHARS).filter(_is_clean)
    | st.sampled_from(["direct", "DIRECT", "top", "7d"]),
    dimension=st.sampled_from(DIMENSIONS),
    period=st.sampled_from(["mtd", "7d", "2024-09", "2024-09-01..2024-09-30", "yesterday"]),
    direct=st.booleans(),
)
@example(name="direct", dimension="project", period="mtd", direct=True)
def test_direct_round_trips_with_any_name(
    name: str, dimension: str, period: str, direct: bool
) -> None:
    for query in (
        CostQuery(dimension, name, p(period), direct=direct),
        TopQuery(dimension, p(period), direct=direct),
    ):
        assert parse(command_text(query)) == query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("project fraud-detection direct", CostQuery("project", "fraud-detection", MTD, True)),
        (
            "project fraud-detection 7d direct",
            CostQuery("project", "fraud-detection", p("7d"), True),
        ),
        (
            "project fraud-detection DIRECT 7d",
            CostQuery("project", "fraud-detection", p("7d"), True),
        ),
        ("fraud-detection direct", CostQuery("project", "fraud-detection", MTD, True)),
        ("top project direct", TopQuery("project", MTD, True)),
        ("top team 30d direct", TopQuery("team", p("30d"), True)),
        # The name comes first: a project named "direct", and quotes make the word a name.
        ("project direct", CostQuery("project", "direct", MTD)),
        ("direct 7d", CostQuery("project", "direct", p("7d"))),
        ('"direct" direct', CostQuery("project", "direct", MTD, True)),
    ],
)
def test_direct_asks_for_direct_cost(text: str, expected: Query) -> None:
    assert parse(text) == expected
    assert parse(command_text(expected)) == expected


def test_a_quoted_direct_after_the_name_is_no_modifier() -> None:
    with pytest.raises(CommandError):
        parse('project x "direct"')


@settings(max_examples=200)
@given(name=st.text(), dimension=st.sampled_from(DIMENSIONS))
def test_command_text_of_any_name_parses_to_the_cleaned_name_or_a_command_error(
    name: str, dimension: str
) -> None:
    query = _check(command_text(CostQuery(dimension, name, MTD)), TODAY)
    if query is not None:
        assert query == CostQuery(dimension, query.name, MTD)  # type: ignore[union-attr]


def test_module_imports_only_the_standard_library_and_the_domain() -> None:
    imported: set[str] = set()
    for path in Path(command_grammar.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported |= {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
    assert len(imported) > 3
    outside = {
        module
        for module in imported
        if not module.startswith("bot.domain.") and module.split(".")[0] != "__future__"
    }
    assert {module.split(".")[0] for module in outside} <= set(sys.stdlib_module_names)
