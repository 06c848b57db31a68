"""Daily cost charts as PNG, drawn headless on matplotlib's Agg canvas."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
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


# Layer colours of a digest chart: the largest movers first, the rest of the scope in grey.
_LAYER_COLOURS = ("#4a90d9", "#f5a623", "#7ed321", "#bd10e0", "#50e3c2", "#d0021b")
_REST_COLOUR = "#c8c8c8"


def render_digest_png(title: str, panels: Sequence[DigestPanel]) -> bytes:
    """Daily cost stacked by layer, one panel per currency (never added together); PNG bytes."""
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES * max(len(panels), 1)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes_list = figure.subplots(max(len(panels), 1), 1, squeeze=False)[:, 0]
    for axes, panel in zip(axes_list, panels, strict=False):
        bottom = [0.0] * len(panel.days)
        for index, (name, values) in enumerate(panel.layers):
            heights = [float(value) for value in values]  # floats only to draw
            colour = _REST_COLOUR if name == panel.rest_name else _LAYER_COLOURS[index % 6]
            axes.bar(panel.days, heights, bottom=bottom, width=0.8, color=colour, label=name)
            bottom = [a + b for a, b in zip(bottom, heights, strict=True)]
        axes.set_ylim(0, max(bottom, default=0.0) * 1.3 or 1.0)  # room for the legend
        currency = panel.currency
        axes.set_title(
            f"{title} ({currency})" if len(panels) > 1 else title, fontsize=10, loc="left"
        )
        axes.yaxis.set_major_formatter(
            FuncFormatter(
                lambda value, _pos, c=currency: format_money(Decimal(str(round(value, 2))), c)
            )
        )
        axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(labelsize=8)
        if panel.layers:
            axes.legend(loc="upper left", frameon=False, fontsize=7, ncol=3)
    if not panels:
        axes_list[0].text(0.5, 0.5, "no cost in these days", ha="center")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class DigestPanel:
    """One currency's chart: a label and a daily amount per day for each layer, bottom first."""

    currency: str
    days: Sequence[date]
    layers: Sequence[tuple[str, Sequence[Decimal]]]
    rest_name: str | None = None  # the layer drawn in grey
