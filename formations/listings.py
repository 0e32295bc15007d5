"""The trainings of the activity plan (projet d'activité): what the year plans, per training.

A session belongs to the school year of its first part; cancelled sessions are left out. Two
queries whatever the number of sessions.
"""

from collections import defaultdict

from django.db.models import Prefetch

from occe.core.indicators import Unit
from occe.core.listings import Column, Entry, listing
from occe.core.models import SchoolYear

from .models import Session, SessionPart, StaffTraining


@listing(
    "plan.formations",
    "Formations prévues",
    section="projet_formations",
    columns=(
        Column("public", "Public", Unit.TEXT),
        Column("heures", "Durée (h)", Unit.NUMBER, "{} h"),
        Column("sessions", "Sessions", Unit.COUNT, "{} session", "{} sessions"),
        Column("places", "Places", Unit.COUNT, "{} place", "{} places"),
        Column("premiere_date", "Première date", Unit.TEXT, "à partir du {}"),
    ),
)
def planned_trainings(year: SchoolYear) -> list[Entry]:
    """One entry per training with sessions planned in the year, under its theme, the first
    to begin first."""
    sessions = (
        Session.objects.in_year(year)
        .exclude(status=Session.Status.ANNULEE)
        .select_related("training__theme")
        .prefetch_related(Prefetch("parts", queryset=SessionPart.objects.order_by("date")))
        .order_by("training__theme__name", "training__title", "pk")
    )
    by_training = defaultdict(list)
    for session in sessions:
        by_training[session.training].append(session)
    entries = [_training_entry(training, listed) for training, listed in by_training.items()]
    # Under each theme, in the order of the year (the first session first).
    return sorted(entries, key=lambda e: (e.group, e.values["premiere_date"] or year.end_date))


def _training_entry(training, sessions) -> Entry:
    where = []
    for session in sessions:
        places = [session.label] if session.label else [p.place for p in session.parts_list()]
        if session.is_remote and not session.label:
            places.append("à distance")
        for place in places:
            if place and place not in where:
                where.append(place)
    firsts = [s.first_date for s in sessions if s.first_date]
    details = " et ".join([", ".join(where[:-1]), where[-1]]) if len(where) > 1 else "".join(where)
    if training.partner:
        details = f"{details} — avec {training.partner}" if details else f"avec {training.partner}"
    return Entry(
        title=training.title,
        group=training.theme.name,
        values={
            "public": training.get_audience_display(),
            "heures": training.hours,
            "sessions": len(sessions),
            "places": sum(s.capacity for s in sessions),
            "premiere_date": min(firsts) if firsts else None,
        },
        details=details,
    )


@listing(
    "plan.formations_equipe",
    "Les formations de l'équipe",
    section="projet_vie_associative",
    columns=(
        Column("pour", "Pour", Unit.TEXT),
        Column("heures", "Durée (h)", Unit.NUMBER, "{} h"),
        Column("date", "Date", Unit.TEXT, "le {}"),
    ),
)
def planned_staff_trainings(year: SchoolYear) -> list[Entry]:
    """The trainings the employees and board members will follow in the year."""
    return [
        Entry(
            title=training.title,
            values={
                "pour": training.get_audience_display(),
                "heures": training.hours,
                "date": training.date,
            },
            details=training.organisation,
        )
        for training in StaffTraining.objects.in_year(year).order_by("date", "title")
    ]
