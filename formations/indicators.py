"""The trainings' figures of the annual report, one function per figure.

A session belongs to the school year of its first part. "Participants" are distinct people
present at one part at least; "heures" are hours × participants: for each presence, the length
of the part attended. Each function aggregates in the database (a constant number of queries)
and returns None when the year has no session ("non renseigné").
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum

from occe.core.indicators import Unit, indicator
from occe.core.models import SchoolYear

from .models import Attendance, Session, StaffTraining

SECTION = "formations"
STAFF_SECTION = "formations_equipe"


def _sessions(year: SchoolYear):
    return Session.objects.in_year(year)


def _count_sessions(year: SchoolYear, key: str, status: str) -> dict[str, int] | None:
    rows = (
        _sessions(year)
        .values(key)
        .annotate(n=Count("pk", filter=Q(status=status)))
        .values_list(key, "n")
    )
    return dict(rows) or None


def _presences(year: SchoolYear):
    return Attendance.objects.filter(present=True, part__session__in=_sessions(year))


def _participants(year: SchoolYear, key: str) -> dict[str, int] | None:
    """Distinct people present, per `key`; 0 for a group whose sessions had nobody."""
    groups = dict.fromkeys(_sessions(year).values_list(key, flat=True).distinct(), 0)
    if not groups:
        return None
    rows = (
        _presences(year)
        .values(f"part__session__{key}")
        .annotate(n=Count("registration__user", distinct=True))
        .values_list(f"part__session__{key}", "n")
    )
    return groups | dict(rows)


def _hours(year: SchoolYear, key: str) -> dict[str, Decimal] | None:
    """Hours × participants per `key`: presences grouped by part length in the database."""
    groups = dict.fromkeys(_sessions(year).values_list(key, flat=True).distinct(), Decimal("0"))
    if not groups:
        return None
    rows = (
        _presences(year)
        .values_list(f"part__session__{key}", "part__start_time", "part__end_time")
        .annotate(n=Count("pk"))
    )
    totals = defaultdict(Decimal, groups)
    for group, start, end, n in rows:
        totals[group] += _length(start, end) * n
    return {group: value.quantize(Decimal("0.01")) for group, value in totals.items()}


def _length(start: datetime.time, end: datetime.time) -> Decimal:
    seconds = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) * 60
    return Decimal(seconds) / 3600


# --- Per training (key: its stable slug) ----------------------------------------------------


@indicator("formations.*.sessions", "Sessions tenues", section=SECTION)
def sessions_held(year: SchoolYear) -> dict[str, int] | None:
    return _count_sessions(year, "training__slug", Session.Status.TENUE)


@indicator("formations.*.sessions_annulees", "Sessions annulées", section=SECTION)
def sessions_cancelled(year: SchoolYear) -> dict[str, int] | None:
    return _count_sessions(year, "training__slug", Session.Status.ANNULEE)


@indicator("formations.*.participants", "Participants présents", section=SECTION)
def participants(year: SchoolYear) -> dict[str, int] | None:
    return _participants(year, "training__slug")


@indicator("formations.*.heures", "Heures × participants", section=SECTION, unit=Unit.NUMBER)
def hours(year: SchoolYear) -> dict[str, Decimal] | None:
    return _hours(year, "training__slug")


@indicator(
    "formations.*.duree", "Durée de la formation (heures)", section=SECTION, unit=Unit.NUMBER
)
def duration(year: SchoolYear) -> dict[str, Decimal] | None:
    rows = _sessions(year).values_list("training__slug", "training__hours").distinct()
    return dict(rows) or None


# --- Per audience ------------------------------------------------------------------------------


@indicator("formations.publics.*.sessions", "Sessions tenues, par public", section=SECTION)
def sessions_by_audience(year: SchoolYear) -> dict[str, int] | None:
    return _count_sessions(year, "training__audience", Session.Status.TENUE)


@indicator("formations.publics.*.participants", "Participants, par public", section=SECTION)
def participants_by_audience(year: SchoolYear) -> dict[str, int] | None:
    return _participants(year, "training__audience")


@indicator(
    "formations.publics.*.heures",
    "Heures × participants, par public",
    section=SECTION,
    unit=Unit.NUMBER,
)
def hours_by_audience(year: SchoolYear) -> dict[str, Decimal] | None:
    return _hours(year, "training__audience")


# --- All trainings of the year -------------------------------------------------------------


def _total(values: dict | None):
    return None if values is None else sum(values.values())


@indicator("formations.sessions_tenues", "Sessions tenues", section=SECTION)
def total_sessions_held(year: SchoolYear) -> int | None:
    return _total(sessions_held(year))


@indicator("formations.sessions_annulees", "Sessions annulées", section=SECTION)
def total_sessions_cancelled(year: SchoolYear) -> int | None:
    return _total(sessions_cancelled(year))


@indicator("formations.participants", "Participants présents (distincts)", section=SECTION)
def total_participants(year: SchoolYear) -> int | None:
    if not _sessions(year).exists():
        return None
    return _presences(year).values("registration__user").distinct().count()


@indicator("formations.heures", "Heures × participants", section=SECTION, unit=Unit.NUMBER)
def total_hours(year: SchoolYear) -> Decimal | None:
    return _total(hours(year))


# --- Staff's and board's own trainings -----------------------------------------------------


def _staff_figures(year: SchoolYear) -> dict:
    return StaffTraining.objects.in_year(year).aggregate(
        count=Count("pk"),
        people=Sum("participants"),
        hours=Sum(F("hours") * F("participants"), output_field=DecimalField()),
    )


@indicator("formations_equipe.nombre", "Formations suivies", section=STAFF_SECTION)
def staff_trainings(year: SchoolYear) -> int | None:
    return _staff_figures(year)["count"] or None


@indicator("formations_equipe.participants", "Participations", section=STAFF_SECTION)
def staff_participants(year: SchoolYear) -> int | None:
    return _staff_figures(year)["people"]


@indicator(
    "formations_equipe.heures", "Heures × participants", section=STAFF_SECTION, unit=Unit.NUMBER
)
def staff_hours(year: SchoolYear) -> Decimal | None:
    value = _staff_figures(year)["hours"]
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))
