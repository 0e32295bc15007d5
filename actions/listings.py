"""The actions of the activity plan (projet d'activité): the editions of the year, by mode —
interventions in class, remote accompaniment, with partners, event days — in one query."""

from occe.core.indicators import Unit
from occe.core.listings import Column, Entry, listing
from occe.core.models import SchoolYear

from .models import Edition

# The seed plan's headings, in its order.
MODE_HEADINGS = {
    Edition.Mode.EN_CLASSE: "Avec interventions en classe…",
    Edition.Mode.A_DISTANCE: "…ou accompagnement à distance…",
    Edition.Mode.PARTENAIRE: "… et parfois avec des partenaires.",
    Edition.Mode.EVENEMENT: "Journées événements",
}
MODE_ORDER = list(MODE_HEADINGS)


@listing(
    "plan.actions",
    "Actions proposées aux classes",
    section="projet_actions",
    columns=(
        Column("modalite", "Modalité", Unit.TEXT, in_pdf=False),  # the heading says it
        Column("niveaux", "Niveaux", Unit.TEXT, "niveaux {}"),
        Column("classes", "Classes accompagnées", Unit.COUNT, "{} classe", "{} classes"),
        Column(
            "interventions",
            "Interventions par classe",
            Unit.COUNT,
            "{} intervention par classe",
            "{} interventions par classe",
        ),
        Column("partenaires", "Partenaires et intervenants", Unit.TEXT, "Avec : {}", own_line=True),
        Column("temps_fort", "Temps fort", Unit.TEXT, "Temps fort : {}", own_line=True),
        Column("inscriptions", "Inscriptions jusqu'au", Unit.TEXT, "inscriptions jusqu'au {}"),
    ),
)
def planned_editions(year: SchoolYear) -> list[Entry]:
    editions = sorted(
        Edition.objects.filter(school_year=year).select_related("action"),
        key=lambda e: (MODE_ORDER.index(e.mode) if e.mode in MODE_ORDER else 99, e.action.title),
    )
    return [_entry(edition) for edition in editions]


def _entry(edition: Edition) -> Entry:
    partners = [line.strip() for line in edition.partners.splitlines() if line.strip()]
    event = edition.final_event
    if event and edition.final_event_place:
        event = f"{event} ({edition.final_event_place})"
    return Entry(
        title=edition.action.title,
        group=MODE_HEADINGS.get(edition.mode, edition.get_mode_display()),
        values={
            "modalite": edition.get_mode_display(),
            "niveaux": edition.levels_display(),
            "classes": edition.capacity or None,
            "interventions": edition.interventions_per_class or None,
            "partenaires": " ; ".join(partners),
            "temps_fort": event,
            "inscriptions": edition.registration_closes,
        },
        details=edition.action.objectives.strip().split("\n")[0]
        if edition.action.objectives
        else "",
    )
