"""The answer to `/cost trend DIMENSION NAME [PERIOD]`: a chart, uploaded as a file."""

from __future__ import annotations

from bot.domain.command_grammar import TrendQuery
from bot.services.budget import check_time_left
from handlers.blocks import build_trend_blocks, cost_report_text
from handlers.charts import render_trend_png
from handlers.commands.answer import Answer, Asked


def answer_trend_query(query: TrendQuery, asked: Asked) -> Answer:
    report = asked.services.costs.cost(query.dimension, query.name, query.period)
    title = f"{report.name} · {report.dimension} · {report.period.label}"
    check_time_left()  # the chart is the slow part: not when the budget is already spent
    png = render_trend_png(title, report.primary.daily, report.primary.currency)
    text = f"Daily cost of {title}: {cost_report_text(report)}"
    client = asked.asker.client
    if not asked.shareable:  # being shared: post the chart in the channel itself
        client.files_upload_v2(
            file=png,
            filename="cost-trend.png",
            title=f"Daily cost: {title}",
            channel=asked.asker.channel_id,
            initial_comment=text,
        )
        return Answer(text, posted=True)
    # Uploaded without a channel the file stays private; the ephemeral answer shows it by id.
    upload = client.files_upload_v2(
        file=png, filename="cost-trend.png", title=f"Daily cost: {title}"
    )
    blocks = build_trend_blocks(
        report, file_id=upload["file"]["id"], command_text=asked.command_text
    )
    return Answer(text, blocks)
