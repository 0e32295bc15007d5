"""The report's charts: what each one shows (`ChartData`, built from the figures by
`report_charts`), drawn as SVG by matplotlib for the PDF and the HTML preview, and as a native
Excel chart over the cells of its section's sheet (occe.reports.workbook).

Matplotlib: the reference plotting library, well kept, whose SVG backend keeps text as text
(`svg.fonttype: none`, so the PDF's chart labels stay searchable) and writes deterministic files
(`svg.hashsalt`, no date). Its object API (Figure + FigureCanvasSVG, no pyplot) keeps no global
figure registry: nothing to close, nothing shared between threads.
"""

import base64
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, MaxNLocator
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList

from occe.core import formats
from occe.core.exports import DECIMAL, INTEGER, MONEY
from occe.core.spreadsheets import BOLD, writable_cell

from .data import ReportData, humanize

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

BAR_H, COLUMNS, LINE = "barh", "columns", "line"
COUNT, EUROS, DAYS = "", "€", "j"

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
SHORT_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
COOPERATIVE_TYPES = [
    ("maternelle", "Maternelles"),
    ("elementaire", "Élémentaires"),
    ("primaire", "Primaires"),
    ("college", "Collèges"),
    ("segpa", "SEGPA"),
    ("lycee", "Lycées"),
    ("etablissement_specialise", "Établissements spécialisés"),
]


@dataclass
class ChartData:
    """One chart: its section, kind, title, and a value (or None: "non renseigné") per
    category; `keys` are the indicators' keys behind the values, when there are any."""

    section: str
    slug: str
    kind: str
    title: str
    series: str  # the values' name (the year, or "Adhérents")
    categories: list[str]
    values: list
    unit: str = COUNT
    long_categories: list[str] = field(default_factory=list)  # the alt text's words
    keys: list[str] = field(default_factory=list)

    def shown(self, value) -> str:
        return shown(value, self.unit)

    @property
    def alt(self) -> str:
        """The chart in words: its title, then each category with its value in French."""
        names = self.long_categories or self.categories
        items = " ; ".join(
            f"{name} : {self.shown(value)}" for name, value in zip(names, self.values, strict=True)
        )
        return f"{self.title}. {items}."


@dataclass
class Chart:
    data: ChartData
    svg: str
    seconds: float  # the time matplotlib took to draw it

    @property
    def title(self) -> str:
        return self.data.title

    @property
    def alt(self) -> str:
        return self.data.alt

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def shown(value, unit: str) -> str:
    """`146 262`, `13 003,00 €`, `133 j`; "non renseigné" for None."""
    if value is None:
        return "non renseigné"
    if unit == EUROS:
        return formats.euros(value)
    integral = Decimal(str(value)) == Decimal(str(value)).to_integral()
    text = formats.number(value, 0 if integral else 1)
    return f"{text}{formats.NBSP}{unit}" if unit else text


def _axis_text(value, unit: str) -> str:
    text = formats.number(value, 0)
    return f"{text}{formats.NBSP}{unit}" if unit else text


# --- What the report charts -------------------------------------------------------------------


def report_charts(data: ReportData) -> list[ChartData]:
    """The report's charts, in the order of their sections; a chart without any value is left
    out (no chart for no data)."""
    year = str(data.year)
    found = [
        ChartData(
            "cooperatives",
            "types",
            BAR_H,
            f"Coopératives affiliées par type, {year}",
            year,
            [label for _, label in COOPERATIVE_TYPES],
            [data.get(f"cooperatives.type.{slug}") for slug, _ in COOPERATIVE_TYPES],
            keys=[f"cooperatives.type.{slug}" for slug, _ in COOPERATIVE_TYPES],
        ),
        ChartData(
            "cooperatives",
            "adherents",
            LINE,
            "Adhérents sur cinq ans",
            "Adhérents",
            [label for label, _ in data.history],
            [value for _, value in data.history],
        ),
        _months(data),
        _family(data, "ressources_et_prets", "prets", "Jours de prêt par type de ressource", DAYS),
        _family(data, "actions", "actions", "Classes participantes par action", COUNT, "classes"),
        _cycles(data),
    ]
    return [chart for chart in found if chart and any(v for v in chart.values if v is not None)]


def _months(data: ReportData) -> ChartData | None:
    """The twelve months of the school year, September first: a month of the family without
    a validated request is 0 (the family exists: the month had none)."""
    months = data.family("recus.mois.")
    if not months:
        return None
    start = data.year.start_date
    slugs = [
        f"{start.year + (start.month + i - 1) // 12}_{(start.month + i - 1) % 12 + 1:02d}"
        for i in range(12)
    ]
    return ChartData(
        "accompagnement",
        "dons_par_mois",
        COLUMNS,
        f"Dons des demandes de reçus validées, par mois ({data.year})",
        str(data.year),
        [SHORT_MONTHS[int(slug[5:]) - 1] for slug in slugs],
        [months.get(slug, Decimal("0.00")) for slug in slugs],
        EUROS,
        long_categories=[f"{MONTHS[int(slug[5:]) - 1]} {slug[:4]}" for slug in slugs],
        keys=[f"recus.mois.{slug}" for slug in slugs],
    )


def _family(data, section, prefix, title, unit, measure="jours") -> ChartData | None:
    items = data.family(f"{prefix}.", f".{measure}")
    slugs = sorted(items, key=lambda slug: humanize(slug).lower())
    return ChartData(
        section,
        f"{prefix}_{measure}",
        BAR_H,
        f"{title}, {data.year}",
        str(data.year),
        [humanize(slug) for slug in slugs],
        [items[slug] for slug in slugs],
        unit,
        keys=[f"{prefix}.{slug}.{measure}" for slug in slugs],
    )


def _cycles(data: ReportData) -> ChartData | None:
    """Classes of all the year's actions per cycle (`actions.<action>.cycles.cycle_<n>`
    summed); a class spanning two cycles counts in each."""
    cycles: dict[str, int] = {}
    for key, value in data.values.items():
        if key.startswith("actions.") and ".cycles." in key and value is not None:
            cycle = key.rsplit(".", 1)[-1]
            cycles[cycle] = cycles.get(cycle, 0) + value
    if not cycles:
        return None
    names = sorted(cycles)
    return ChartData(
        "actions",
        "classes_par_cycle",
        BAR_H,
        f"Classes des actions par cycle, {data.year}",
        str(data.year),
        [humanize(name) for name in names],
        [cycles[name] for name in names],
    )


# --- SVG --------------------------------------------------------------------------------------


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


def draw_all(data: ReportData) -> dict[str, list[Chart]]:
    """{section slug: its charts drawn}."""
    drawn: dict[str, list[Chart]] = {}
    for chart in report_charts(data):
        drawn.setdefault(chart.section, []).append(draw(chart))
    return drawn


def _margins(figure, axes, chart: ChartData) -> None:
    """Room for the title, the axes' labels and the bars' values, measured on the labels (the
    same result as matplotlib's constrained layout, in half the time)."""
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
                "non renseigné",
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


# --- Excel ------------------------------------------------------------------------------------

EXCEL_KINDS = {BAR_H: "bar", COLUMNS: "col"}
CHART_COLUMN = "G"  # the charts stand right of the section's table
CHART_ROWS = 20  # rows between two charts' tops (a chart is 7.5 cm high)


def sheet_charts(found: list[ChartData]) -> Callable | None:
    """A section sheet's `finish` (occe.core.exports.Sheet): below its table, each chart's
    values (label, key, value, real numbers), and beside the table a native Excel chart over
    those cells."""
    if not found:
        return None

    def finish(worksheet, count: int) -> None:
        worksheet.append([])
        row = count + 3  # the header, the table's rows, a blank row
        for index, chart in enumerate(found):
            _values_table(worksheet, chart)
            worksheet.add_chart(
                _excel_chart(worksheet, chart, row), f"{CHART_COLUMN}{2 + index * CHART_ROWS}"
            )
            row += len(chart.categories) + 2

    return finish


def _values_table(worksheet, chart: ChartData) -> None:
    number_format = MONEY if chart.unit == EUROS else _count_format(chart.values)
    worksheet.append(
        [
            writable_cell(worksheet, f"Graphique : {chart.title}", font=BOLD),
            writable_cell(worksheet, "Clé", font=BOLD),
            writable_cell(worksheet, chart.series, font=BOLD),
        ]
    )
    keys = chart.keys or [""] * len(chart.categories)
    names = chart.long_categories or chart.categories
    for name, key, value in zip(names, keys, chart.values, strict=True):
        worksheet.append(
            [
                writable_cell(worksheet, name),
                writable_cell(worksheet, key),
                writable_cell(worksheet, value, number_format=number_format),
            ]
        )
    worksheet.append([])


def _count_format(values) -> str:
    known = [Decimal(str(v)) for v in values if v is not None]
    return INTEGER if all(v == v.to_integral() for v in known) else DECIMAL


def _excel_chart(worksheet, chart: ChartData, header_row: int):
    last = header_row + len(chart.categories)
    if chart.kind == LINE:
        excel = LineChart()
    else:
        excel = BarChart()
        excel.type = EXCEL_KINDS[chart.kind]
        excel.gapWidth = 60
        if chart.kind == BAR_H:
            excel.x_axis.scaling.orientation = "maxMin"  # the first category on top
            excel.y_axis.crosses = "max"  # and the values' axis still below
    excel.title = chart.title
    excel.add_data(
        Reference(worksheet, min_col=3, min_row=header_row, max_row=last), titles_from_data=True
    )
    labels = Reference(worksheet, min_col=1, min_row=header_row + 1, max_row=last)
    for series in excel.series:  # text categories (openpyxl would declare them numbers)
        series.cat = AxDataSource(strRef=StrRef(f=str(labels)))
    excel.legend = None
    excel.y_axis.numFmt = MONEY if chart.unit == EUROS else INTEGER
    excel.x_axis.delete = excel.y_axis.delete = False  # openpyxl hides the axes otherwise
    excel.dataLabels = DataLabelList(showVal=True)
    excel.width, excel.height = 16, 7.5
    return excel
