"""The period after a command's words: parsed, or an error that shows what to type instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

from bot.domain.command_grammar.messages import _MAX_SUGGESTION_CHARS, _echo, _suggestion
from bot.domain.command_grammar.queries import CommandError, CostQuery, Query, TrendQuery
from bot.domain.command_grammar.text import _slack_escape, command_text
from bot.domain.command_grammar.tokens import _joined, _normalise_name, _Token, _try_period
from bot.domain.periods import DEFAULT_PERIOD, Period, PeriodError, parse_period


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
