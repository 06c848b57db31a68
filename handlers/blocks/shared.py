"""The lines every cost answer gives about shared cost: what it includes, what it gave away,
or that it is direct cost (`direct`)."""

from __future__ import annotations

from bot.domain.reports import CostReport, CurrencyCost, CurrencyRanking, TopReport
from bot.domain.shared.wording import DIRECT_NOTE, shared_sentences, top_shared_sentence
from handlers.formatting import escape_truncate, format_money, one_line

# A line about shared cost names rules from the config; a long list is cut, never the message.
SHARED_LINE_CHARS = 600


def shared_texts(report: CostReport, part: CurrencyCost, *, first: bool) -> list[str]:
    """Plain sentences for one currency of a cost answer (direct cost: said once, first)."""
    if not report.shared:
        return [DIRECT_NOTE] if first else []
    currency = one_line(part.currency).strip()
    return shared_sentences(part, report.dimension, lambda amount: format_money(amount, currency))


def top_shared_texts(report: TopReport, ranking: CurrencyRanking, *, first: bool) -> list[str]:
    """Plain sentences for one currency of a top answer."""
    if not report.shared:
        return [DIRECT_NOTE] if first else []
    currency = one_line(ranking.currency).strip()
    line = top_shared_sentence(
        ranking, report.dimension, lambda amount: format_money(amount, currency)
    )
    return [line] if line else []


def shared_mrkdwn(texts: list[str]) -> str | None:
    """The sentences as one escaped mrkdwn line, or None when there are none."""
    if not texts:
        return None
    return escape_truncate(" ".join(one_line(text) for text in texts), SHARED_LINE_CHARS)
