"""Words of `/cost` text: cleaning, quotes, Slack escapes, names, and "is this a period?"."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.domain.command_grammar.limits import MAX_NAME_CHARS, CommandError
from bot.domain.periods import Period, PeriodError, parse_period

# Any date far from the ends of the calendar: used to ask "is this word a period?" without a
# `today`. Only "Nd" depends on today, and 1..MAX_DAYS days fit before this date.
_REFERENCE_DAY = date(2000, 6, 15)

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
_CHANNEL_ID = re.compile(r"#[CGD][A-Z0-9]{2,}")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITY_TEXT = {"amp": "&", "lt": "<", "gt": ">"}

# A word that could be a name: starts with a letter or digit; no quotes, brackets, emoji, ...
_PLAUSIBLE_NAME = re.compile(r"[^\W_][\w.\-/:@+&]*")


@dataclass(frozen=True)
class _Token:
    """One word (or quoted name) of the command, with Slack escapes already undone."""

    text: str
    quoted: bool = False
    person: bool = False  # a Slack user mention or e-mail link, unquoted
    channel: str | None = None  # the id of a Slack channel mention (<#C123|name>), unquoted


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
    """Split cleaned text into words and quoted names (see "Names" in `parse_command`)."""
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
        tokens.append(_Token(_decode(raw), person=_is_person(raw), channel=_channel_id(raw)))
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


def _channel_id(raw: str) -> str | None:
    """The channel id of a whole word that is a Slack channel mention, else None."""
    match = _SLACK_ESCAPE.fullmatch(raw)
    if match is None or not _CHANNEL_ID.fullmatch(match.group(1)):
        return None
    return match.group(1)[1:]


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
