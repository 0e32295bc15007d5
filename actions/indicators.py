"""The actions' figures of the annual report, one function per figure, per edition of the year.

An edition belongs to its school year. The classes counted are those taking part (registered,
retained, participating or done: not those on the waiting list nor those not retained); the
interventions counted are those held (réalisées), the planned ones those not cancelled. Each
function aggregates in the database (one or two queries, whatever the number of rows) and
returns None when the year has no edition ("non renseigné").

Interventions outside any action (a theme instead of an edition: « Philo », « Jeux
coopératifs ») belong to the school year of their date; their figures are keyed by the theme's
slug (`interventions.jeux_cooperatifs.cooperatives`), themes typed with other capitals or
accents being one theme.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.text import slugify

from occe.core.indicators import Unit, indicator
from occe.core.models import SchoolYear

from .models import (
    BudgetLine,
    ClassRegistration,
    Diploma,
    Edition,
    Intervention,
    Production,
    Submission,
    cycles_of,
)

SECTION = "actions"
TAKING_PART = [
    ClassRegistration.Status.INSCRITE,
    ClassRegistration.Status.RETENUE,
    ClassRegistration.Status.PARTICIPANTE,
    ClassRegistration.Status.TERMINEE,
]


def _editions(year: SchoolYear) -> dict[int, str] | None:
    """{edition pk: action slug} of the year, None when there is none."""
    rows = dict(Edition.objects.filter(school_year=year).values_list("pk", "action__slug"))
    return rows or None


def _per_edition(year: SchoolYear, rows, default=0) -> dict[str, int | Decimal] | None:
    editions = _editions(year)
    if editions is None:
        return None
    values = dict.fromkeys(editions.values(), default)
    for edition_id, value in rows:
        if edition_id in editions:
            values[editions[edition_id]] = value if value is not None else default
    return values


def _classes(year: SchoolYear):
    return ClassRegistration.objects.filter(edition__school_year=year, status__in=TAKING_PART)


@indicator("actions.*.classes", "Classes participantes", section=SECTION)
def classes(year: SchoolYear) -> dict[str, int] | None:
    rows = _classes(year).values("edition").annotate(n=Count("pk")).values_list("edition", "n")
    return _per_edition(year, rows)


@indicator("actions.*.ecoles", "Écoles participantes", section=SECTION)
def schools(year: SchoolYear) -> dict[str, int] | None:
    rows = (
        _classes(year)
        .values("edition")
        .annotate(n=Count("cooperative", distinct=True))
        .values_list("edition", "n")
    )
    return _per_edition(year, rows)


@indicator("actions.*.eleves", "Élèves des classes participantes", section=SECTION)
def pupils(year: SchoolYear) -> dict[str, int] | None:
    rows = _classes(year).values("edition").annotate(n=Sum("pupils")).values_list("edition", "n")
    return _per_edition(year, rows)


@indicator("actions.*.interventions", "Interventions réalisées en classe", section=SECTION)
def interventions(year: SchoolYear) -> dict[str, int] | None:
    rows = (
        Intervention.objects.filter(edition__school_year=year, status=Intervention.Status.REALISEE)
        .values("edition")
        .annotate(n=Count("pk"))
        .values_list("edition", "n")
    )
    return _per_edition(year, rows)


def _budget(year: SchoolYear, kind_filter: Q) -> list:
    return list(
        BudgetLine.objects.filter(edition__school_year=year)
        .values("edition")
        .annotate(n=Sum("amount", filter=kind_filter))
        .values_list("edition", "n")
    )


@indicator(
    "actions.*.budget.total", "Montant global de l'action", section=SECTION, unit=Unit.AMOUNT
)
def budget_total(year: SchoolYear) -> dict[str, Decimal] | None:
    rows = _budget(year, Q(kind=BudgetLine.Kind.DEPENSE))
    return _per_edition(year, rows, Decimal("0"))


@indicator(
    "actions.*.budget.part_association",
    "Part de l'association (montant global − contributions des partenaires)",
    section=SECTION,
    unit=Unit.AMOUNT,
)
def budget_share(year: SchoolYear) -> dict[str, Decimal] | None:
    rows = (
        BudgetLine.objects.filter(edition__school_year=year)
        .values("edition")
        .annotate(
            spent=Sum("amount", filter=Q(kind=BudgetLine.Kind.DEPENSE)),
            given=Sum("amount", filter=Q(kind=BudgetLine.Kind.CONTRIBUTION)),
        )
        .values_list("edition", "spent", "given")
    )
    share = [(e, (spent or Decimal("0")) - (given or Decimal("0"))) for e, spent, given in rows]
    return _per_edition(year, share, Decimal("0"))


@indicator(
    "actions.*.budget.contributions",
    "Contributions des partenaires",
    section=SECTION,
    unit=Unit.AMOUNT,
)
def budget_contributions(year: SchoolYear) -> dict[str, Decimal] | None:
    rows = _budget(year, Q(kind=BudgetLine.Kind.CONTRIBUTION))
    return _per_edition(year, rows, Decimal("0"))


# --- Classes by cycle -------------------------------------------------------------------------

CYCLES = (1, 2, 3, 4)


def _cycle_counts(year: SchoolYear) -> dict[int, dict[int, int]]:
    """{edition pk: {cycle: classes}} of the classes taking part, in one query. A multi-level
    class spanning two cycles (CE2-CM1) counts in each of them."""
    counts: dict[int, dict[int, int]] = {}
    for edition_id, levels in _classes(year).values_list("edition", "levels"):
        per_cycle = counts.setdefault(edition_id, dict.fromkeys(CYCLES, 0))
        for cycle in cycles_of(levels):
            per_cycle[cycle] += 1
    return counts


def classes_of_cycle(year: SchoolYear, cycle: int) -> dict[str, int] | None:
    """Per edition: classes taking part with a level of this cycle."""
    rows = [(e, per_cycle[cycle]) for e, per_cycle in _cycle_counts(year).items()]
    return _per_edition(year, rows)


def total_classes_of_cycle(year: SchoolYear, cycle: int) -> int | None:
    """All editions of the year: classes taking part with a level of this cycle."""
    if _editions(year) is None:
        return None
    return sum(per_cycle[cycle] for per_cycle in _cycle_counts(year).values())


@indicator("actions.*.cycles.cycle_1", "Classes participantes de cycle 1", section=SECTION)
def classes_cycle_1(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 1)


@indicator("actions.*.cycles.cycle_2", "Classes participantes de cycle 2", section=SECTION)
def classes_cycle_2(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 2)


@indicator("actions.*.cycles.cycle_3", "Classes participantes de cycle 3", section=SECTION)
def classes_cycle_3(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 3)


@indicator("actions.*.cycles.cycle_4", "Classes participantes de cycle 4", section=SECTION)
def classes_cycle_4(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 4)


# Overall keys: no `.cycles.` in them (the report's chart sums the per-action ones).
@indicator("actions.classes", "Classes participantes, toutes actions", section=SECTION)
def total_classes(year: SchoolYear) -> int | None:
    if _editions(year) is None:
        return None
    return _classes(year).count()


@indicator("actions.classes_cycle_1", "Classes de cycle 1, toutes actions", section=SECTION)
def total_classes_cycle_1(year: SchoolYear) -> int | None:
    return total_classes_of_cycle(year, 1)


@indicator("actions.classes_cycle_2", "Classes de cycle 2, toutes actions", section=SECTION)
def total_classes_cycle_2(year: SchoolYear) -> int | None:
    return total_classes_of_cycle(year, 2)


@indicator("actions.classes_cycle_3", "Classes de cycle 3, toutes actions", section=SECTION)
def total_classes_cycle_3(year: SchoolYear) -> int | None:
    return total_classes_of_cycle(year, 3)


@indicator("actions.classes_cycle_4", "Classes de cycle 4, toutes actions", section=SECTION)
def total_classes_cycle_4(year: SchoolYear) -> int | None:
    return total_classes_of_cycle(year, 4)


# --- Interventions: planned, per class --------------------------------------------------------


@indicator(
    "actions.*.interventions_planifiees",
    "Interventions prévues en classe (non annulées)",
    section=SECTION,
)
def interventions_planned(year: SchoolYear) -> dict[str, int] | None:
    rows = (
        Intervention.objects.filter(edition__school_year=year)
        .holding()
        .values("edition")
        .annotate(n=Count("pk"))
        .values_list("edition", "n")
    )
    return _per_edition(year, rows)


@indicator(
    "actions.*.interventions_par_classe",
    "Interventions réalisées par classe participante",
    section=SECTION,
    unit=Unit.NUMBER,
)
def interventions_per_class(year: SchoolYear) -> dict[str, Decimal] | None:
    """Held interventions ÷ classes taking part, two decimals (0 without classes)."""
    held, counted = interventions(year), classes(year)
    if held is None or counted is None:
        return None
    return {
        slug: (Decimal(held[slug]) / counted[slug]).quantize(Decimal("0.01"))
        if counted[slug]
        else Decimal("0")
        for slug in counted
    }


# --- Productions, round answers, diplomas -----------------------------------------------------


def _count_per_edition(year: SchoolYear, queryset, edition_field: str) -> dict | None:
    rows = queryset.values(edition_field).annotate(n=Count("pk")).values_list(edition_field, "n")
    return _per_edition(year, rows)


@indicator("actions.*.productions", "Productions envoyées par les classes", section=SECTION)
def productions(year: SchoolYear) -> dict[str, int] | None:
    return _count_per_edition(year, Production.objects.filter(edition__school_year=year), "edition")


@indicator("actions.*.productions_acceptees", "Productions acceptées", section=SECTION)
def productions_accepted(year: SchoolYear) -> dict[str, int] | None:
    accepted = Production.objects.filter(
        edition__school_year=year, status=Production.Status.ACCEPTEE
    )
    return _count_per_edition(year, accepted, "edition")


@indicator("actions.*.reponses", "Réponses des classes aux manches", section=SECTION)
def answers(year: SchoolYear) -> dict[str, int] | None:
    answered = Submission.objects.filter(round__edition__school_year=year)
    return _count_per_edition(year, answered, "round__edition")


@indicator("actions.*.reponses_notees", "Réponses notées", section=SECTION)
def answers_scored(year: SchoolYear) -> dict[str, int] | None:
    scored = Submission.objects.filter(round__edition__school_year=year, score__isnull=False)
    return _count_per_edition(year, scored, "round__edition")


@indicator("actions.*.diplomes", "Diplômes délivrés", section=SECTION)
def diplomas(year: SchoolYear) -> dict[str, int] | None:
    issued = Diploma.objects.filter(registration__edition__school_year=year)
    return _count_per_edition(year, issued, "registration__edition")


# --- Interventions outside actions, per theme -------------------------------------------------

THEMES_SECTION = "interventions"


def theme_slug(theme: str) -> str:
    """`JEUX COOPÉRATIFS` and `Jeux coopératifs` -> `jeux_cooperatifs`."""
    return slugify(theme).replace("-", "_") or "autre"


def _outside_actions(year: SchoolYear):
    start = timezone.make_aware(datetime.datetime.combine(year.start_date, datetime.time()))
    end = timezone.make_aware(
        datetime.datetime.combine(year.end_date + datetime.timedelta(days=1), datetime.time())
    )
    return Intervention.objects.filter(
        edition__isnull=True, starts_at__gte=start, starts_at__lt=end
    )


@indicator(
    "interventions.*.cooperatives",
    "Coopératives touchées par les interventions hors action (réalisées), par thème",
    section=THEMES_SECTION,
)
def themes_cooperatives(year: SchoolYear) -> dict[str, int] | None:
    """Per theme: distinct coops where an intervention of the theme was held in the year; a
    theme whose interventions were all planned or cancelled counts 0."""
    rows = (
        _outside_actions(year).values_list("theme", "cooperative", "status").order_by().distinct()
    )
    reached: dict[str, set] = {}
    for theme, cooperative, status in rows:
        coops = reached.setdefault(theme_slug(theme), set())
        if status == Intervention.Status.REALISEE:
            coops.add(cooperative)
    return {slug: len(coops) for slug, coops in reached.items()} or None


@indicator(
    "interventions.*.interventions",
    "Interventions hors action réalisées, par thème",
    section=THEMES_SECTION,
)
def themes_interventions(year: SchoolYear) -> dict[str, int] | None:
    rows = (
        _outside_actions(year)
        .values("theme")
        .annotate(n=Count("pk", filter=Q(status=Intervention.Status.REALISEE)))
        .values_list("theme", "n")
    )
    held: dict[str, int] = {}
    for theme, n in rows:
        slug = theme_slug(theme)
        held[slug] = held.get(slug, 0) + n
    return held or None
