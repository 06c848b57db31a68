"""The error `/cost` text raises, and its length limits."""

from __future__ import annotations

MAX_COMMAND_CHARS = 500
MAX_NAME_CHARS = 200


class CommandError(ValueError):
    """Text that is not a command; the message tells the user what to type instead."""
