"""The association life of the activity plan (projet d'activité): the meetings planned in the
year, counted by level and kind with their dates, and the working groups the association takes
part in (two queries)."""

from collections import defaultdict

from django.utils import timezone

from occe.core.formats import date_fr
from occe.core.indicators import Unit
from occe.core.listings import Column, Entry, listing
from occe.core.models import SchoolYear

from .models import Level, Meeting, WorkingGroup, active_in


@listing(
    "plan.reunions",
    "Les réunions",
    section="projet_vie_associative",
    columns=(
        Column("niveau", "Niveau", Unit.TEXT),
        Column("nombre", "Nombre", Unit.COUNT, "{} réunion", "{} réunions"),
        Column("dates", "Dates", Unit.TEXT),
    ),
)
def planned_meetings(year: SchoolYear) -> list[Entry]:
    """One entry per level and kind of meeting, in the order of the levels and kinds."""
    by_kind = defaultdict(list)
    for meeting in Meeting.objects.in_year(year).order_by("starts_at"):
        by_kind[(meeting.level, meeting.kind)].append(meeting)
    levels, kinds = list(Level.values), list(Meeting.Kind.values)
    entries = []
    for key in sorted(by_kind, key=lambda k: (levels.index(k[0]), kinds.index(k[1]))):
        meetings = by_kind[key]
        first = meetings[0]
        days = [timezone.localtime(m.starts_at).date() for m in meetings]
        entries.append(
            Entry(
                title=first.get_kind_display(),
                values={
                    "niveau": first.get_level_display(),
                    "nombre": len(meetings),
                    "dates": ", ".join(date_fr(day) for day in days),
                },
            )
        )
    return entries


@listing(
    "plan.groupes_de_travail",
    "Les groupes de travail auxquels l'association participe",
    section="projet_vie_associative",
    columns=(Column("niveau", "Niveau", Unit.TEXT),),
)
def working_groups(year: SchoolYear) -> list[Entry]:
    groups = active_in(WorkingGroup.objects.all(), year).order_by("level", "title")
    return [
        Entry(
            title=group.title,
            values={"niveau": group.get_level_display()},
            details=group.description.strip().split("\n")[0][:200],
        )
        for group in groups
    ]
