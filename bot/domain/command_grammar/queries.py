"""The typed queries `/cost` text parses into, the error it raises, and its length limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.periods import Period

MAX_COMMAND_CHARS = 500
MAX_NAME_CHARS = 200


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
