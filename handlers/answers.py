"""Turn a parsed `/cost` question into a Slack message: call a service, build the blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.domain.command_grammar import (
    CommandError,
    CostQuery,
    HelpQuery,
    Query,
    StatusQuery,
    TopQuery,
    TrendQuery,
    UntaggedQuery,
    command_text,
    parse_command,
)
from bot.domain.periods import PeriodError
from bot.services.budget import check_time_left
from bot.services.costs import UnknownDimensionError, UnknownNameError
from handlers import HandlerServices
from handlers.blocks import (
    build_cost_report_blocks,
    build_error_blocks,
    build_help_blocks,
    build_top_report_blocks,
    build_unknown_name_blocks,
    cost_report_text,
    error_text,
    help_text,
    to_payload,
    top_report_text,
    unknown_name_text,
)
from handlers.charts import render_trend_png
from handlers.coverage_blocks import (
    build_status_blocks,
    build_trend_blocks,
    build_untagged_blocks,
    status_text,
    untagged_text,
)


@dataclass(frozen=True)
class Answer:
    """A message ready for `respond()` or `chat.postMessage`: fallback text and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    posted: bool = False  # already in the channel (a shared chart upload): nothing left to send

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": to_payload(self.blocks)}


@dataclass(frozen=True)
class Asker:
    """Who asked, and where: needed to upload a chart."""

    user_id: str
    channel_id: str
    client: WebClient


def answer_text(
    text: str | None, services: HandlerServices, asker: Asker, *, shareable: bool = True
) -> Answer:
    """Answer whatever was typed after `/cost`; every input gets a helpful message."""
    try:
        query = parse_command(text, services.today())
    except (CommandError, PeriodError) as exc:
        return Answer(error_text(str(exc), None), build_error_blocks(str(exc), None))
    return answer_query(query, services, asker, shareable=shareable)


def answer_query(
    query: Query, services: HandlerServices, asker: Asker, *, shareable: bool = True
) -> Answer:
    cmd = command_text(query)
    try:
        return _dispatch(query, services, asker, cmd, shareable)
    except UnknownNameError as exc:
        period = getattr(query, "period", None)
        label = period.label if period else ""
        return Answer(
            unknown_name_text(exc.dimension, exc.name, exc.suggestions, label),
            build_unknown_name_blocks(exc.dimension, exc.name, exc.suggestions, label),
        )
    except UnknownDimensionError as exc:
        return Answer(error_text(str(exc), None), build_error_blocks(str(exc), None))


def _dispatch(
    query: Query, services: HandlerServices, asker: Asker, cmd: str, shareable: bool
) -> Answer:
    if isinstance(query, CostQuery):
        report = services.costs.cost(query.dimension, query.name, query.period)
        blocks = build_cost_report_blocks(report, command_text=cmd, shareable=shareable)
        return Answer(cost_report_text(report), blocks)
    if isinstance(query, TopQuery):
        report = services.costs.top(query.dimension, query.period)
        blocks = build_top_report_blocks(report, command_text=cmd, shareable=shareable)
        return Answer(top_report_text(report), blocks)
    if isinstance(query, UntaggedQuery):
        untagged = services.coverage.untagged(query.period)
        return Answer(untagged_text(untagged), build_untagged_blocks(untagged, command_text=cmd))
    if isinstance(query, TrendQuery):
        return _trend(query, services, asker, cmd, shared=not shareable)
    if isinstance(query, StatusQuery):
        status = services.coverage.status()
        return Answer(status_text(status), build_status_blocks(status))
    assert isinstance(query, HelpQuery)
    blocks = build_help_blocks()
    if query.reason:
        blocks = [*build_error_blocks(query.reason, None), *blocks]
    return Answer(help_text(), blocks)


def _trend(
    query: TrendQuery, services: HandlerServices, asker: Asker, cmd: str, shared: bool
) -> Answer:
    report = services.costs.cost(query.dimension, query.name, query.period)
    title = f"{report.name} · {report.dimension} · {report.period.label}"
    check_time_left()  # the chart is the slow part: not when the budget is already spent
    png = render_trend_png(title, report.primary.daily, report.primary.currency)
    text = f"Daily cost of {title}: {cost_report_text(report)}"
    if shared:
        asker.client.files_upload_v2(
            file=png,
            filename="cost-trend.png",
            title=f"Daily cost: {title}",
            channel=asker.channel_id,
            initial_comment=text,
        )
        return Answer(text, posted=True)
    # Uploaded without a channel the file stays private; the ephemeral answer shows it by id.
    upload = asker.client.files_upload_v2(
        file=png, filename="cost-trend.png", title=f"Daily cost: {title}"
    )
    return Answer(text, build_trend_blocks(report, file_id=upload["file"]["id"], command_text=cmd))
