"""Generating a year's report: the figures (data.collect), the workbook and the PDF.

The same code serves the background job (occe.reports.jobs) and the command
`manage.py rapport_activite`. The figures are computed once; the PDF and the workbook are made
from them.
"""

import base64
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string

from occe.core import formats
from occe.core.exports import DATE, DECIMAL, INTEGER, MONEY, Column, Exporter, Formatted, Sheet
from occe.core.indicators import Unit
from occe.core.models import Association, SchoolYear
from occe.core.pdf import font_config

from . import charts
from .blocks import sheet as listing_sheet
from .data import NOT_PROVIDED, ReportData, cell, collect

INDICATORS_SHEET = "Indicateurs"
PDF_TEMPLATE = "reports/pdf/rapport.html"


@dataclass
class Output:
    data: ReportData
    pdf: bytes
    xlsx: bytes
    timings: dict


class ReportWorkbook(Exporter):
    """The `Indicateurs` sheet (the contract: two columns, one row per figure), then one sheet
    per section with the labels and the previous year's value beside each figure, and the
    section's charts as native Excel charts over their values (below the table). Numbers are
    real numbers with a format by unit (`# ##0`, `# ##0,00 €` in a French Excel)."""

    data: ReportData

    def sheets(self):
        data = self.data
        found: dict[str, list] = {}
        for chart in charts.report_charts(data):
            found.setdefault(chart.section, []).append(chart)
        yield Sheet(
            INDICATORS_SHEET,
            [Column("indicateur", width=50), Column("valeur", width=18)],
            [
                (figure.key, _number(figure.value, figure.unit))
                for section in data.sections
                for figure in section.figures
            ],
        )
        for section in data.sections:
            if not section.figures and not section.text:
                continue
            columns = [
                Column("Indicateur", width=60),
                Column("Clé", width=40),
                Column(str(data.year), width=16),
                Column(str(data.previous_year), width=16),
                Column("Unité", width=10),
            ]
            rows = [
                (
                    figure.label,
                    figure.key,
                    _number(figure.value, figure.unit),
                    _number(figure.previous, figure.unit),
                    _unit_label(figure.unit),
                )
                for figure in section.figures
            ]
            if section.text:
                rows.append(("Texte", "", section.text, None, None))
            finish = charts.sheet_charts(found.get(section.slug, []))
            yield Sheet(section.title[:31], columns, rows, finish=finish)
        for section in data.sections:  # the apps' listings (one row per action's edition…)
            for block in section.blocks:
                yield listing_sheet(block.listing, block.entries)
        yield Sheet(
            "À propos",
            [Column("Rapport", width=40), Column("Valeur", width=30, format=DATE)],
            [("Année scolaire", str(data.year)), ("Année précédente", str(data.previous_year))],
        )


NUMBER_FORMATS = {Unit.AMOUNT: MONEY, Unit.COUNT: INTEGER, Unit.NUMBER: DECIMAL}


def _number(value, unit: str) -> Formatted:
    return Formatted(cell(value, unit), NUMBER_FORMATS.get(unit))


def _unit_label(unit: str) -> str:
    return {"amount": "€", "number": "", "count": "", "text": ""}.get(unit, "")


def headlines(data: ReportData) -> dict[str, list[str]]:
    """The seed report's sentences ("625 COOPÉRATIVES SCOLAIRES … SOIT 146 262 ADHÉRENTS")."""
    get = data.get

    def n(key):
        value = get(key)
        return NOT_PROVIDED if value is None else formats.number(value)

    def e(key):
        value = get(key)
        return NOT_PROVIDED if value is None else formats.euros(value)

    lines: dict[str, list[str]] = {}
    if get("cooperatives.total") is not None:
        lines["cooperatives"] = [
            f"{n('cooperatives.total')} COOPÉRATIVES SCOLAIRES affiliées, SOIT "
            f"{n('adherents.total')} ADHÉRENTS ({n('adherents.classes')} classes, "
            f"{n('adherents.eleves')} élèves et {n('adherents.adultes')} adultes).",
            f"{n('cooperatives.premier_degre')} COOPÉRATIVES SCOLAIRES DANS LE 1ER DEGRÉ : "
            f"{n('cooperatives.type.maternelle')} maternelles, "
            f"{n('cooperatives.type.elementaire')} élémentaires, "
            f"{n('cooperatives.type.primaire')} primaires.",
            f"{n('cooperatives.second_degre_et_specialises')} FOYERS COOPÉRATIFS DANS LE 2ND "
            f"DEGRÉ ET LES ÉTABLISSEMENTS SPÉCIALISÉS : {n('cooperatives.type.college')} "
            f"collèges et {n('cooperatives.type.segpa')} SEGPA, {n('cooperatives.type.lycee')} "
            f"lycées, {n('cooperatives.type.etablissement_specialise')} établissements "
            "spécialisés.",
        ]
        if get("cooperatives.radiees"):
            lines["cooperatives"].append(
                f"Dont {n('cooperatives.radiees')} coopératives radiées depuis."
            )
        change = get("adherents.evolution")
        if change is not None:
            lines["cooperatives"].append(
                f"Adhérents par rapport à {data.previous_year} : {formats.difference(change, 0)}."
            )
    if get("association.administrateurs") is not None:
        lines["vie_associative"] = [
            f"{n('association.administrateurs')} ADMINISTRATEURS — {n('association.bureau')} "
            "membres au bureau."
        ]
    support = []
    if get("controles.total") is not None:
        support.append(f"{n('controles.total')} CONTRÔLES DE COOPÉRATIVES SCOLAIRES.")
    if get("recus.demandes") is not None or get("recus.trousse.demandes") is not None:
        support.append(
            f"REÇUS POUR DONS : {n('recus.demandes')} demandes transmises par les coopératives "
            f"scolaires pour un total de {e('recus.montant')} et {n('recus.trousse.demandes')} "
            f"demandes via la plateforme de la Trousse à projets pour un total de "
            f"{e('recus.trousse.montant')}."
        )
    if get("aap.dossiers_retenus") is not None:
        support.append(
            f"AIDES À PROJETS COOPÉRATIFS : {n('aap.dossiers_retenus')} dossiers retenus — "
            f"{e('aap.montant')} versés en AAP et {e('solidarite.montant')} en solidarité."
        )
    if get("trousse.reversements.projets") is not None:
        support.append(
            f"TROUSSE À PROJETS : {n('trousse.reversements.projets')} projets, soit "
            f"{e('trousse.reversements.montant')} reversés aux coopératives scolaires."
        )
    if support:
        lines["accompagnement"] = support
    return lines


def render_html(data: ReportData, plan: bool = False, back_url: str = "") -> str:
    """The report's HTML: the PDF's source, shown as is by the staff's preview (`back_url`: the
    link back to the report's page, shown on screen only)."""
    association = Association.get()
    drawn = {} if plan else charts.draw_all(data)
    lines = {} if plan else headlines(data)
    sections = [
        {
            "data": section,
            "charts": drawn.get(section.slug, []),
            "headlines": lines.get(section.slug, []),
            "paragraphs": [p.strip() for p in section.text.split("\n\n") if p.strip()],
        }
        for section in data.sections
    ]
    return render_to_string(
        PDF_TEMPLATE,
        {
            "data": data,
            "association": association,
            "logo": _logo_uri(association),
            "sections": sections,
            "title": "Projet d'activité" if plan else "Rapport d'activité",
            "plan": plan,
            "back_url": back_url,
        },
    )


def _logo_uri(association: Association) -> str:
    """The logo as a data URI: the same HTML shows it in the PDF and in the browser."""
    if not association.logo:
        return ""
    try:
        with association.logo.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        return ""
    kind = mimetypes.guess_type(association.logo.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


def html_to_pdf(html: str) -> bytes:
    from django.conf import settings
    from weasyprint import HTML

    # Tagged PDF (headings, tables, figures with their alt text) for screen readers.
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        font_config=font_config(), pdf_tags=True
    )


def generate(
    year: SchoolYear, progress: Callable[[str], None] | None = None, plan: bool = False
) -> Output:
    """The report of `year` (or its activity plan, with `plan`): both files, and how long each
    part took (seconds)."""
    if plan:  # the activity plan has its own layout (occe.reports.plan)
        from .plan import generate_plan

        return generate_plan(year, progress)
    started = time.perf_counter()
    data = collect(year, progress=progress, plan=plan)
    collected = time.perf_counter()
    xlsx = ReportWorkbook(data=data).render()
    html = render_html(data, plan=plan)
    prepared = time.perf_counter()
    pdf = html_to_pdf(html)
    rendered = time.perf_counter()
    timings = {
        "donnees": round(collected - started, 3),
        "excel_et_html": round(prepared - collected, 3),
        "pdf": round(rendered - prepared, 3),
    }
    return Output(data, pdf, xlsx, timings)


def steps(plan: bool = False) -> int:
    """The job's progress total: one step per section, plus the workbook and the PDF."""
    from .sections import PLAN_SECTIONS, SECTIONS

    return len(PLAN_SECTIONS if plan else SECTIONS) + 1 + 2
