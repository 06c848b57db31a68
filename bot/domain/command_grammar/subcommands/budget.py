"""`budget`: list budgets, or set or delete the one of a scope.

    /cost budget                                              every budget and how it is doing
    /cost budget set project fraud-detection 5000 [EUR] [monthly] [#channel]
    /cost budget set all 20k quarterly
    /cost budget delete project fraud-detection   /   /cost budget delete all

An amount is digits with optional `,` thousands separators and up to 2 decimals (`5000`,
`5,000`, `1250.50`), optionally after a currency sign (`$` USD, `€` EUR, `£` GBP, `¥` JPY) and
optionally with a `k` for thousands (`5k`, `1.5k`). A 3-letter currency code may follow it;
without one the budget keeps its currency (a new one takes the configured currency). The
period and the channel may come in either order; a channel is `#name` or Slack's
`<#C123|name>` mention (kept as the id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from bot.domain.budgets import ALL_SCOPE, BudgetError, BudgetPeriod, BudgetScope
from bot.domain.command_grammar.keywords import _dimension, _keyword
from bot.domain.command_grammar.limits import CommandError
from bot.domain.command_grammar.messages import _DIMENSION_LIST, _echo
from bot.domain.command_grammar.subcommand import Subcommand
from bot.domain.command_grammar.text import _name_text
from bot.domain.command_grammar.tokens import _normalise_name, _Token
from bot.domain.currencies import is_currency_code

BudgetAction = Literal["list", "set", "delete"]

_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
# 1 to 12 digits before the point (a trillion is past any budget), commas in groups of three.
_AMOUNT = re.compile(
    r"(?P<sign>[$€£¥])?(?P<number>[0-9]{1,3}(?:,[0-9]{3}){1,3}|[0-9]{1,12})"
    r"(?:\.(?P<decimals>[0-9]{1,3}))?(?P<k>[kK])?"
)
_CHANNEL_NAME = re.compile(r"#[a-z0-9][a-z0-9_\-]{0,79}", re.IGNORECASE)
_SET_EXAMPLE = "`/cost budget set project fraud-detection 5000 monthly #fraud-costs`"


@dataclass(frozen=True)
class BudgetQuery:
    """List budgets (`action="list"`), or set or delete the budget of one scope.

    `dimension` and `name` are None for the whole-bill scope (`all`). For `set`, `currency`,
    `period` and `channel` are None when not written: the budget keeps what it had.
    """

    action: BudgetAction = "list"
    dimension: str | None = None
    name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    period: BudgetPeriod | None = None
    channel: str | None = None  # a channel id (C123...) or `#name`

    @property
    def scope(self) -> BudgetScope:
        return BudgetScope(self.dimension, self.name)


def budget_text(query: BudgetQuery) -> str:
    if query.action == "list":
        return "budget"
    scope = ALL_SCOPE if query.dimension is None else f"{query.dimension} "
    if query.dimension is not None:
        scope += _name_text(query.name or "")
    if query.action == "delete":
        return f"budget delete {scope}"
    parts = [f"budget set {scope}", format(query.amount, "f")]
    parts += [query.currency] if query.currency else []
    parts += [query.period.value] if query.period else []
    if query.channel:
        parts.append(query.channel if query.channel.startswith("#") else f"<#{query.channel}>")
    return " ".join(parts)


def _parse(word: str, rest: list[_Token], today: date) -> BudgetQuery:
    if not rest:
        return BudgetQuery()
    action = _keyword(rest[0])
    if action == "set":
        return _parse_set(rest[1:])
    if action in ("delete", "remove"):
        dimension, name, after = _scope(rest[1:], "delete")
        if after:
            raise CommandError(
                f"`/cost budget delete` takes only the scope; I don't know {_echo(after[0].text)}. "
                "e.g. `/cost budget delete project fraud-detection`."
            )
        return BudgetQuery("delete", dimension, name)
    raise CommandError(
        f"I don't know {_echo(rest[0].text)} after `/cost budget`. Type `/cost budget` for every "
        f"budget, {_SET_EXAMPLE} or `/cost budget delete project fraud-detection`."
    )


def _scope(tokens: list[_Token], verb: str) -> tuple[str | None, str | None, list[_Token]]:
    """(dimension, name, the words after the scope); `all` is (None, None)."""
    example = f"`/cost budget {verb} project fraud-detection`"
    if not tokens:
        raise CommandError(f"Say which budget, e.g. {example} or `/cost budget {verb} all`.")
    if _keyword(tokens[0]) == ALL_SCOPE:
        return None, None, tokens[1:]
    dimension = _dimension(tokens[0])
    if dimension is None:
        raise CommandError(
            f"A budget is for one of {_DIMENSION_LIST}, or all; not {_echo(tokens[0].text)}. "
            f"e.g. {example}."
        )
    if len(tokens) < 2:
        raise CommandError(f"Say which {dimension}, e.g. `/cost budget {verb} {dimension} NAME`.")
    name = _normalise_name(tokens[1].text)
    try:
        BudgetScope(dimension, name)
    except BudgetError as error:
        raise CommandError(str(error)) from None
    return dimension, name, tokens[2:]


def _parse_set(tokens: list[_Token]) -> BudgetQuery:
    dimension, name, rest = _scope(tokens, "set")
    if not rest:
        raise CommandError(f"Say how much the budget is, e.g. {_SET_EXAMPLE}.")
    amount, currency = _amount(rest[0])
    rest = rest[1:]
    if rest and not rest[0].quoted and is_currency_code(rest[0].text.upper()):
        code = rest[0].text.upper()
        if currency is not None and currency != code:
            raise CommandError(f"The amount says {currency} but the code after it says {code}.")
        currency, rest = code, rest[1:]
    period: BudgetPeriod | None = None
    channel: str | None = None
    for token in rest:
        word = _keyword(token)
        if word in set(BudgetPeriod) and period is None:
            period = BudgetPeriod(word)
        elif channel is None and (token.channel or _CHANNEL_NAME.fullmatch(token.text)):
            channel = token.channel or token.text.lower()
        else:
            raise CommandError(
                f"I don't know {_echo(token.text)} in a budget. After the amount come an optional "
                f"currency code, period (monthly, quarterly or yearly) and #channel: "
                f"{_SET_EXAMPLE}."
            )
    return BudgetQuery("set", dimension, name, amount, currency, period, channel)


def _amount(token: _Token) -> tuple[Decimal, str | None]:
    """The amount a word writes, and the currency its sign names (None without a sign)."""
    match = None if token.quoted else _AMOUNT.fullmatch(token.text)
    decimals = match.group("decimals") if match else None
    if match is None or (decimals and len(decimals) == 3 and not match.group("k")):
        raise CommandError(
            f"{_echo(token.text)} is not an amount. Write it like 5000, 5,000, $5000, 1250.50 "
            f"or 5k, e.g. {_SET_EXAMPLE}."
        )
    try:
        amount = Decimal(match.group("number").replace(",", "") + "." + (decimals or "0"))
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        raise CommandError(f"{_echo(token.text)} is not an amount.") from None
    if match.group("k"):
        amount *= 1000
    # Written back as plain digits: whole amounts without decimals, others to the cent.
    amount = amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount
    if amount <= 0:
        raise CommandError("A budget must be more than 0. To remove one, use /cost budget delete.")
    sign = match.group("sign")
    return amount, _SIGNS[sign] if sign else None


SUBCOMMAND = Subcommand(
    name="budget",
    query=BudgetQuery,
    words=frozenset({"budget", "budgets"}),
    known_words=("budget", "budgets"),
    usage="/cost budget [set <dimension> <name> <amount> [period] [#channel] | delete ...]",
    summary="budgets: spent, % used, projection; set or delete one (amount: 5000, $5,000, 5k)",
    example="/cost budget",
    parse=_parse,
    text=budget_text,
)
