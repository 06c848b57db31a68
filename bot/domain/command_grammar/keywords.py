"""The keywords and dimension names a `/cost` command can start with."""

from __future__ import annotations

from bot.domain.allocation import DIMENSIONS
from bot.domain.command_grammar.tokens import _Token

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


def _keyword(token: _Token) -> str | None:
    """The lower-cased word if it could be a keyword or dimension (unquoted, not a mention)."""
    if token.quoted or token.person:
        return None
    return token.text.lower()


def _dimension(token: _Token) -> str | None:
    """The canonical dimension a word names, or None."""
    word = _keyword(token)
    return None if word is None else _DIMENSION_ALIASES.get(word)
