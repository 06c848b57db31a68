"""Daily cost charts as PNG, drawn headless on matplotlib's Agg canvas."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.domain.reports import DailyCost
from handlers.formatting import format_money

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 3.2, 110
AVERAGE_DAYS = 7
# Past this many days a bar per day is thinner than a pixel, and each bar is a drawn object
# (ten years took seconds of CPU): longer series are drawn as one filled step outline.
MAX_BARS = 400


def render_trend_png(title: str, daily: Sequence[DailyCost], currency: str) -> bytes:
    """A bar chart of cost per day with a 7-day average line; returns PNG bytes."""
    # A Figure on its own Agg canvas, never pyplot: no global state, no display, thread-safe.
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    days = [point.date for point in daily]
    costs = [float(point.cost) for point in daily]  # floats only to draw; sums stay Decimal
    if len(days) <= MAX_BARS:
        axes.bar(days, costs, width=0.8, color="#4a90d9", label="daily cost")
    else:
        axes.fill_between(days, costs, step="mid", color="#4a90d9", label="daily cost")
    if len(costs) >= AVERAGE_DAYS:
        axes.plot(
            days, _moving_average(costs), color="#d0021b", linewidth=1.5, label="7-day average"
        )
        axes.legend(loc="upper left", frameon=False, fontsize=8)
    if not days:
        axes.text(0.5, 0.5, "no cost in this period", ha="center", transform=axes.transAxes)
    axes.set_title(title, fontsize=10, loc="left")
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _pos: format_money(Decimal(str(round(value, 2))), currency))
    )
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _moving_average(values: list[float]) -> list[float]:
    window: list[float] = []
    averages = []
    for value in values:
        window = [*window[-(AVERAGE_DAYS - 1) :], value]
        averages.append(sum(window) / len(window))
    return averages
