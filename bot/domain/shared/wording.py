"""How shared cost is named in answers, the same in Slack and on the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from bot.domain.reports import CurrencyCost, CurrencyRanking, SharedShare


def rules_and_methods(parts: Sequence[SharedShare]) -> str:
    """`platform (proportional), gpu-pool (usage: GPU hours)`: each rule once, in the order
    of the parts (largest first), with every method it used (a usage rule's fallback days)."""
    methods: dict[str, list[str]] = {}
    for part in parts:
        used = methods.setdefault(part.rule, [])
        if part.method not in used:
            used.append(part.method)
    return ", ".join(f"{rule} ({'; '.join(used)})" for rule, used in methods.items())


def plural(count: int, word: str) -> str:
    """`1 project`, `3 projects`."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


DIRECT_NOTE = "Direct cost, as billed: no shared cost is split in or out."


def shared_sentences(
    part: CurrencyCost, dimension: str, money: Callable[[Decimal], str]
) -> list[str]:
    """What one currency of a cost answer says about shared cost, as plain sentences:

    `Includes $X shared: platform (proportional), gpu-pool (usage: GPU hours).` for a
    receiver, `$Y of its cost is shared among 12 projects by rule platform (proportional).`
    for the value that gave it, and a line for cost a rule matched that stayed here.
    """
    lines = []
    if part.shared_in:
        lines.append(
            f"Includes {money(part.shared_total)} shared: {rules_and_methods(part.shared_in)}."
        )
    for given in part.shared_out:
        lines.append(
            f"{money(given.cost)} of its cost is shared among "
            f"{plural(given.receivers, dimension)} by rule {given.rule} ({given.method})."
        )
    for kept in part.kept:
        lines.append(
            f"{money(kept.cost)} matched shared rule {kept.rule} but stays here ({kept.method})."
        )
    return lines


def top_shared_sentence(
    ranking: CurrencyRanking, dimension: str, money: Callable[[Decimal], str]
) -> str | None:
    """`$X of the total is shared cost, counted under the projects that received it: ...`."""
    if not ranking.shared:
        return None
    return (
        f"{money(ranking.shared_total)} of the total is shared cost, counted under the "
        f"{dimension}s that received it: {rules_and_methods(ranking.shared)}."
    )
