"""Generating a year's report: the figures (data.collect), the workbook and the PDF.

The same code serves the background job (occe.reports.jobs) and the command
`manage.py rapport_activite`. The figures are computed once; the PDF and the workbook are made
from them.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string

from occe.core import formats
from occe.core.exports import DATE, Column, Exporter, Sheet
from occe.core.models import Association, SchoolYear
from occe.core.pdf import font_config

from . import charts
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
    per section with the labels and the previous year's value beside each figure."""

    data: ReportData

    def sheets(self):
        data = self.data
        yield Sheet(
            INDICATORS_SHEET,
            [Column("indicateur", width=50), Column("valeur", width=18)],
            [
                (figure.key, cell(figure.value, figure.unit))
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
                    cell(figure.value, figure.unit),
                    cell(figure.previous, figure.unit),
                    _unit_label(figure.unit),
                )
                for figure in section.figures
            ]
            if section.text:
                rows.append(("Texte", "", section.text, None, None))
            yield Sheet(section.title[:31], columns, rows)
        yield Sheet(
            "À propos",
            [Column("Rapport", width=40), Column("Valeur", width=30, format=DATE)],
            [("Année scolaire", str(data.year)), ("Année précédente", str(data.previous_year))],
        )


def _unit_label(unit: str) -> str:
    return {"amount": "€", "number": "", "count": "", "text": ""}.get(unit, "")


def report_charts(data: ReportData) -> dict[str, list[charts.Chart]]:
    """The charts of each section (only those with data)."""
    found: dict[str, list] = {}

    def add(slug, chart):
        if chart is not None:
            found.setdefault(slug, []).append(chart)

    type_labels = [
        ("maternelle", "Maternelles"),
        ("elementaire", "Élémentaires"),
        ("primaire", "Primaires"),
        ("college", "Collèges"),
        ("segpa", "SEGPA"),
        ("lycee", "Lycées"),
        ("etablissement_specialise", "Établissements spécialisés"),
    ]
    add(
        "cooperatives",
        charts.bar_chart(
            "Coopératives affiliées par type",
            [(label, data.get(f"cooperatives.type.{slug}")) for slug, label in type_labels],
        ),
    )
    add("cooperatives", charts.bar_chart("Adhérents sur cinq ans", data.history))
    months = data.family("recus.mois.")
    add(
        "accompagnement",
        charts.bar_chart(
            "Dons des demandes de reçus validées, par mois",
            [(_month_label(slug), value) for slug, value in sorted(months.items())],
            unit="€",
        ),
    )
    days = data.family("prets.", ".jours")
    add(
        "ressources_et_prets",
        charts.bar_chart(
            "Jours de prêt par type de ressource",
            [(data.name("prets.", slug), value) for slug, value in sorted(days.items())],
            unit="j",
        ),
    )
    classes = data.family("actions.", ".classes")
    add(
        "actions",
        charts.bar_chart(
            "Classes participantes par action",
            [(data.name("actions.", slug), v) for slug, v in sorted(classes.items())],
        ),
    )
    cycles: dict[str, int] = {}  # `actions.<action>.cycles.<cycle>`: classes per cycle
    for key, value in data.values.items():
        if key.startswith("actions.") and ".cycles." in key and value:
            cycle = key.rsplit(".", 1)[-1]
            cycles[cycle] = cycles.get(cycle, 0) + value
    add(
        "actions",
        charts.bar_chart(
            "Classes des actions par cycle",
            [(c.replace("_", " ").capitalize(), v) for c, v in sorted(cycles.items())],
        ),
    )
    return found


MONTHS = [
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


def _month_label(slug: str) -> str:
    year, _, month = slug.partition("_")
    try:
        return f"{MONTHS[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return slug


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


def render_html(data: ReportData, plan: bool = False) -> str:
    association = Association.get()
    logo = ""
    if association.logo:
        try:
            logo = association.logo.path
        except (NotImplementedError, ValueError):
            logo = ""
    found = {} if plan else report_charts(data)
    lines = {} if plan else headlines(data)
    sections = [
        {
            "data": section,
            "charts": found.get(section.slug, []),
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
            "logo_path": logo,
            "sections": sections,
            "title": "Projet d'activité" if plan else "Rapport d'activité",
            "plan": plan,
        },
    )


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
