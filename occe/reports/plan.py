"""The activity plan (projet d'activité) of a coming year, laid out like the seed plan (OCCE 02,
2025-2026): per section, its text (written by staff) and what the apps plan for that year, read
through the listing registry (occe.core.listings) only — planned training sessions with hours
and places, actions' editions by mode with their partners, meetings, resources offered.

The same code serves the background job and `manage.py rapport_activite --projet`.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.template.loader import render_to_string

from occe.core import formats
from occe.core.exports import DATE, Column, Exporter, Sheet
from occe.core.indicators import registry as indicators
from occe.core.listings import Entry, Listing
from occe.core.listings import registry as listings
from occe.core.models import Association, SchoolYear

from .blocks import sheet as listing_sheet
from .plan_sections import PLAN_SECTIONS, PlanSection

PLAN_TEMPLATE = "reports/pdf/plan.html"


@dataclass
class Group:
    heading: str
    # (entry, its values shown in French on its first line, the lines of its own-line values)
    entries: list[tuple[Entry, list[str], list[str]]]


@dataclass
class Block:
    listing: Listing
    entries: list[Entry]

    @property
    def groups(self) -> list[Group]:
        """The entries under their headings, in the order they come."""
        groups: list[Group] = []
        for entry in self.entries:
            if not groups or groups[-1].heading != entry.group:
                groups.append(Group(entry.group, []))
            facts, lines = [], []
            for column in self.listing.columns:
                shown = column.show(entry.values.get(column.name)) if column.in_pdf else ""
                if shown:
                    (lines if column.own_line else facts).append(shown)
            groups[-1].entries.append((entry, facts, lines))
        return groups


@dataclass
class Part:
    section: PlanSection
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    headline: str = ""

    @property
    def slug(self) -> str:
        return self.section.slug

    @property
    def title(self) -> str:
        return self.section.title

    @property
    def markup(self) -> list[tuple[str, object]]:
        return text_blocks(self.text)


@dataclass
class PlanData:
    year: SchoolYear
    parts: list[Part]

    def block(self, key: str) -> Block | None:
        return next((b for part in self.parts for b in part.blocks if b.listing.key == key), None)


def text_blocks(text: str) -> list[tuple[str, object]]:
    """A section's text as the PDF lays it out: `## Titre` lines are subheadings, lines starting
    with `-` or `•` bullets, other lines paragraphs (a blank line between paragraphs)."""
    blocks: list[tuple[str, object]] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## "):
            blocks.append(("heading", line[3:].strip()))
        elif line[:1] in "-•":
            item = line[1:].strip()
            if blocks and blocks[-1][0] == "list":
                blocks[-1][1].append(item)
            else:
                blocks.append(("list", [item]))
        else:
            blocks.append(("paragraph", line))
    return blocks


def collect_plan(year: SchoolYear, progress: Callable[[str], None] | None = None) -> PlanData:
    from .models import SectionText

    texts = SectionText.objects.of_year(year)
    declared = listings()
    parts = []
    for section in PLAN_SECTIONS:
        keys = list(section.listings) + sorted(
            key
            for key, listing in declared.items()
            if listing.section == section.slug and key not in section.listings
        )
        blocks = [
            Block(declared[key], declared[key].entries(year)) for key in keys if key in declared
        ]
        part = Part(section, texts.get(section.slug, ""), [b for b in blocks if b.entries])
        if section.headline:
            part.headline = members_headline(year)
        parts.append(part)
        if progress:
            progress(section.slug)
    return PlanData(year, parts)


def members_headline(year: SchoolYear) -> str:
    """ "469 COOPÉRATIVES … SOIT 48 230 ADHÉRENTS POUR 2025-2026 (1 753 DE MOINS)": the plan's
    year if its affiliations are in, else the year before (the one under way)."""
    found = indicators()
    coops, members = found.get("cooperatives.total"), found.get("adherents.total")
    if coops is None or members is None:
        return ""
    for shown in (year, year.previous()):
        total, count = coops.function(shown), members.function(shown)
        if total is not None and count is not None:
            break
    else:
        return ""
    line = (
        f"{formats.number(total)} COOPÉRATIVES OU FOYERS COOPÉRATIFS SCOLAIRES affiliés, "
        f"SOIT {formats.number(count)} ADHÉRENTS POUR {shown}"
    )
    before = members.function(shown.previous())
    if before is not None and before != count:
        gap = formats.number(abs(count - before))
        line += f" ({gap} DE {'PLUS' if count > before else 'MOINS'})"
    return line + "."


def render_plan_html(data: PlanData) -> str:
    association = Association.get()
    logo = ""
    if association.logo:
        try:
            logo = association.logo.path
        except (NotImplementedError, ValueError):
            logo = ""
    return render_to_string(
        PLAN_TEMPLATE,
        {"data": data, "association": association, "logo_path": logo, "title": "Projet d'activité"},
    )


class PlanWorkbook(Exporter):
    """One sheet per listing (real numbers and dates), then the sections' texts."""

    data: PlanData

    def sheets(self):
        for part in self.data.parts:
            for block in part.blocks:
                yield listing_sheet(block.listing, block.entries)
        yield Sheet(
            "Textes",
            [Column("Section", width=40), Column("Texte", width=100)],
            [(part.title, part.text) for part in self.data.parts],
        )
        yield Sheet(
            "À propos",
            [Column("Projet d'activité", width=30), Column("Valeur", width=30, format=DATE)],
            [("Année scolaire", str(self.data.year))],
        )


def generate_plan(year: SchoolYear, progress: Callable[[str], None] | None = None):
    """The activity plan of `year`: both files and the time each part took (seconds)."""
    from .generate import Output, html_to_pdf

    started = time.perf_counter()
    data = collect_plan(year, progress=progress)
    collected = time.perf_counter()
    xlsx = PlanWorkbook(data=data).render()
    if progress:  # the job's steps: one per section, this one, then the two files stored
        progress("classeur")
    html = render_plan_html(data)
    prepared = time.perf_counter()
    pdf = html_to_pdf(html)
    timings = {
        "donnees": round(collected - started, 3),
        "excel_et_html": round(prepared - collected, 3),
        "pdf": round(time.perf_counter() - prepared, 3),
    }
    return Output(data, pdf, xlsx, timings)
