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

from occe.core.indicators import Unit, indicator, shared
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


@shared
def _edition_rows(year: SchoolYear) -> list[tuple[int, str, str]]:
    """(edition pk, action slug, action title) of the year's editions: one query."""
    return list(
        Edition.objects.filter(school_year=year).values_list("pk", "action__slug", "action__title")
    )


def _editions(year: SchoolYear) -> dict[int, str] | None:
    """{edition pk: action slug} of the year, None when there is none."""
    return {pk: slug for pk, slug, _ in _edition_rows(year)} or None


def action_names(year: SchoolYear) -> dict[str, str]:
    """{action slug: title}: the names of the per-action figures' items."""
    return {slug: title for _, slug, title in _edition_rows(year)}


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


@shared
def _class_figures(year: SchoolYear) -> list[tuple[int, int, int, int]]:
    """(edition, classes, schools, pupils) of the classes taking part: one query."""
    return list(
        _classes(year)
        .values("edition")
        .annotate(n=Count("pk"), schools=Count("cooperative", distinct=True), pupils=Sum("pupils"))
        .values_list("edition", "n", "schools", "pupils")
    )


def _column(year: SchoolYear, index: int) -> dict | None:
    return _per_edition(year, [(row[0], row[index]) for row in _class_figures(year)])


@indicator("actions.*.classes", "Classes participantes", section=SECTION, names=action_names)
def classes(year: SchoolYear) -> dict[str, int] | None:
    return _column(year, 1)


@indicator("actions.*.ecoles", "Écoles participantes", section=SECTION, names=action_names)
def schools(year: SchoolYear) -> dict[str, int] | None:
    return _column(year, 2)


@indicator(
    "actions.*.eleves", "Élèves des classes participantes", section=SECTION, names=action_names
)
def pupils(year: SchoolYear) -> dict[str, int] | None:
    return _column(year, 3)


@indicator(
    "actions.*.interventions",
    "Interventions réalisées en classe",
    section=SECTION,
    names=action_names,
)
@shared
def interventions(year: SchoolYear) -> dict[str, int] | None:
    rows = (
        Intervention.objects.filter(edition__school_year=year, status=Intervention.Status.REALISEE)
        .values("edition")
        .annotate(n=Count("pk"))
        .values_list("edition", "n")
    )
    return _per_edition(year, rows)


@shared
def _budget(year: SchoolYear) -> list[tuple[int, Decimal | None, Decimal | None]]:
    """(edition, spent, given by the partners) of the year's editions: one query."""
    return list(
        BudgetLine.objects.filter(edition__school_year=year)
        .values("edition")
        .annotate(
            spent=Sum("amount", filter=Q(kind=BudgetLine.Kind.DEPENSE)),
            given=Sum("amount", filter=Q(kind=BudgetLine.Kind.CONTRIBUTION)),
        )
        .values_list("edition", "spent", "given")
    )


def _money(value: Decimal | None) -> Decimal:
    return value or Decimal("0")


@indicator(
    "actions.*.budget.total",
    "Montant global de l'action",
    section=SECTION,
    unit=Unit.AMOUNT,
    names=action_names,
)
def budget_total(year: SchoolYear) -> dict[str, Decimal] | None:
    rows = [(edition, _money(spent)) for edition, spent, _ in _budget(year)]
    return _per_edition(year, rows, None)  # an edition without a budget: non renseigné


@indicator(
    "actions.*.budget.part_association",
    "Part de l'association (montant global − contributions des partenaires)",
    section=SECTION,
    unit=Unit.AMOUNT,
    names=action_names,
)
def budget_share(year: SchoolYear) -> dict[str, Decimal] | None:
    share = [(e, _money(spent) - _money(given)) for e, spent, given in _budget(year)]
    return _per_edition(year, share, None)  # an edition without a budget: non renseigné


@indicator(
    "actions.*.budget.contributions",
    "Contributions des partenaires",
    section=SECTION,
    unit=Unit.AMOUNT,
    names=action_names,
)
def budget_contributions(year: SchoolYear) -> dict[str, Decimal] | None:
    rows = [(edition, _money(given)) for edition, _, given in _budget(year)]
    return _per_edition(year, rows, None)  # an edition without a budget: non renseigné


@shared
def _contribution_lines(year: SchoolYear) -> list[tuple[str, str, str, Decimal]]:
    """(action slug, contributor slug, contributor, amount) of each contributor of the year's
    editions (its lines summed, contributors typed alike being one), in one query."""
    editions = _editions(year) or {}
    rows = (
        BudgetLine.objects.filter(edition__school_year=year, kind=BudgetLine.Kind.CONTRIBUTION)
        .values_list("edition", "label", "amount")
        .order_by("edition", "pk")
    )
    lines: dict[tuple[str, str], list] = {}
    for edition, label, amount in rows:
        key = (editions[edition], theme_slug(label))
        line = lines.setdefault(key, [label.strip(), Decimal("0")])
        line[1] += amount
    return [(action, slug, name, amount) for (action, slug), (name, amount) in lines.items()]


def contribution_names(year: SchoolYear) -> dict[str, str]:
    names = action_names(year)
    for action, slug, name, _ in _contribution_lines(year):
        names[f"{action}.{slug}"] = name
    return names


@indicator(
    "actions.*.budget.contributions.*",
    "Participation financière",
    section=SECTION,
    unit=Unit.AMOUNT,
    names=contribution_names,
)
def contributions(year: SchoolYear) -> dict[str, Decimal] | None:
    """`actions.thea.budget.contributions.dsden`: what each contributor (partner, commune, the
    Rectorat…) gave to the action's edition of the year, one line each as in the seed report
    (« 500 € de la DSDEN et 4 000 € du Rectorat »). None when the year has no edition."""
    if _editions(year) is None:
        return None
    return {f"{action}.{slug}": amount for action, slug, _, amount in _contribution_lines(year)}


# --- Classes by cycle -------------------------------------------------------------------------

CYCLES = (1, 2, 3, 4)


@shared
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


@indicator(
    "actions.*.cycles.cycle_1",
    "Classes participantes de cycle 1",
    section=SECTION,
    names=action_names,
)
def classes_cycle_1(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 1)


@indicator(
    "actions.*.cycles.cycle_2",
    "Classes participantes de cycle 2",
    section=SECTION,
    names=action_names,
)
def classes_cycle_2(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 2)


@indicator(
    "actions.*.cycles.cycle_3",
    "Classes participantes de cycle 3",
    section=SECTION,
    names=action_names,
)
def classes_cycle_3(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 3)


@indicator(
    "actions.*.cycles.cycle_4",
    "Classes participantes de cycle 4",
    section=SECTION,
    names=action_names,
)
def classes_cycle_4(year: SchoolYear) -> dict[str, int] | None:
    return classes_of_cycle(year, 4)


# Overall keys: no `.cycles.` in them (the report's chart sums the per-action ones).
@indicator("actions.classes", "Classes participantes, toutes actions", section=SECTION)
def total_classes(year: SchoolYear) -> int | None:
    if _editions(year) is None:
        return None
    return sum(classes for _, classes, _, _ in _class_figures(year))


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
    names=action_names,
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
    names=action_names,
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


@indicator(
    "actions.*.productions",
    "Productions envoyées par les classes",
    section=SECTION,
    names=action_names,
)
def productions(year: SchoolYear) -> dict[str, int] | None:
    return _count_per_edition(year, Production.objects.filter(edition__school_year=year), "edition")


@indicator(
    "actions.*.productions_acceptees", "Productions acceptées", section=SECTION, names=action_names
)
def productions_accepted(year: SchoolYear) -> dict[str, int] | None:
    accepted = Production.objects.filter(
        edition__school_year=year, status=Production.Status.ACCEPTEE
    )
    return _count_per_edition(year, accepted, "edition")


@indicator(
    "actions.*.reponses", "Réponses des classes aux manches", section=SECTION, names=action_names
)
def answers(year: SchoolYear) -> dict[str, int] | None:
    answered = Submission.objects.filter(round__edition__school_year=year)
    return _count_per_edition(year, answered, "round__edition")


@indicator("actions.*.reponses_notees", "Réponses notées", section=SECTION, names=action_names)
def answers_scored(year: SchoolYear) -> dict[str, int] | None:
    scored = Submission.objects.filter(round__edition__school_year=year, score__isnull=False)
    return _count_per_edition(year, scored, "round__edition")


@indicator("actions.*.diplomes", "Diplômes délivrés", section=SECTION, names=action_names)
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


@shared
def _theme_rows(year: SchoolYear) -> list[tuple[str, int, str, int]]:
    """(theme, coop, status, interventions) outside actions in the year: one query."""
    return list(
        _outside_actions(year)
        .values_list("theme", "cooperative", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )


def theme_names(year: SchoolYear) -> dict[str, str]:
    """{theme slug: the theme as first typed} (« Jeux coopératifs »)."""
    names: dict[str, str] = {}
    for theme, _, _, _ in sorted(_theme_rows(year)):
        names.setdefault(theme_slug(theme), theme.strip())
    return names


@indicator(
    "interventions.*.cooperatives",
    "Coopératives touchées par les interventions hors action (réalisées), par thème",
    section=THEMES_SECTION,
    names=theme_names,
)
def themes_cooperatives(year: SchoolYear) -> dict[str, int] | None:
    """Per theme: distinct coops where an intervention of the theme was held in the year; a
    theme whose interventions were all planned or cancelled counts 0."""
    reached: dict[str, set] = {}
    for theme, cooperative, status, _ in _theme_rows(year):
        coops = reached.setdefault(theme_slug(theme), set())
        if status == Intervention.Status.REALISEE:
            coops.add(cooperative)
    return {slug: len(coops) for slug, coops in reached.items()} or None


@indicator(
    "interventions.*.interventions",
    "Interventions hors action réalisées, par thème",
    section=THEMES_SECTION,
    names=theme_names,
)
def themes_interventions(year: SchoolYear) -> dict[str, int] | None:
    held: dict[str, int] = {}
    for theme, _, status, n in _theme_rows(year):
        slug = theme_slug(theme)
        held[slug] = held.get(slug, 0) + (n if status == Intervention.Status.REALISEE else 0)
    return held or None
