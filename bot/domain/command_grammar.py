"""The text a user types after the Slack slash command `/cost`, parsed into a typed query.

Grammar (keywords and dimensions are case-insensitive; spaces and tabs between words are ignored):

    DIMENSION NAME [PERIOD]        cost of one thing            /cost project fraud-detection 7d
    top DIMENSION [PERIOD]         who costs the most           /cost top team last-month
    untagged [PERIOD]              cost with no project or team /cost untagged
    trend DIMENSION NAME [PERIOD]  a daily chart                /cost trend model fraud-xgb 30d
    status                         data freshness and health    /cost status
    help                           also ``?``, ``-h``, ``--help`` and empty text
    NAME [PERIOD]                  a bare project name          /cost fraud-detection last-month

DIMENSION is one of `DIMENSIONS` (project, team, owner, model, environment, service, account,
region, resource), or a plural, or ``env``/``envs`` for environment. PERIOD is anything
`parse_period` accepts and defaults to `DEFAULT_PERIOD`; a range may have spaces around ``..``.
Other keywords: ``unallocated`` means ``untagged``, ``trends`` means ``trend``.

Names:

* An unquoted NAME is one word. A name with spaces is quoted: ``"Amazon EC2"``, ``'x y'`` or
  Slack's curly quotes ``“Amazon EC2”`` / ``‘x y’``. A quote only opens at the start of a word, and
  the closing quote is the *last* quote of the same kind (``"`` pairs with ``”``, ``'`` with
  ``’``) that ends a word, so ``'bob's team'`` and names containing quotes work, and every name
  can be written back by `command_text`. An opening quote that is never closed is an error.
* Words after the name must together parse as a period. If they do not, it is an error that lists
  `VALID_PERIOD_FORMS` and, when the words look like more of the name, shows the quoted command.
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

`parse_command` raises only `CommandError` for any text at all (empty, very long, unicode,
control characters, unbalanced quotes, ...). It raises `TypeError` only for a caller mistake:
`text` not a str or None, or `today` not a date. Messages and reasons are Slack mrkdwn: user
text quoted in them is escaped (``<`` as ``&lt;`` ...) so it can never mention or link anyone.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from bot.domain.allocation import DIMENSIONS
from bot.domain.periods import DEFAULT_PERIOD, Period, PeriodError, parse_period

MAX_COMMAND_CHARS = 500
MAX_NAME_CHARS = 200

# Text this long is refused before any work; Slack's escaping (`&amp;` is 5 characters for 1)
# means a command of MAX_COMMAND_CHARS typed characters can arrive a few times longer.
_MAX_RAW_CHARS = 8 * MAX_COMMAND_CHARS
_MAX_ECHO_CHARS = 40
_MAX_SUGGESTION_CHARS = 120

# Any date far from the ends of the calendar: used to ask "is this word a period?" without a
# `today`. Only "Nd" depends on today, and 1..MAX_DAYS days fit before this date.
_REFERENCE_DAY = date(2000, 6, 15)


class CommandError(ValueError):
    """Text that is not a command; the message tells the user what to type instead."""


@dataclass(frozen=True)
class CostQuery:
    """Cost of one named thing, e.g. project fraud-detection, over a period."""

    dimension: str
    name: str
    period: Period


@dataclass(frozen=True)
class TopQuery:
    """The values of a dimension ranked by cost over a period."""

    dimension: str
    period: Period


@dataclass(frozen=True)
class UntaggedQuery:
    """Cost with no project or team over a period."""

    period: Period


@dataclass(frozen=True)
class TrendQuery:
    """Daily cost of one named thing over a period, for a chart."""

    dimension: str
    name: str
    period: Period


@dataclass(frozen=True)
class StatusQuery:
    """How fresh the data is and whether the bot is healthy."""


@dataclass(frozen=True)
class HelpQuery:
    """Show help. `reason` is None when the user asked for help, else why help is shown.

    The reason does not take part in equality: every HelpQuery asks for the same help, so
    `parse_command(command_text(q), today) == q` holds for help too.
    """

    reason: str | None = field(default=None, compare=False)


Query = CostQuery | TopQuery | UntaggedQuery | TrendQuery | StatusQuery | HelpQuery

_HELP_WORDS = frozenset({"help", "?", "-h", "--help"})
_STATUS_WORDS = frozenset({"status"})
_TOP_WORDS = frozenset({"top"})
_UNTAGGED_WORDS = frozenset({"untagged", "unallocated"})
_TREND_WORDS = frozenset({"trend", "trends"})

_DIMENSION_ALIASES: dict[str, str] = {
    **{dimension: dimension for dimension in DIMENSIONS},
    **{dimension + "s": dimension for dimension in DIMENSIONS},
    "env": "environment",
    "envs": "environment",
}

# Words a misspelling is compared with; "?" and "-h" are too short to be misspelt.
_KNOWN_WORDS: tuple[str, ...] = (
    "help",
    "status",
    "top",
    "untagged",
    "unallocated",
    "trend",
    *DIMENSIONS,
)

_EXAMPLE_NAMES: dict[str, str] = {
    "project": "fraud-detection",
    "team": "ml-platform",
    "owner": "alice@example.com",
    "model": "fraud-xgb",
    "environment": "prod",
    "service": '"Amazon Elastic Compute Cloud"',
    "account": "ml-research",
    "region": "us-east-1",
    "resource": "i-0abc123def456",
}

_DIMENSION_LIST = ", ".join(DIMENSIONS)

# Quotes that open a quoted name, each with the quotes that may close it.
_DOUBLE_CLOSERS = '"”'
_SINGLE_CLOSERS = "'’"
_OPENERS: dict[str, str] = {
    '"': _DOUBLE_CLOSERS,
    "“": _DOUBLE_CLOSERS,
    "'": _SINGLE_CLOSERS,
    "‘": _SINGLE_CLOSERS,
}

# Unicode categories removed from the text: control (whitespace controls become spaces first),
# format (zero-width spaces, direction marks, BOM) and lone surrogates.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

# After cleaning, the only whitespace is " ". A word is a run of non-spaces, where a Slack
# escape such as <@U123|alice smith> counts as one piece even if its label has spaces.
_WORD = re.compile(r"(?:<[^<>]*>|[^ ])+")
_SLACK_ESCAPE = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITY_TEXT = {"amp": "&", "lt": "<", "gt": ">"}
_PLAUSIBLE_NAME = re.compile(r"[^\W_][\w.\-/:@+&]*")


@dataclass(frozen=True)
class _Token:
    """One word (or quoted name) of the command, with Slack escapes already undone."""

    text: str
    quoted: bool = False
    person: bool = False  # a Slack user mention or e-mail link, unquoted


def parse_command(text: str | None, today: date) -> Query:
    """Parse the text after `/cost` into a query; `today` is the caller's current UTC date.

    Raises:
        CommandError: the text is not a command; the message says what to type instead.
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
    keyword = _keyword(first)
    if keyword in _HELP_WORDS:
        return HelpQuery()
    if keyword in _STATUS_WORDS:
        if rest:
            raise CommandError(
                "`/cost status` takes nothing after it. "
                "For a project named status, type `/cost project status`."
            )
        return StatusQuery()
    if keyword in _TOP_WORDS:
        return _parse_top(rest, today)
    if keyword in _UNTAGGED_WORDS:
        return UntaggedQuery(_period(rest, today, example=UntaggedQuery))
    if keyword in _TREND_WORDS:
        return _parse_trend(rest, today)
    if keyword in _DIMENSION_ALIASES:
        dimension = _DIMENSION_ALIASES[keyword]
        name, period = _name_and_period(dimension, rest, today, chart=False)
        return CostQuery(dimension, name, period)
    return _parse_bare(tokens, today)


def command_text(query: Query) -> str:
    """Canonical text for `query` that `parse_command` turns back into an equal query.

    Used for "Share" and "did you mean" buttons, e.g. ``project fraud-detection 2024-09`` or
    ``project "Amazon EC2" mtd``. The period is always written; relative periods (mtd, 7d, ...)
    stay relative. The text is in Slack's escaped form (``&`` as ``&amp;``, ...), which is
    what Slack sends and what `parse_command` expects; it renders as typed in mrkdwn.

    The round trip is exact for every query `parse_command` returns (and any query whose name
    is already clean: no control characters, single spaces, trimmed, 1..MAX_NAME_CHARS long).
    Other names are written as they are and come back cleaned, or rejected if empty.
    """
    if isinstance(query, CostQuery):
        return f"{query.dimension} {_name_text(query.name)} {_period_text(query.period)}"
    if isinstance(query, TopQuery):
        return f"top {query.dimension} {_period_text(query.period)}"
    if isinstance(query, UntaggedQuery):
        return f"untagged {_period_text(query.period)}"
    if isinstance(query, TrendQuery):
        name = _name_text(query.name)
        return f"trend {query.dimension} {name} {_period_text(query.period)}"
    if isinstance(query, StatusQuery):
        return "status"
    if isinstance(query, HelpQuery):
        return "help"
    raise TypeError(f"not a query: {type(query).__name__}")


# --- the forms -----------------------------------------------------------------------------


def _parse_top(rest: list[_Token], today: date) -> TopQuery:
    """`top DIMENSION [PERIOD]`."""
    if not rest:
        raise CommandError(
            f"Say what to rank, e.g. `/cost top project mtd`. You can rank by {_DIMENSION_LIST}."
        )
    dimension = _dimension(rest[0])
    if dimension is None:
        if _try_period(_joined(rest), today) is not None:
            raise CommandError(
                "Say what to rank before the period, e.g. "
                f"`/cost top project {_echo_period(rest)}`. You can rank by {_DIMENSION_LIST}."
            )
        raise CommandError(
            f"I can't rank by {_echo(rest[0].text)}. Use one of: {_DIMENSION_LIST}; "
            "e.g. `/cost top team last-month`."
        )
    period = _period(rest[1:], today, example=lambda good: TopQuery(dimension, good))
    return TopQuery(dimension, period)


def _parse_trend(rest: list[_Token], today: date) -> TrendQuery:
    """`trend DIMENSION NAME [PERIOD]`."""
    if not rest:
        raise CommandError(
            "Say what to chart, e.g. `/cost trend project fraud-detection 30d`. "
            f"You can chart by {_DIMENSION_LIST}."
        )
    dimension = _dimension(rest[0])
    if dimension is None:
        example = "fraud-detection"
        typed = _normalise_name(rest[0].text)
        if typed and (rest[0].quoted or _PLAUSIBLE_NAME.fullmatch(typed)):
            example = _name_text(typed)
        suggestion = _suggestion(f"/cost trend project {example} 30d")
        raise CommandError(
            f"Say what kind of thing to chart before its name, e.g. `{suggestion}`. "
            f"You can chart by {_DIMENSION_LIST}."
        )
    name, period = _name_and_period(dimension, rest[1:], today, chart=True)
    return TrendQuery(dimension, name, period)


def _name_and_period(
    dimension: str, rest: list[_Token], today: date, *, chart: bool
) -> tuple[str, Period]:
    """`NAME [PERIOD]` after a dimension (and after `trend`)."""
    command = f"/cost trend {dimension}" if chart else f"/cost {dimension}"
    example = _EXAMPLE_NAMES[dimension]
    if not rest:
        also = "" if chart else f", or rank them all: `/cost top {dimension} mtd`"
        raise CommandError(f"Say which {dimension}, e.g. `{command} {example} mtd`{also}.")
    head = rest[0]
    if not head.quoted and not head.person:
        lone_period = _try_period(_joined(rest), today)
        if lone_period is not None:
            label = _echo_period(rest)
            raise CommandError(
                f"{_echo(_joined(rest))} is a period, not a {dimension} name. "
                f"Say which {dimension}, e.g. `{command} {example} {label}`, "
                f"or rank them all: `/cost top {dimension} {label}`. "
                f'For a {dimension} really named that, quote it: `{command} "{label}"`.'
            )
    name = _normalise_name(head.text)
    if not name:
        raise CommandError(f"The {dimension} name is empty. Say which, e.g. `{command} {example}`.")
    return name, _period(rest[1:], today, dimension=dimension, name=name, chart=chart)


def _parse_bare(tokens: list[_Token], today: date) -> Query:
    """A first word that is not a keyword or dimension: see rules 1-9 in the module docstring."""
    first, rest = tokens[0], tokens[1:]
    if first.quoted or first.person:
        dimension = "owner" if first.person else "project"
        name = _normalise_name(first.text)
        if not name:
            raise CommandError(
                f"The {dimension} name is empty. Say which, e.g. "
                f"`/cost {dimension} {_EXAMPLE_NAMES[dimension]}`."
            )
        return CostQuery(dimension, name, _period(rest, today, dimension=dimension, name=name))

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
        return CostQuery("project", name, _period(rest, today, dimension="project", name=name))
    return HelpQuery(reason=f"I could not read {_echo(whole)} as a question.")


# --- pieces --------------------------------------------------------------------------------


def _keyword(token: _Token) -> str | None:
    """The lower-cased word if it could be a keyword or dimension (unquoted, not a mention)."""
    if token.quoted or token.person:
        return None
    return token.text.lower()


def _dimension(token: _Token) -> str | None:
    """The canonical dimension a word names, or None."""
    word = _keyword(token)
    return None if word is None else _DIMENSION_ALIASES.get(word)


def _period(
    tokens: list[_Token],
    today: date,
    *,
    dimension: str | None = None,
    name: str | None = None,
    chart: bool = False,
    example: Callable[[Period], Query] | None = None,
) -> Period:
    """The period the words give (the default when there are none), or CommandError.

    The error shows an example command: with `dimension` and `name`, the query for that name
    (and, for an unknown period, how to quote a longer name); else `example(period)`.
    """
    text = _joined(tokens)
    try:
        return parse_period(text, today)
    except PeriodError as error:
        message = _slack_escape(str(error))
        hint = None
        if dimension is not None and name is not None:
            if str(error).startswith("Unknown"):
                hint = _quoting_hint(tokens, today, dimension, name, chart)
            if example is None:
                example = partial(TrendQuery if chart else CostQuery, dimension, name)
        if hint is None and example is not None:
            good = _try_period("last-month", today) or _try_period("7d", today)
            if good is not None:
                suggestion = _suggestion(f"/cost {command_text(example(good))}", "")
                hint = f"For example: `{suggestion}`." if suggestion else None
        if hint:
            message = f"{message} {hint}"
        raise CommandError(message) from None


def _quoting_hint(
    tokens: list[_Token], today: date, dimension: str, name: str, chart: bool
) -> str | None:
    """'If "EC2" is part of the name, ...' with the whole command quoted, when it is short."""
    words = [token.text for token in tokens]
    for split in range(1, len(words) + 1):
        # The longest tail that is a period stays the period; the rest joins the name.
        period = _try_period(" ".join(words[split:]), today) if split < len(words) else None
        if period is not None or split == len(words):
            longer = _normalise_name(" ".join([name, *words[:split]]))
            period = period or _try_period(DEFAULT_PERIOD, today)
            if period is None:
                return None
            query: Query = (
                TrendQuery(dimension, longer, period)
                if chart
                else CostQuery(dimension, longer, period)
            )
            suggestion = f"/cost {command_text(query)}"
            if len(suggestion) > _MAX_SUGGESTION_CHARS:
                return None
            part = _echo(" ".join(words[:split]))
            return f"If {part} is part of the name, put the whole name in quotes: `{suggestion}`."
    return None


def _try_period(text: str, today: date) -> Period | None:
    """The period `text` names, or None; empty text is not a period here."""
    if not text.strip():
        return None
    try:
        return parse_period(text, today)
    except PeriodError:
        return None


def _joined(tokens: list[_Token]) -> str:
    """The words' text joined by single spaces."""
    return " ".join(token.text for token in tokens)


def _clean(text: str) -> str:
    """Every whitespace character as a space; control and invisible format characters gone."""
    kept: list[str] = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append(char)
    return "".join(kept)


def _tokenize(text: str) -> list[_Token]:
    """Split cleaned text into words and quoted names (see "Names" in the module docstring)."""
    last_closer = {
        closers: _last_closer(text, closers) for closers in (_DOUBLE_CLOSERS, _SINGLE_CLOSERS)
    }
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == " ":
            position += 1
            continue
        closers = _OPENERS.get(char)
        if closers is not None:
            end = last_closer[closers]
            if end <= position:
                raise CommandError(
                    "A quote is not closed. Put a name with spaces in a pair of quotes, "
                    'e.g. `/cost service "Amazon Elastic Compute Cloud" mtd`.'
                )
            tokens.append(_Token(_decode(text[position + 1 : end]), quoted=True))
            position = end + 1
            continue
        match = _WORD.match(text, position)
        end = match.end() if match is not None else position + 1  # always a match: not a space
        raw = text[position:end]
        tokens.append(_Token(_decode(raw), person=_is_person(raw)))
        position = end
    return tokens


def _last_closer(text: str, closers: str) -> int:
    """Index of the last quote in `closers` that ends a word, or -1."""
    for index in range(len(text) - 1, -1, -1):
        if text[index] in closers and (index + 1 == len(text) or text[index + 1] == " "):
            return index
    return -1


def _is_person(raw: str) -> bool:
    """Whether a whole word is a Slack user mention or an e-mail link."""
    match = _SLACK_ESCAPE.fullmatch(raw)
    if match is None:
        return False
    target = match.group(1)
    return target.startswith("@") or target.lower().startswith("mailto:")


def _decode(text: str) -> str:
    """Undo Slack's escaping: <@U1|alice> is alice, &amp; is &."""
    return _ENTITY.sub(lambda m: _ENTITY_TEXT[m.group(1)], _SLACK_ESCAPE.sub(_unwrap, text))


def _unwrap(match: re.Match[str]) -> str:
    """The text a Slack escape shows: its label, else its target without a prefix."""
    target, label = match.group(1), match.group(2)
    shown = label or target
    if not label and shown.lower().startswith("mailto:"):
        shown = shown[len("mailto:") :]
    # <@U123|@alice>, <#C123|general>, <!subteam^S1|@ml-team>: the sigil is not part of a name.
    return shown[1:] if shown[:1] in ("@", "#", "!") else shown


def _normalise_name(text: str) -> str:
    """A name with whitespace runs as one space, trimmed, cut to MAX_NAME_CHARS."""
    return " ".join(text.split())[:MAX_NAME_CHARS].rstrip()


def _name_text(name: str) -> str:
    """A name as command text: quoted when needed, in Slack's escaped form."""
    escaped = _slack_escape(name)
    needs_quotes = (
        not name
        or any(char.isspace() for char in name)
        or name[0] in _OPENERS
        or _try_period(name, _REFERENCE_DAY) is not None
    )
    return f'"{escaped}"' if needs_quotes else escaped


def _period_text(period: Period) -> str:
    """A period as command text: its label when that names it, else its dates."""
    try:
        parsed = parse_period(period.label, period.end)
    except (ValueError, TypeError, OverflowError):
        parsed = None
    if parsed is not None:
        relative = not re.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2}\.\.[0-9-]+)?", parsed.label)
        if relative or (parsed.start, parsed.end) == (period.start, period.end):
            return parsed.label
    return f"{period.start.isoformat()}..{period.end.isoformat()}"


def _slack_escape(text: str) -> str:
    """Text with &, < and > escaped as Slack expects, so it can never mention anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _echo(text: str) -> str:
    """User text for a message: shortened, escaped and in double quotes."""
    if len(text) > _MAX_ECHO_CHARS:
        text = text[: _MAX_ECHO_CHARS - 1] + "…"
    return f'"{_slack_escape(text)}"'


def _echo_period(tokens: list[_Token]) -> str:
    """The canonical label of the period the words name, escaped for a message."""
    period = _try_period(_joined(tokens), _REFERENCE_DAY)
    return _slack_escape(period.label if period is not None else DEFAULT_PERIOD)


def _echo_tokens(tokens: list[_Token]) -> str:
    """The words as command text again, quoted where they were, escaped for a message."""
    return " ".join(
        _name_text(token.text) if token.quoted else _slack_escape(token.text) for token in tokens
    )


def _suggestion(command: str, fallback: str = "/cost help") -> str:
    """An example command for a message, or `fallback` if it would be too long to read."""
    return command if len(command) <= _MAX_SUGGESTION_CHARS else fallback


def _too_long(length: int) -> CommandError:
    """The error for text over MAX_COMMAND_CHARS."""
    return CommandError(
        f"That is too long for a command ({length} characters; at most {MAX_COMMAND_CHARS}). "
        "Ask one short question, e.g. `/cost project fraud-detection mtd`."
    )
