"""The sections of the activity plan (projet d'activité) of a coming year, in the order of the
seed plan (OCCE 02, 2025-2026): each has an editable text (SectionText, per section and year,
like the report's) and the lists the apps contribute for that year (occe.core.listings)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanSection:
    slug: str
    title: str
    listings: tuple[str, ...] = ()  # listing keys, in their order (others of the section after)
    follows: bool = False  # printed right after the previous section, without a page break
    headline: bool = False  # the coops and members sentence of the seed
    # What the report's sections carry (occe.reports.data reads them): none for the plan.
    prefixes: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    tables: tuple = ()
    labels: dict = field(default_factory=dict)


PLAN_SECTIONS = [
    PlanSection("projet_introduction", "Préambule"),
    PlanSection(
        "projet_accompagnement",
        "L'accompagnement des coopératives scolaires",
        ("plan.ressources",),
        headline=True,
    ),
    PlanSection("projet_formations", "Les formations", ("plan.formations",)),
    PlanSection("projet_actions", "Actions à destination des classes", ("plan.actions",)),
    PlanSection("projet_selection", "Règles de sélection des classes", follows=True),
    PlanSection(
        "projet_vie_associative",
        "La vie associative",
        ("plan.reunions", "plan.formations_equipe", "plan.groupes_de_travail"),
    ),
]
