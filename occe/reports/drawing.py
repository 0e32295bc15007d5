"""The report's charts drawn as SVG by matplotlib.

Matplotlib: the reference plotting library, well kept, whose SVG backend keeps text as text
(`svg.fonttype: none`, so the PDF's chart labels stay searchable) and writes deterministic files
(`svg.hashsalt`, no date). Its object API (Figure + FigureCanvasSVG, no pyplot) keeps no global
figure registry: nothing to close, nothing shared between threads. One style for every chart;
margins measured on the labels rather than matplotlib's constrained layout (a third of the time).
"""

import io
import time

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, MaxNLocator

from occe.core import formats

from .charts import BAR_H, COLUMNS, LINE, Chart, ChartData
from .data import NOT_PROVIDED

# Drawn in DejaVu Sans (the PDF's font, shipped with matplotlib for the measures), text kept as
# text, the same bytes for the same figures.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.edgecolor": "#888888",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "svg.fonttype": "none",
    "svg.hashsalt": "occe-rapport-activite",
}
TITLE = {"fontsize": 10, "fontweight": "bold", "color": "#1f5c99"}
METADATA = {"Date": None, "Creator": None}
COLOR, MISSING_COLOR = "#1f5c99", "#888888"
WIDTH = 6.8  # inches: the A4 page's text width
BAR, FRAME = 0.28, 0.75  # inches per bar, and around them (title, axis)
TOP, BOTTOM, LABEL_PAD, RIGHT_PAD = 0.42, 0.32, 0.14, 0.12  # inches around the axes


def _axis_text(value, unit: str) -> str:
    text = formats.number(value, 0)
    return f"{text}{formats.NBSP}{unit}" if unit else text


def draw(chart: ChartData) -> Chart:
    """The chart as an SVG document (text as text, French numbers), with its drawing time."""
    started = time.perf_counter()
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH, _height(chart)))
        axes = figure.add_subplot()
        {BAR_H: _bars, COLUMNS: _columns, LINE: _line}[chart.kind](axes, chart)
        _margins(figure, axes, chart)
        figure.suptitle(chart.title, x=0.005, y=1 - 0.06 / _height(chart), ha="left", **TITLE)
        buffer = io.StringIO()
        metadata = {**METADATA, "Title": chart.title, "Description": chart.alt}
        FigureCanvasSVG(figure).print_svg(buffer, metadata=metadata)
    svg = buffer.getvalue()
    return Chart(chart, svg, time.perf_counter() - started)


def _margins(figure, axes, chart: ChartData) -> None:
    """Room for the title, the axes' labels and the bars' values, measured on the labels (the
    same result as matplotlib's constrained layout, in a third of the time)."""
    if chart.kind == BAR_H:
        labels = chart.categories
    else:
        formatter = axes.yaxis.get_major_formatter()
        labels = [formatter(value, 0) for value in axes.yaxis.get_majorticklocs()]
    size = STYLE["font.size"]
    widest = max(_text_width(label, size) for label in labels)
    height = _height(chart)
    figure.subplots_adjust(
        left=(widest + LABEL_PAD) / WIDTH,
        right=1 - RIGHT_PAD / WIDTH,
        top=1 - TOP / height,
        bottom=BOTTOM / height,
    )


def _text_width(text: str, size: float) -> float:
    """The width of a label in DejaVu Sans, in inches."""
    font = FontProperties(family=STYLE["font.family"], size=size)
    width, _, _ = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return width / 72


def _height(chart: ChartData) -> float:
    if chart.kind == BAR_H:
        return FRAME + BAR * len(chart.categories) + 0.3
    return 2.6


def _numbers(values) -> list[float]:
    return [float(v) if v is not None else 0.0 for v in values]


def _french_axis(axis, unit: str) -> None:
    axis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=2))
    axis.set_major_formatter(FuncFormatter(lambda value, _: _axis_text(value, unit)))


def _bars(axes, chart: ChartData) -> None:
    """Horizontal bars, top down, each labelled with its value."""
    positions = range(len(chart.categories))
    values = _numbers(chart.values)
    bars = axes.barh(positions, values, height=0.62, color=COLOR)
    axes.set_yticks(positions, chart.categories)
    axes.invert_yaxis()
    axes.tick_params(axis="y", length=0)
    axes.margins(x=0.14)
    _french_axis(axes.xaxis, chart.unit)
    axes.bar_label(bars, [chart.shown(v) for v in chart.values], padding=3, fontsize=8)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def _columns(axes, chart: ChartData) -> None:
    """Vertical bars (the months), labelled with their value (whole euros above the bar)."""
    positions = range(len(chart.categories))
    bars = axes.bar(positions, _numbers(chart.values), width=0.66, color=COLOR)
    axes.set_xticks(positions, chart.categories)
    axes.tick_params(axis="x", length=0)
    axes.margins(y=0.16)
    _french_axis(axes.yaxis, chart.unit)
    labels = [_axis_text(v, chart.unit) if v else "" for v in chart.values]
    axes.bar_label(bars, labels, padding=2, fontsize=6.5)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def _line(axes, chart: ChartData) -> None:
    """A line through the years with data (a gap where a year has none, said in words)."""
    positions = list(range(len(chart.categories)))
    values = [float(v) if v is not None else float("nan") for v in chart.values]
    axes.plot(positions, values, color=COLOR, marker="o", linewidth=2)
    axes.set_xticks(positions, chart.categories)
    axes.set_xlim(-0.4, len(positions) - 0.6)
    known = [v for v in chart.values if v is not None]
    top = float(max(known))
    axes.set_ylim(0, top * 1.25 or 1)
    _french_axis(axes.yaxis, chart.unit)
    for x, value in zip(positions, chart.values, strict=True):
        if value is None:
            axes.annotate(
                NOT_PROVIDED,
                (x, 0),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                color=MISSING_COLOR,
                style="italic",
            )
        else:
            axes.annotate(
                chart.shown(value),
                (x, float(value)),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
