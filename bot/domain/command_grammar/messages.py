"""Pieces of the error messages and help reasons: user text echoed safely, example commands."""

from __future__ import annotations

from bot.domain.allocation import DIMENSIONS
from bot.domain.command_grammar.limits import MAX_COMMAND_CHARS, CommandError
from bot.domain.command_grammar.text import _name_text, _slack_escape
from bot.domain.command_grammar.tokens import _REFERENCE_DAY, _joined, _Token, _try_period
from bot.domain.periods import DEFAULT_PERIOD

_MAX_ECHO_CHARS = 40
_MAX_SUGGESTION_CHARS = 120

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
