"""The dimension names a `/cost` command uses, and how a word is read as a keyword."""

from __future__ import annotations

from bot.domain.allocation import DIMENSIONS
from bot.domain.command_grammar.tokens import _Token

_DIMENSION_ALIASES: dict[str, str] = {
    **{dimension: dimension for dimension in DIMENSIONS},
    **{dimension + "s": dimension for dimension in DIMENSIONS},
    "env": "environment",
    "envs": "environment",
}


def _keyword(token: _Token) -> str | None:
    """The lower-cased word if it could be a keyword or dimension (unquoted, not a mention)."""
    if token.quoted or token.person:
        return None
    return token.text.lower()


def _dimension(token: _Token) -> str | None:
    """The canonical dimension a word names, or None."""
    word = _keyword(token)
    return None if word is None else _DIMENSION_ALIASES.get(word)
