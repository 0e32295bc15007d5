"""The report's charts: what each one shows (`ChartData`, built from the figures by
`report_charts`), drawn as SVG for the PDF and the HTML preview (occe.reports.drawing, with
matplotlib), and as a native Excel chart over the cells of its section's sheet.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.drawing.text import CharacterProperties, ParagraphProperties

from occe.core import formats
from occe.core.exports import DECIMAL, INTEGER, MONEY
from occe.core.spreadsheets import BOLD, writable_cell

from .data import NOT_PROVIDED, ReportData, humanize

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
        return NOT_PROVIDED
    if unit == EUROS:
        return formats.euros(value)
    integral = Decimal(str(value)) == Decimal(str(value)).to_integral()
    text = formats.number(value, 0 if integral else 1)
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
    names = {slug: data.name(f"{prefix}.", slug) for slug in items}
    slugs = sorted(items, key=lambda slug: names[slug].lower())
    return ChartData(
        section,
        f"{prefix}_{measure}",
        BAR_H,
        f"{title}, {data.year}",
        str(data.year),
        [names[slug] for slug in slugs],
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


def draw_all(data: ReportData) -> dict[str, list[Chart]]:
    """{section slug: its charts drawn}."""
    # matplotlib takes a second and 60 MB to import: loaded by the first chart drawn, not by
    # every web and Celery process (they import the report's job kind when they start).
    from .drawing import draw

    drawn: dict[str, list[Chart]] = {}
    for chart in report_charts(data):
        drawn.setdefault(chart.section, []).append(draw(chart))
    return drawn


# --- Excel ------------------------------------------------------------------------------------

EXCEL_KINDS = {BAR_H: "bar", COLUMNS: "col"}
CHART_COLUMN = "G"  # the charts stand right of the section's table
CHART_ROWS = 20  # rows between two charts' tops (a chart is 7.5 cm high)
WHOLE_EUROS = '#,##0\\ "€"'  # the amounts' axis


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
    excel.title.tx.rich.p[0].pPr = ParagraphProperties(defRPr=CharacterProperties(sz=1100, b=True))
    excel.add_data(
        Reference(worksheet, min_col=3, min_row=header_row, max_row=last), titles_from_data=True
    )
    labels = Reference(worksheet, min_col=1, min_row=header_row + 1, max_row=last)
    for series in excel.series:  # text categories (openpyxl would declare them numbers)
        series.cat = AxDataSource(strRef=StrRef(f=str(labels)))
    excel.legend = None
    excel.y_axis.numFmt = WHOLE_EUROS if chart.unit == EUROS else INTEGER
    excel.x_axis.delete = excel.y_axis.delete = False  # openpyxl hides the axes otherwise
    if chart.kind != COLUMNS:  # twelve months of amounts: the table beside gives them
        # The value alone on each bar or point (a viewer shows the unset flags).
        excel.dataLabels = DataLabelList(
            showVal=True, showCatName=False, showSerName=False, showLegendKey=False
        )
    if chart.kind == LINE:
        excel.series[0].marker.symbol = "circle"  # a year alone between gaps still shows
    excel.width, excel.height = 16, 7.5
    return excel
