"""The association's figures for the annual report ("La vie associative", "Nos partenaires",
"Communication"). One aggregate query each; None when nothing is recorded for the year.

Head counts (board, bureau, staff, representatives) are taken on the year's last day, or today
while the year runs: a board renewed at the AG is counted once, not twice.
"""

from django.db.models import Count, Sum

from occe.core.indicators import Unit, indicator
from occe.core.models import SchoolYear

from .models import (
    BoardMandate,
    Contribution,
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


def _people(queryset) -> int | None:
    return queryset.aggregate(n=Count("person", distinct=True))["n"] or None


def _by(queryset, field: str, count: str = "pk") -> dict | None:
    rows = queryset.order_by().values(field).annotate(n=Count(count, distinct=True))
    return {row[field]: row["n"] for row in rows if row["n"]} or None


@indicator("association.administrateurs", "Administrateurs", section=SECTION)
def administrators(year: SchoolYear) -> int | None:
    return _people(BoardMandate.objects.in_office(reference_date(year)))


@indicator("association.bureau", "Membres du bureau", section=SECTION)
def bureau(year: SchoolYear) -> int | None:
    return _people(BoardMandate.objects.in_office(reference_date(year)).exclude(bureau_role=""))


@indicator("association.salaries", "Salariés", section=SECTION)
def staff(year: SchoolYear) -> int | None:
    return _people(StaffPosition.objects.in_office(reference_date(year)))


@indicator("association.salaries.employeur.*", "Salariés par employeur", section=SECTION)
def staff_by_employer(year: SchoolYear) -> dict | None:
    return _by(StaffPosition.objects.in_office(reference_date(year)), "employer", "person")


@indicator("association.detaches", "Salariés détachés de l'Éducation nationale", section=SECTION)
def detached(year: SchoolYear) -> int | None:
    return _people(StaffPosition.objects.in_office(reference_date(year)).filter(detached=True))


@indicator("association.representants.*", "Représentants par niveau", section=SECTION)
def representatives(year: SchoolYear) -> dict | None:
    return _by(Representation.objects.in_office(reference_date(year)), "level", "person")


@indicator("reunions.*", "Réunions tenues, par niveau et type", section=SECTION)
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


@indicator("partenaires.*", "Partenaires par type", section="partenaires")
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
