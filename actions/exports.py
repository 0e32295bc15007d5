"""Excel exports of an edition: its budget (expenses, contributions, the association's share)
and its class registrations."""

from collections.abc import Iterable
from decimal import Decimal

from occe.core.exports import (
    DATETIME,
    DECIMAL,
    INTEGER,
    MONEY,
    Column,
    Exporter,
    ListExporter,
    Sheet,
)

from .models import ClassRegistration, Edition


class BudgetExporter(Exporter):
    edition: Edition

    def get_filename(self) -> str:
        return f"budget-{self.edition.action.slug}-{self.edition.school_year.label}.xlsx"

    def sheets(self) -> Iterable[Sheet]:
        columns = [Column("Nature"), Column("Poste"), Column("Libellé"), Column("Montant", MONEY)]
        lines = self.edition.budget_lines.order_by("kind", "pk")
        rows = [
            [line.get_kind_display(), line.get_category_display(), line.label, line.amount]
            for line in lines
        ]
        totals = self.edition.budget()
        rows += [
            ["Total", "", "Montant global de l'action", totals["total"]],
            ["Total", "", "Contributions des partenaires", totals["contributions"]],
            ["Total", "", "Part de l'association", totals["share"]],
        ]
        yield Sheet("Budget", columns, rows)


class RegistrationExporter(ListExporter):
    title = "Classes inscrites"
    columns = [
        Column("École"),
        Column("Commune"),
        Column("Classe"),
        Column("Niveaux"),
        Column("Élèves", INTEGER),
        Column("Enseignant"),
        Column("Courriel"),
        Column("Toute l'équipe"),
        Column("Inscrite le", DATETIME),
        Column("Statut"),
    ]
    edition: Edition

    def get_filename(self) -> str:
        return f"classes-{self.edition.action.slug}-{self.edition.school_year.label}.xlsx"

    def rows(self):
        registrations = ClassRegistration.objects.filter(edition=self.edition).select_related(
            "cooperative", "teacher"
        )
        for r in registrations.order_by("registered_at", "pk"):
            yield [
                r.cooperative.name,
                r.cooperative.commune,
                r.class_name,
                r.levels_display(),
                r.pupils,
                r.teacher.get_full_name(),
                r.teacher.email,
                "oui" if r.whole_team else "non",
                r.registered_at,
                r.get_status_display(),
            ]


# --- The figures of a school year (the annual report's, per action) ---------------------------

FIGURE_COLUMNS = [
    ("classes", "Classes", INTEGER),
    ("cycle_1", "Cycle 1", INTEGER),
    ("cycle_2", "Cycle 2", INTEGER),
    ("cycle_3", "Cycle 3", INTEGER),
    ("cycle_4", "Cycle 4", INTEGER),
    ("ecoles", "Écoles", INTEGER),
    ("eleves", "Élèves", INTEGER),
    ("interventions_planifiees", "Interventions prévues", INTEGER),
    ("interventions", "Interventions réalisées", INTEGER),
    ("interventions_par_classe", "Réalisées par classe", DECIMAL),
    ("productions", "Productions", INTEGER),
    ("productions_acceptees", "Productions acceptées", INTEGER),
    ("reponses", "Réponses aux manches", INTEGER),
    ("reponses_notees", "Réponses notées", INTEGER),
    ("diplomes", "Diplômes", INTEGER),
    ("budget_total", "Budget total", MONEY),
    ("contributions", "Contributions", MONEY),
    ("part_association", "Part de l'association", MONEY),
]
# Summed on the « Toutes les actions » line (schools are not: one school may take part in two
# actions; the ratio is recomputed).
ADDITIVE = {key for key, _, _ in FIGURE_COLUMNS} - {"ecoles", "interventions_par_classe"}


def figure_rows(year) -> tuple[list[dict], dict | None]:
    """One row per edition of the year (its action's title and every figure), and the line of
    all actions; ([], None) for a year without edition. A constant number of queries."""
    from . import indicators as ind

    families = {
        "classes": ind.classes(year),
        "cycle_1": ind.classes_cycle_1(year),
        "cycle_2": ind.classes_cycle_2(year),
        "cycle_3": ind.classes_cycle_3(year),
        "cycle_4": ind.classes_cycle_4(year),
        "ecoles": ind.schools(year),
        "eleves": ind.pupils(year),
        "interventions_planifiees": ind.interventions_planned(year),
        "interventions": ind.interventions(year),
        "interventions_par_classe": ind.interventions_per_class(year),
        "productions": ind.productions(year),
        "productions_acceptees": ind.productions_accepted(year),
        "reponses": ind.answers(year),
        "reponses_notees": ind.answers_scored(year),
        "diplomes": ind.diplomas(year),
        "budget_total": ind.budget_total(year),
        "contributions": ind.budget_contributions(year),
        "part_association": ind.budget_share(year),
    }
    if families["classes"] is None:
        return [], None
    editions = (
        Edition.objects.filter(school_year=year).select_related("action").order_by("action__title")
    )
    rows = [
        {"edition": edition, "title": edition.action.title}
        | {key: (families[key] or {}).get(edition.action.slug) for key, _, _ in FIGURE_COLUMNS}
        for edition in editions
    ]
    total = {"title": "Toutes les actions", "ecoles": None}
    for key in ADDITIVE:
        total[key] = sum(row[key] or 0 for row in rows)
    total["interventions_par_classe"] = (
        (Decimal(total["interventions"]) / total["classes"]).quantize(Decimal("0.01"))
        if total["classes"]
        else Decimal("0")
    )
    # Each class belongs to one edition: the sums are the report's overall figures
    # (`actions.classes`, `actions.classes_cycle_<n>`), without asking the database again.
    return rows, total


def theme_rows(year) -> list[dict]:
    """Interventions outside actions, per theme: the theme as typed, coops reached, held."""
    from . import indicators as ind

    coops = ind.themes_cooperatives(year) or {}
    held = ind.themes_interventions(year) or {}
    labels: dict[str, str] = {}
    for theme in (
        ind._outside_actions(year).order_by("theme").values_list("theme", flat=True).distinct()
    ):
        labels.setdefault(ind.theme_slug(theme), theme)
    return [
        {
            "slug": slug,
            "theme": labels.get(slug, slug),
            "cooperatives": coops[slug],
            "interventions": held.get(slug, 0),
        }
        for slug in sorted(coops, key=lambda s: labels.get(s, s).lower())
    ]


class FiguresExporter(Exporter):
    """The figures page as a workbook: a sheet per action, a sheet per theme outside actions."""

    year = None

    def get_filename(self) -> str:
        return f"actions-chiffres-{self.year.label}.xlsx"

    def sheets(self) -> Iterable[Sheet]:
        rows, total = figure_rows(self.year)
        columns = [Column("Action")] + [Column(label, fmt) for _, label, fmt in FIGURE_COLUMNS]
        lines = [[row["title"]] + [row[key] for key, _, _ in FIGURE_COLUMNS] for row in rows]
        if total is not None:
            lines.append([total["title"]] + [total[key] for key, _, _ in FIGURE_COLUMNS])
        yield Sheet("Par action", columns, lines)
        yield Sheet(
            "Hors action",
            [
                Column("Thème"),
                Column("Coopératives touchées", INTEGER),
                Column("Interventions réalisées", INTEGER),
            ],
            [[r["theme"], r["cooperatives"], r["interventions"]] for r in theme_rows(self.year)],
        )
