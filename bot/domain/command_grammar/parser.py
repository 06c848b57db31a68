"""`parse_command`: the text a user types after `/cost`, parsed into a typed query."""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import date, datetime

from bot.domain.command_grammar.keywords import _keyword
from bot.domain.command_grammar.limits import MAX_COMMAND_CHARS, CommandError
from bot.domain.command_grammar.messages import (
    _EXAMPLE_NAMES,
    _echo,
    _echo_tokens,
    _suggestion,
    _too_long,
)
from bot.domain.command_grammar.period_words import _period
from bot.domain.command_grammar.subcommands.cost import SUBCOMMAND as cost_subcommand
from bot.domain.command_grammar.subcommands.cost import CostQuery, cost_writer
from bot.domain.command_grammar.subcommands.help import HelpQuery
from bot.domain.command_grammar.table import (
    _KNOWN_WORDS,
    Query,
    subcommand_for_word,
    take_modifiers,
)
from bot.domain.command_grammar.text import _slack_escape
from bot.domain.command_grammar.tokens import (
    _PLAUSIBLE_NAME,
    _clean,
    _decode,
    _joined,
    _normalise_name,
    _Token,
    _tokenize,
    _try_period,
)

# Text this long is refused before any work; Slack's escaping (`&amp;` is 5 characters for 1)
# means a command of MAX_COMMAND_CHARS typed characters can arrive a few times longer.
_MAX_RAW_CHARS = 8 * MAX_COMMAND_CHARS


def parse_command(text: str | None, today: date) -> Query:
    """Parse the text after `/cost` into a query; `today` is the caller's current UTC date.

    Grammar (keywords and dimensions are case-insensitive; spaces and tabs between words are
    ignored):

        DIMENSION NAME [PERIOD]        cost of one thing            /cost project fraud-detection 7d
        top DIMENSION [PERIOD]         who costs the most           /cost top team last-month
        untagged [PERIOD]              cost with no project or team /cost untagged
        trend DIMENSION NAME [PERIOD]  a daily chart                /cost trend model fraud-xgb 30d
        status                         data freshness and health    /cost status
        help                           also ``?``, ``-h``, ``--help`` and empty text
        NAME [PERIOD]                  a bare project name          /cost fraud-detection last-month

    ``direct`` after a cost question (or a bare name) or a top question asks for direct cost,
    as billed, without shared cost: ``/cost project fraud-detection 30d direct``,
    ``/cost top project direct``. Anywhere after the name (or what to rank); quoted, it is
    a name: ``/cost project "direct"``.

    DIMENSION is one of `DIMENSIONS` (project, team, owner, model, environment, service, account,
    region, resource), or a plural, or ``env``/``envs`` for environment. PERIOD is anything
    `parse_period` accepts and defaults to `DEFAULT_PERIOD`; a range may have spaces around ``..``.
    Other keywords: ``unallocated`` means ``untagged``, ``trends`` means ``trend``.

    Names:

    * An unquoted NAME is one word. A name with spaces is quoted: ``"Amazon EC2"``, ``'x y'`` or
      Slack's curly quotes ``“Amazon EC2”`` / ``‘x y’``. A quote only opens at the start of a
      word, and the closing quote is the *last* quote of the same kind (``"`` pairs with ``”``,
      ``'`` with ``’``) that ends a word, so ``'bob's team'`` and names containing quotes work,
      and every name can be written back by `command_text`. An opening quote that is never
      closed is an error.
    * Words after the name must together parse as a period. If they do not, it is an error that
      lists `VALID_PERIOD_FORMS` and, when the words look like more of the name, shows the
      quoted command.
    * ``DIMENSION PERIOD`` alone (``/cost team 7d``) is an error suggesting ``top team 7d``; a thing
      really named like a period is quoted: ``/cost project "7d"``.
    * Slack escapes are undone: ``<@U123|alice>`` is ``alice``, ``<mailto:a@b.com|a@b.com>`` is
      ``a@b.com``, ``<#C123|ml>`` is ``ml`` (without a label: the id, e.g. ``U123``), and ``&amp;``,
      ``&lt;``, ``&gt;`` are ``&``, ``<``, ``>``. This applies to every name, not only owners.
    * Returned names have control and invisible format characters removed, runs of whitespace
      collapsed to one space, no spaces at either end, and at most `MAX_NAME_CHARS` characters
      (longer names are cut). An empty name is an error.

    Bare names and the help fallback, when the first word is not a keyword or a dimension:

    1. A quoted first word is a project name, followed by an optional period. This is also how to
       ask for a project named like a keyword: ``/cost "top"``.
    2. A Slack user mention or e-mail link (``<@U123|alice>``, ``<mailto:...>``) is an owner name:
       ``/cost @alice 7d`` is ``owner alice 7d``.
    3. If the first word, or the whole text, is a period (``/cost 7d``): `HelpQuery` with a reason.
    4. If the first word is not a plausible name: `HelpQuery` with a reason. Plausible means it
       starts with a letter or digit and has only letters, digits and ``_ - . / : @ + &`` (no
       quotes, semicolons, brackets, emoji ...), so ``x; DROP TABLE y`` gets help, not a query.
       (A first word that opens a quote and never closes it, ``'; DROP ...``, is a CommandError.)
    5. A plausible word alone is a project name (``/cost fraud-detection``); the service answers
       "no project named ..." when there is none.
    6. A plausible word followed by words that parse as a period: that project and period.
    7. Otherwise, if the first word looks like a misspelt keyword or dimension (``projet fraud``):
       `CommandError` "did you mean ``/cost project fraud``".
    8. Otherwise, if exactly one word follows, or the words after start with a digit: the period is
       invalid, `CommandError` as for ``DIMENSION NAME PERIOD``.
    9. Otherwise (``/cost blah blah blah blah``): `HelpQuery` with a reason.

    Messages and reasons are Slack mrkdwn: user text quoted in them is escaped (``<`` as
    ``&lt;`` ...) so it can never mention or link anyone.

    Raises:
        CommandError: the text is not a command; the message says what to type instead. This
            is the only error for any text at all (empty, very long, unicode, control
            characters, unbalanced quotes, ...).
        TypeError: `text` is not a str or None, or `today` is not a date (a caller mistake).
    """
    if isinstance(today, datetime) or not isinstance(today, date):
        raise TypeError("today must be a date, not a datetime or anything else")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str or None, not {type(text).__name__}")
    if len(text) > _MAX_RAW_CHARS:
        raise _too_long(len(text))
    cleaned = _clean(text).strip()
    length = len(_decode(cleaned))
    if length > MAX_COMMAND_CHARS:
        raise _too_long(length)

    tokens = _tokenize(cleaned)
    if not tokens:
        return HelpQuery()
    first, rest = tokens[0], tokens[1:]
    word = _keyword(first)
    subcommand = subcommand_for_word(word)
    if subcommand is not None:
        assert word is not None
        rest, flags = take_modifiers(subcommand, rest)
        return replace(subcommand.parse(word, rest, today), **flags)
    # A bare name asks what it cost: the cost subcommand's modifiers follow it too.
    tokens, flags = take_modifiers(cost_subcommand, tokens)
    query = _parse_bare(tokens, today)
    return replace(query, **flags) if isinstance(query, CostQuery) else query


def _parse_bare(tokens: list[_Token], today: date) -> Query:
    """A first word that is not a keyword or dimension: see rules 1-9 in `parse_command`."""
    first, rest = tokens[0], tokens[1:]
    if first.quoted or first.person:
        dimension = "owner" if first.person else "project"
        name = _normalise_name(first.text)
        if not name:
            raise CommandError(
                f"The {dimension} name is empty. Say which, e.g. "
                f"`/cost {dimension} {_EXAMPLE_NAMES[dimension]}`."
            )
        period = _period(rest, today, name=name, write=cost_writer(dimension))
        return CostQuery(dimension, name, period)

    whole = _joined(tokens)
    alone = _try_period(whole, today) or _try_period(first.text, today)
    if alone is not None:
        return HelpQuery(
            reason=f"{_echo(whole)} is a period: say what to cost too, "
            f"e.g. `/cost top project {_slack_escape(alone.label)}`."
        )
    if not _PLAUSIBLE_NAME.fullmatch(first.text):
        return HelpQuery(reason=f"I don't know what {_echo(whole)} means.")
    name = _normalise_name(first.text)
    if not rest:
        return CostQuery("project", name, _period([], today))
    period = _try_period(_joined(rest), today)
    if period is not None:
        return CostQuery("project", name, period)
    close = difflib.get_close_matches(first.text.lower(), _KNOWN_WORDS, n=1, cutoff=0.6)
    if close:
        suggestion = _suggestion(f"/cost {close[0]} {_echo_tokens(rest)}", f"/cost {close[0]}")
        raise CommandError(
            f"I don't know the word {_echo(first.text)}. Did you mean `{suggestion}`?"
        )
    if len(rest) == 1 or rest[0].text[:1].isdigit():
        period = _period(rest, today, name=name, write=cost_writer("project"))
        return CostQuery("project", name, period)
    return HelpQuery(reason=f"I could not read {_echo(whole)} as a question.")
