"""The report's charts: drawn by matplotlib as SVG whose labels and values stay text in French
formats, with an alt text giving every value; in the PDF as tagged figures; in the workbook as
native Excel charts over the cells of their section's sheet."""

# ruff: noqa: F811 (the report's `department` fixture, imported, is the tests' argument)

import io
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from occe.core.exports import INTEGER, MONEY
from occe.reports import charts, drawing
from occe.reports.data import collect
from occe.reports.generate import INDICATORS_SHEET, generate
from tests.reports.test_report import department, frozen, pdf_pages, section_page  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"


def svg_texts(svg: str) -> list[str]:
    """The text elements of an SVG: what a search or a screen reader finds."""
    return [node.text for node in ElementTree.fromstring(svg.encode()).iter(f"{SVG}text")]


def by_slug(data) -> dict:
    return {chart.slug: chart for chart in charts.report_charts(data)}


def test_bars_keep_their_labels_and_french_values_as_text():
    chart = charts.ChartData(
        "cooperatives",
        "types",
        charts.BAR_H,
        "Coopératives affiliées par type, 2024-2025",
        "2024-2025",
        ["Maternelles", "Établissements spécialisés", "SEGPA"],
        [1268, 12, None],
    )
    texts = svg_texts(drawing.draw(chart).svg)
    assert {"Maternelles", "Établissements spécialisés", "SEGPA"} <= set(texts)
    assert f"1{NBSP}268" in texts  # the bar's value, grouped the French way
    assert "non renseigné" in texts  # no value: said, never drawn as 0
    assert f"1{NBSP}000" in texts  # the axis too
    assert "Coopératives affiliées par type, 2024-2025" in texts  # the title
    assert chart.alt == (
        "Coopératives affiliées par type, 2024-2025. Maternelles : 1 268 ; "
        "Établissements spécialisés : 12 ; SEGPA : non renseigné."
    ).replace("1 268", f"1{NBSP}268")


def test_the_same_figures_draw_the_same_bytes_without_a_date():
    chart = charts.ChartData("s", "x", charts.LINE, "Adhérents", "Adhérents", ["a", "b"], [1, 2])
    first, second = drawing.draw(chart), drawing.draw(chart)
    assert first.svg == second.svg
    assert "dc:date" not in first.svg and "Matplotlib v" not in first.svg


def test_the_department_charts_in_french(department):
    found = by_slug(collect(department))
    assert found["types"].values == [2, 1, 0, 1, 0, 1, 0]
    assert found["adherents"].categories[-2:] == ["2023-2024", "2024-2025"]
    assert found["adherents"].values[-2:] == [424, 1858]
    assert "2020-2021 : non renseigné" in found["adherents"].alt
    months = found["dons_par_mois"]
    assert months.categories[0] == "sept." and months.categories[-1] == "août"
    assert months.values[1] == Decimal("275.50") and months.values[6] == Decimal("50.00")
    assert months.values[0] == 0  # a month without validated request: none, in the family
    assert f"octobre 2024 : 275,50{NBSP}€" in months.alt
    assert f"mars 2025 : 50,00{NBSP}€" in months.alt
    texts = svg_texts(drawing.draw(months).svg)
    assert f"276{NBSP}€" in texts and "oct." in texts  # whole euros above the bar
    assert f"1{NBSP}858" in svg_texts(drawing.draw(found["adherents"]).svg)
    # No loan, no action this year: no chart rather than an empty one.
    assert not {"prets_jours", "actions_classes", "classes_par_cycle"} & set(found)


def figures(pdf: bytes) -> list[str]:
    """The alt texts of the PDF's tagged figures."""
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                stack.append(node["/K"])
    return found


def test_pdf_charts_are_tagged_figures_with_their_values_and_searchable(department):
    pdf = generate(department).pdf
    alts = figures(pdf)
    assert any(
        alt.startswith("Coopératives affiliées par type, 2024-2025. Maternelles : 2 ;")
        for alt in alts
    )
    assert any(f"octobre 2024 : 275,50{NBSP}€" in alt for alt in alts)
    pages = pdf_pages(pdf)
    coops = section_page(pages, "Nos coopératives")
    assert "Coopératives affiliées par type, 2024-2025" in coops  # the chart's own text
    assert "Établissements spécialisés" in coops and "Adhérents sur cinq ans" in coops
    support = section_page(pages, "Accompagnement des coops")
    assert "Dons des demandes de reçus validées, par mois (2024-2025)" in support


def chart_cells(sheet, reference: str) -> list:
    """The values of a chart's range (`'Sheet'!$C$5:$C$9`)."""
    cells = reference.split("!")[1].replace("$", "")
    return [row[0].value for row in sheet[cells]]


def test_workbook_has_native_charts_over_the_cells_of_their_section(department):
    workbook = load_workbook(io.BytesIO(generate(department).xlsx))
    coops = workbook["Nos coopératives"]
    types, members = coops._charts
    assert type(types).__name__ == "BarChart" and types.type == "bar"
    values = types.series[0].val.numRef.f
    assert values.startswith("'Nos coopératives'!$C$")
    assert chart_cells(coops, values) == [2, 1, 0, 1, 0, 1, 0]
    assert chart_cells(coops, types.series[0].cat.strRef.f)[0] == "Maternelles"
    assert type(members).__name__ == "LineChart"
    assert chart_cells(coops, members.series[0].val.numRef.f)[-2:] == [424, 1858]
    support = workbook["Accompagnement des coops"]
    (months,) = support._charts
    assert months.type == "col"
    cells = months.series[0].val.numRef.f.split("!")[1].replace("$", "")
    october = support[cells][1][0]
    assert october.value == 275.5 and october.number_format == MONEY
    assert workbook["Ressources et prêts"]._charts == []  # no loan: no chart


def test_workbook_numbers_are_real_numbers_in_french_friendly_formats(department):
    workbook = load_workbook(io.BytesIO(generate(department).xlsx))
    sheet = workbook[INDICATORS_SHEET]
    formats = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert formats["adherents.total"].value == 1858
    assert formats["adherents.total"].number_format == INTEGER  # "1 858" in a French Excel
    assert formats["recus.montant"].value == 300.5
    assert formats["recus.montant"].number_format == MONEY  # "300,50 €"
    coops = workbook["Nos coopératives"]
    assert coops.freeze_panes == "A2" and coops.auto_filter.ref.startswith("A1:E")
    total = next(row for row in coops.iter_rows(min_row=2) if row[1].value == "adherents.total")
    assert total[2].value == 1858 and total[2].number_format == INTEGER
