"""The association's figures for the annual report ("La vie associative", "Nos partenaires",
"Communication"). Aggregate queries (the head counts of the board and of the staff: one each);
None when nothing is recorded for the year.

Head counts (board, bureau, staff, representatives) are taken on the year's last day, or today
while the year runs: a board renewed at the AG is counted once, not twice.
"""

from django.db.models import Count, Q, Sum

from occe.core.indicators import Unit, choice_names, indicator, shared
from occe.core.models import SchoolYear

from .models import (
    BoardMandate,
    Contribution,
    Flyer,
    Level,
    Meeting,
    Newsletter,
    Partner,
    Representation,
    StaffPosition,
    WorkingGroup,
    active_in,
    reference_date,
    year_bounds,
)

SECTION = "vie_associative"


def _by(queryset, field: str, count: str = "pk") -> dict | None:
    rows = queryset.order_by().values(field).annotate(n=Count(count, distinct=True))
    return {row[field]: row["n"] for row in rows if row["n"]} or None


LEVEL_NAMES = choice_names(Level.choices)


@shared
def _heads(year: SchoolYear, model) -> dict:
    """People in office on the year's reference day: all, in the bureau (board), detached
    (staff); one query."""
    special = Q(detached=True) if model is StaffPosition else ~Q(bureau_role="")
    return model.objects.in_office(reference_date(year)).aggregate(
        all=Count("person", distinct=True), special=Count("person", distinct=True, filter=special)
    )


@indicator("association.administrateurs", "Administrateurs", section=SECTION)
def administrators(year: SchoolYear) -> int | None:
    return _heads(year, BoardMandate)["all"] or None


@indicator("association.bureau", "Membres du bureau", section=SECTION)
def bureau(year: SchoolYear) -> int | None:
    return _heads(year, BoardMandate)["special"] or None


@indicator("association.salaries", "Salariés", section=SECTION)
def staff(year: SchoolYear) -> int | None:
    return _heads(year, StaffPosition)["all"] or None


@indicator(
    "association.salaries.employeur.*",
    "Salariés par employeur",
    section=SECTION,
    names=choice_names(StaffPosition.Employer.choices),
)
def staff_by_employer(year: SchoolYear) -> dict | None:
    return _by(StaffPosition.objects.in_office(reference_date(year)), "employer", "person")


@indicator("association.detaches", "Salariés détachés de l'Éducation nationale", section=SECTION)
def detached(year: SchoolYear) -> int | None:
    return _heads(year, StaffPosition)["special"] or None


@indicator(
    "association.representants.*", "Représentants par niveau", section=SECTION, names=LEVEL_NAMES
)
def representatives(year: SchoolYear) -> dict | None:
    return _by(Representation.objects.in_office(reference_date(year)), "level", "person")


MEETING_NAMES = LEVEL_NAMES | {
    f"{level}.{kind}": str(label) for level in Level.values for kind, label in Meeting.Kind.choices
}


@indicator(
    "reunions.*", "Réunions tenues, par niveau et type", section=SECTION, names=MEETING_NAMES
)
def meetings(year: SchoolYear) -> dict | None:
    """`reunions.<niveau>.<type>`: meetings held (date passed) during the school year."""
    rows = (
        Meeting.objects.in_year(year)
        .held()
        .order_by()
        .values("level", "kind")
        .annotate(n=Count("pk"))
    )
    return {f"{row['level']}.{row['kind']}": row["n"] for row in rows} or None


@indicator("association.chantiers", "Chantiers (groupes de travail)", section=SECTION)
def working_groups(year: SchoolYear) -> int | None:
    return active_in(WorkingGroup.objects.all(), year).count() or None


@indicator(
    "partenaires.*",
    "Partenaires par type",
    section="partenaires",
    names=choice_names(Partner.Kind.choices),
)
def partners(year: SchoolYear) -> dict | None:
    """Partners with a partnership in progress (the list is not dated)."""
    return _by(Partner.objects.filter(active=True), "kind")


@indicator(
    "partenaires.contributions.montant",
    "Contributions financières des partenaires",
    section="partenaires",
    unit=Unit.AMOUNT,
)
def contributions(year: SchoolYear):
    return Contribution.objects.filter(school_year=year).aggregate(total=Sum("amount"))["total"]


@indicator("communication.lettres", "Lettres d'information envoyées", section="communication")
def newsletters(year: SchoolYear) -> int | None:
    start, end = year_bounds(year)
    sent = Newsletter.objects.sent().filter(started_at__gte=start, started_at__lt=end)
    return sent.count() or None


@indicator("communication.flyers", "Flyers réalisés", section="communication")
def flyers(year: SchoolYear) -> int | None:
    return _flyers(year)["flyers"] or None


@indicator(
    "communication.flyers.exemplaires", "Flyers : exemplaires imprimés", section="communication"
)
def flyer_copies(year: SchoolYear) -> int | None:
    return _flyers(year)["copies"]


@shared
def _flyers(year: SchoolYear) -> dict:
    return Flyer.objects.filter(school_year=year).aggregate(
        flyers=Count("pk"), copies=Sum("copies")
    )
