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

from occe.core.indicators import Unit, choice_names, indicator, shared
from occe.core.models import SchoolYear

from .models import Attendance, Audience, Session, StaffTraining

SECTION = "formations"
STAFF_SECTION = "formations_equipe"


def _sessions(year: SchoolYear):
    return Session.objects.in_year(year)


GROUP_COLUMN = {"training__slug": 0, "training__audience": 3}


@shared
def _trainings(year: SchoolYear) -> list[tuple]:
    """(slug, title, hours, audience) of each training with a session in the year: one query
    giving the groups, the lengths and the names of the per-training figures."""
    return list(
        _sessions(year)
        .order_by()
        .values_list("training__slug", "training__title", "training__hours", "training__audience")
        .distinct()
    )


def _groups(year: SchoolYear, key: str) -> list:
    return sorted({row[GROUP_COLUMN[key]] for row in _trainings(year)})


def training_names(year: SchoolYear) -> dict[str, str]:
    return {slug: title for slug, title, _, _ in _trainings(year)}


@shared
def _session_counts(year: SchoolYear, key: str) -> dict[str, dict[str, int]]:
    """{status: {group: sessions}} for held and cancelled sessions, one query per `key`."""
    rows = (
        _sessions(year)
        .order_by()
        .values(key)
        .annotate(
            held=Count("pk", filter=Q(status=Session.Status.TENUE)),
            cancelled=Count("pk", filter=Q(status=Session.Status.ANNULEE)),
        )
    )
    return {
        status: {row[key]: row[name] for row in rows}
        for status, name in ((Session.Status.TENUE, "held"), (Session.Status.ANNULEE, "cancelled"))
    }


def _count_sessions(year: SchoolYear, key: str, status: str) -> dict[str, int] | None:
    return dict(_session_counts(year, key)[status]) or None


def _presences(year: SchoolYear):
    return Attendance.objects.filter(present=True, part__session__in=_sessions(year))


@shared
def _participants(year: SchoolYear, key: str) -> dict[str, int] | None:
    """Distinct people present, per `key`; 0 for a group whose sessions had nobody."""
    groups = dict.fromkeys(_groups(year, key), 0)
    if not groups:
        return None
    rows = (
        _presences(year)
        .values(f"part__session__{key}")
        .annotate(n=Count("registration__user", distinct=True))
        .values_list(f"part__session__{key}", "n")
    )
    return groups | dict(rows)


@shared
def _hours(year: SchoolYear, key: str) -> dict[str, Decimal] | None:
    """Hours × participants per `key`: presences grouped by part length in the database."""
    groups = dict.fromkeys(_groups(year, key), Decimal("0"))
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


@indicator("formations.*.sessions", "Sessions tenues", section=SECTION, names=training_names)
def sessions_held(year: SchoolYear) -> dict[str, int] | None:
    return _count_sessions(year, "training__slug", Session.Status.TENUE)


@indicator(
    "formations.*.sessions_annulees", "Sessions annulées", section=SECTION, names=training_names
)
def sessions_cancelled(year: SchoolYear) -> dict[str, int] | None:
    return _count_sessions(year, "training__slug", Session.Status.ANNULEE)


@indicator(
    "formations.*.participants", "Participants présents", section=SECTION, names=training_names
)
def participants(year: SchoolYear) -> dict[str, int] | None:
    return _participants(year, "training__slug")


@indicator(
    "formations.*.heures",
    "Heures × participants",
    section=SECTION,
    unit=Unit.NUMBER,
    names=training_names,
)
def hours(year: SchoolYear) -> dict[str, Decimal] | None:
    return _hours(year, "training__slug")


@indicator(
    "formations.*.duree",
    "Durée de la formation (heures)",
    section=SECTION,
    unit=Unit.NUMBER,
    names=training_names,
)
def duration(year: SchoolYear) -> dict[str, Decimal] | None:
    return {slug: hours for slug, _, hours, _ in _trainings(year)} or None


# --- Per audience ------------------------------------------------------------------------------

AUDIENCE_NAMES = choice_names(Audience.choices)


@indicator(
    "formations.publics.*.sessions",
    "Sessions tenues, par public",
    section=SECTION,
    names=AUDIENCE_NAMES,
)
def sessions_by_audience(year: SchoolYear) -> dict[str, int] | None:
    return _count_sessions(year, "training__audience", Session.Status.TENUE)


@indicator(
    "formations.publics.*.participants",
    "Participants, par public",
    section=SECTION,
    names=AUDIENCE_NAMES,
)
def participants_by_audience(year: SchoolYear) -> dict[str, int] | None:
    return _participants(year, "training__audience")


@indicator(
    "formations.publics.*.heures",
    "Heures × participants, par public",
    section=SECTION,
    unit=Unit.NUMBER,
    names=AUDIENCE_NAMES,
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
    if not _trainings(year):
        return None
    return _presences(year).values("registration__user").distinct().count()


@indicator("formations.heures", "Heures × participants", section=SECTION, unit=Unit.NUMBER)
def total_hours(year: SchoolYear) -> Decimal | None:
    return _total(hours(year))


# --- Staff's and board's own trainings -----------------------------------------------------


@shared
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
