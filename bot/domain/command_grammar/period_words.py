"""The period after a command's words: parsed, or an error that shows what to type instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

from bot.domain.command_grammar.limits import CommandError
from bot.domain.command_grammar.messages import (
    _EXAMPLE_NAMES,
    _MAX_SUGGESTION_CHARS,
    _echo,
    _echo_period,
    _suggestion,
)
from bot.domain.command_grammar.text import _slack_escape
from bot.domain.command_grammar.tokens import _joined, _normalise_name, _Token, _try_period
from bot.domain.periods import DEFAULT_PERIOD, Period, PeriodError, parse_period

# The command text of a question about one named thing: (name, period) -> text after `/cost`.
NamedWriter = Callable[[str, Period], str]


def _period(
    tokens: list[_Token],
    today: date,
    *,
    name: str | None = None,
    write: NamedWriter | None = None,
    example: Callable[[Period], str] | None = None,
) -> Period:
    """The period the words give (the default when there are none), or CommandError.

    The error shows an example command: with `name` and `write`, the question for that name
    (and, for an unknown period, how to quote a longer name); else the text `example(period)`.
    """
    text = _joined(tokens)
    try:
        return parse_period(text, today)
    except PeriodError as error:
        message = _slack_escape(str(error))
        hint = None
        if name is not None and write is not None:
            if str(error).startswith("Unknown"):
                hint = _quoting_hint(tokens, today, name, write)
            if example is None:
                example = partial(write, name)
        if hint is None and example is not None:
            good = _try_period("last-month", today) or _try_period("7d", today)
            if good is not None:
                suggestion = _suggestion(f"/cost {example(good)}", "")
                hint = f"For example: `{suggestion}`." if suggestion else None
        if hint:
            message = f"{message} {hint}"
        raise CommandError(message) from None


def _name_and_period(
    dimension: str, rest: list[_Token], today: date, *, chart: bool, write: NamedWriter
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
    return name, _period(rest[1:], today, name=name, write=write)


def _quoting_hint(tokens: list[_Token], today: date, name: str, write: NamedWriter) -> str | None:
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
            suggestion = f"/cost {write(longer, period)}"
            if len(suggestion) > _MAX_SUGGESTION_CHARS:
                return None
            part = _echo(" ".join(words[:split]))
            return f"If {part} is part of the name, put the whole name in quotes: `{suggestion}`."
    return None
