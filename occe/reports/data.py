"""The figures of one year's report, read through the indicator registry only.

`collect(year)` computes every declared indicator for the year and the year before and sorts
the figures into the report's sections (occe.reports.sections). A figure absent or None is
"non renseigné" (an empty cell in the workbook), never 0.
"""

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fnmatch import fnmatch

from occe.core import formats
from occe.core.indicators import Unit, registry, shared_figures
from occe.core.listings import registry as listings
from occe.core.models import SchoolYear

from .blocks import Block
from .sections import (
    AMOUNT_KEYS,
    BY_SLUG,
    ITEM_LABELS,
    OTHER,
    PLAN_SECTIONS,
    SECTIONS,
    ItemTable,
    Section,
    section_of,
)

logger = logging.getLogger(__name__)
NOT_PROVIDED = "non renseigné"
HISTORY_YEARS = 5  # members over five years (a chart)


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    value: int | Decimal | str | None
    previous: int | Decimal | str | None

    @property
    def shown(self) -> str:
        return show(self.value, self.unit)

    @property
    def previous_shown(self) -> str:
        return show(self.previous, self.unit)


@dataclass
class TableData:
    spec: ItemTable
    rows: list[tuple[str, list[Figure | None]]]  # (item label, a figure per measure)


@dataclass
class SectionData:
    section: Section
    figures: list[Figure] = field(default_factory=list)
    text: str = ""
    tables: list[TableData] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)  # the apps' listings of the section

    @property
    def listed(self) -> list[Figure]:
        """The figures not shown in one of the section's item tables (nor, when the section
        has blocks, those its blocks say: `Section.in_blocks`)."""
        shown = {f.key for table in self.tables for _, row in table.rows for f in row if f}
        folded = self.section.in_blocks if self.blocks else ()
        return [
            f
            for f in self.figures
            if f.key not in shown and not any(fnmatch(f.key, pattern) for pattern in folded)
        ]

    @property
    def slug(self) -> str:
        return self.section.slug

    @property
    def title(self) -> str:
        return self.section.title

    def value(self, key: str):
        return next((f.value for f in self.figures if f.key == key), None)


@dataclass
class ReportData:
    year: SchoolYear
    previous_year: SchoolYear
    values: dict  # {key: value} of the year, None for "non renseigné"
    previous_values: dict
    sections: list[SectionData]
    history: list[tuple[str, int | None]]  # (year label, members)
    names: dict = field(default_factory=dict)  # {path: display name} of the families' items

    def name(self, prefix: str, slug: str) -> str:
        """The display name of a family's item: `name("prets.", "camera")` -> « Caméra »."""
        return item_name(self.names, prefix, slug)

    def get(self, key: str):
        return self.values.get(key)

    def family(self, prefix: str, suffix: str = "") -> dict:
        """{slug: value} of the keys `prefix<slug>suffix` (one item of a family each)."""
        items = {}
        for key, value in self.values.items():
            if key.startswith(prefix) and key.endswith(suffix):
                slug = key[len(prefix) : len(key) - len(suffix) if suffix else None]
                if slug and "." not in slug:
                    items[slug] = value
        return items


def show(value, unit: str) -> str:
    """A figure in French: `146 262`, `13 003,00 €`, `9,5`; "non renseigné" when None."""
    if value is None or value == "":
        return NOT_PROVIDED
    if unit == Unit.AMOUNT:
        return formats.euros(value)
    if unit == Unit.NUMBER:
        decimals = 0 if Decimal(str(value)) == Decimal(str(value)).to_integral() else 2
        return formats.number(value, decimals)
    if unit == Unit.COUNT:
        return formats.number(value)
    return str(value)


def cell(value, unit: str):
    """What the workbook holds: amounts with two decimals, counts as integers, None empty."""
    if value is None or value == "":
        return None
    if unit == Unit.AMOUNT:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if unit == Unit.COUNT and isinstance(value, int | Decimal):
        return int(value)
    return value


@dataclass
class Computed:
    """Every indicator of one year: {key: value}, {key: label}, {key: unit}, {key: declared
    section}, and {path: display name} of the families' items (`formations.premiers_secours`:
    « Premiers secours »)."""

    values: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    sections: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)

    def add(self, other: "Computed") -> None:
        """Labels, units, sections and names of `other`'s keys this year does not have."""
        for mine, theirs in (
            (self.labels, other.labels),
            (self.units, other.units),
            (self.sections, other.sections),
            (self.names, other.names),
        ):
            for key, value in theirs.items():
                mine.setdefault(key, value)


def compute(year: SchoolYear) -> Computed:
    """Every indicator of the year. An indicator that fails is logged and left out ("non
    renseigné"): one app's bug does not stop the report."""
    result = Computed()
    for indicator in registry().values():
        try:
            computed = indicator.items(year)
            items = indicator.item_names(year) if indicator.is_family else {}
        except Exception:
            logger.exception("Indicateur %s en échec pour %s", indicator.key, year)
            computed, items = ([] if indicator.is_family else [(indicator.key, "", None)]), {}
        prefix = indicator.family_prefix
        result.names.update({prefix + slug: name for slug, name in items.items()})
        for key, slug, value in computed:
            result.values[key] = value
            result.labels[key] = (
                f"{indicator.label} — {item_name(result.names, prefix, slug)}"
                if indicator.is_family
                else indicator.label
            )
            result.units[key] = indicator.unit
            result.sections[key] = indicator.section
    return result


def item_name(names: dict, prefix: str, slug: str) -> str:
    """The display name of the item `slug` of the family `prefix` (`formations.`): the names
    its indicator gives to each dotted part (`departemental.ca`: « Départemental — CA »), a
    part without one humanised."""
    parts = slug.split(".")
    return " — ".join(
        names.get(prefix + ".".join(parts[: index + 1])) or humanize(part)
        for index, part in enumerate(parts)
    )


def collect(
    year: SchoolYear,
    progress: Callable[[str], None] | None = None,
    plan: bool = False,
) -> ReportData:
    """The report's figures of `year` (or, with `plan`, those of the activity plan)."""
    from .models import SectionText

    chosen = PLAN_SECTIONS if plan else SECTIONS

    previous_year = year.previous()
    with shared_figures():  # a figure several indicators read is computed once per year
        current, previous = compute(year), compute(previous_year)
        history = _members_history(year, current.values, previous.values)
        blocks = {} if plan else section_blocks(year)
    current.add(previous)
    values, labels, units = current.values, current.labels, current.units
    previous_values, declared = previous.values, current.sections
    texts = SectionText.objects.of_year(year)

    by_section = {section.slug: SectionData(section) for section in [*chosen, OTHER]}
    seen = set()
    for section in chosen:  # the contract's keys first, in their order
        for key in section.keys:
            seen.add(key)
            by_section[section.slug].figures.append(
                _figure(key, section, labels, units, values, previous_values)
            )
    for key in sorted(set(values) | set(previous_values)):
        if key in seen:
            continue
        section = section_of(key, declared.get(key), chosen if plan else None)
        if section is None:
            continue  # the plan shows only the figures of its sections
        by_section[section.slug].figures.append(
            _figure(key, section, labels, units, values, previous_values)
        )
    sections = []
    for slug, data in by_section.items():
        if slug == OTHER.slug and not data.figures:
            continue
        data.text = texts.get(slug, "")
        data.tables = [_table(spec, data.figures, current.names) for spec in data.section.tables]
        data.tables = [table for table in data.tables if table.rows]
        data.blocks = blocks.get(slug, [])
        sections.append(data)
        if progress:
            progress(slug)
    for section in sections:
        for figure in section.figures:
            values.setdefault(figure.key, None)
    if plan:
        shown = {figure.key for section in sections for figure in section.figures}
        values = {key: value for key, value in values.items() if key in shown}
    return ReportData(
        year=year,
        previous_year=previous_year,
        values=values,
        previous_values=previous_values,
        sections=sections,
        history=history,
        names=current.names,
    )


def section_blocks(year: SchoolYear) -> dict[str, list[Block]]:
    """{section slug: its blocks}: the listings the apps declare for the report's sections
    (`rapport.actions`), read through the registry. A listing that fails is logged and left
    out: one app's bug does not stop the report."""
    slugs = {section.slug for section in SECTIONS}
    found: dict[str, list[Block]] = {}
    for key, declared in sorted(listings().items()):
        if declared.section not in slugs:
            continue
        try:
            entries = declared.entries(year)
        except Exception:
            logger.exception("Liste %s en échec pour %s", key, year)
            continue
        if entries:
            found.setdefault(declared.section, []).append(Block(declared, entries))
    return found


def _figure(key, section, labels, units, values, previous_values) -> Figure:
    unit = units.get(key) or (
        Unit.AMOUNT if key in AMOUNT_KEYS or key.endswith(".montant") else Unit.COUNT
    )
    label = labels.get(key) or section.labels.get(key) or key
    return Figure(key, label, unit, values.get(key), previous_values.get(key))


def _table(spec: ItemTable, figures: list[Figure], names: dict) -> TableData:
    by_key = {f.key: f for f in figures}
    items: dict[str, None] = {}
    for figure in figures:
        if not figure.key.startswith(spec.prefix):
            continue
        rest = figure.key[len(spec.prefix) :]
        for measure, _ in spec.measures:
            item = rest.removesuffix("." + measure)
            if item != rest and item and "." not in item:
                items[item] = None
    rows = [
        (
            item_name(names, spec.prefix, item),
            [by_key.get(f"{spec.prefix}{item}.{measure}") for measure, _ in spec.measures],
        )
        for item in items
    ]
    return TableData(spec, sorted(rows, key=lambda row: alphabetical(row[0])))


def alphabetical(name: str) -> str:
    """A sort key in French order, accents ignored (« Élémentaire » before « Lycée »)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def humanize(slug: str) -> str:
    if slug in ITEM_LABELS:
        return ITEM_LABELS[slug]
    text = slug.replace("_", " ").replace(".", " / ").strip()
    return text[:1].upper() + text[1:]


def _members_history(year: SchoolYear, values: dict, previous_values: dict) -> list:
    """Members over five years, through the `adherents.total` indicator."""
    indicator = registry().get("adherents.total")
    history = []
    for offset in range(HISTORY_YEARS - 1, -1, -1):
        start = year.start_year - offset
        label = f"{start}-{start + 1}"
        if offset == 0:
            value = values.get("adherents.total")
        elif offset == 1:
            value = previous_values.get("adherents.total")
        else:
            past = SchoolYear.objects.filter(start_year=start).first()
            value = indicator.function(past) if indicator and past else None
        history.append((label, value))
    return history


def section_titles() -> list[tuple[str, str]]:
    return [(s.slug, s.title) for s in SECTIONS]


__all__ = ["BY_SLUG", "NOT_PROVIDED", "ReportData", "collect", "show", "cell"]
