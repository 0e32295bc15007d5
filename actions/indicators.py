"""The actions' figures of the annual report, one function per figure, per edition of the year.

An edition belongs to its school year. The classes counted are those taking part (registered,
retained, participating or done: not those on the waiting list nor those not retained); the
interventions counted are those held (réalisées). Each function aggregates in the database
(one or two queries) and returns None when the year has no edition ("non renseigné").
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from occe.core.indicators import Unit, indicator
from occe.core.models import SchoolYear

from .models import BudgetLine, ClassRegistration, Edition, Intervention

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
