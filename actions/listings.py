"""The actions of the activity plan (projet d'activité): the editions of the year, by mode —
interventions in class, remote accompaniment, with partners, event days — in one query."""

from decimal import Decimal

from occe.core import formats
from occe.core.indicators import Unit, shared_figures
from occe.core.listings import Column, Entry, listing
from occe.core.models import SchoolYear

from . import indicators
from .models import LEVEL_CODES, Edition, Intervention

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


# --- The annual report: one block per edition of the year ------------------------------------
# The report's « Actions pédagogiques départementales » (seed OCCE 92): per edition, its
# objectives, partners, classes, schools and pupils, classes by cycle, interventions per class,
# resources, final event, who contributed and how much, the total and the association's share.
# The figures come from the report's indicators (actions.indicators), so that the blocks and
# the « Par action » table always agree; a figure with no data is None ("non renseigné").

# Consecutive columns that are not `own_line` make one sentence in the PDF: « 8 classes
# participantes du CP au CM2 de 4 écoles : 192 ÉLÈVES CONCERNÉS ».
REPORT_COLUMNS = (
    Column("objectifs", "Objectifs", Unit.TEXT, "OBJECTIFS : {}", own_line=True),
    Column("partenaires", "Partenaires et intervenants", Unit.TEXT, "Avec : {}", own_line=True),
    Column(
        "classes",
        "Classes participantes",
        Unit.COUNT,
        "{} classe participante",
        "{} classes participantes",
    ),
    Column("niveaux", "Niveaux des classes", Unit.TEXT),
    Column("ecoles", "Écoles", Unit.COUNT, "d'{} école", "de {} écoles"),
    Column(
        "eleves", "Élèves concernés", Unit.COUNT, ": {} ÉLÈVE CONCERNÉ", ": {} ÉLÈVES CONCERNÉS"
    ),
    Column("cycles", "Classes par cycle", Unit.TEXT, "Classes par cycle : {}", own_line=True),
    Column(
        "interventions_par_classe",
        "Interventions par classe",
        Unit.NUMBER,
        "{} intervention par classe",
        "{} interventions par classe",
    ),
    Column("intervenants", "Intervenants", Unit.TEXT, "de la part de {}"),
    Column("ressources", "Ressources", Unit.TEXT, "Ressources : {}", own_line=True),
    Column("temps_fort", "Temps fort", Unit.TEXT, "{}", own_line=True),
    Column(
        "contributions",
        "Participations financières",
        Unit.TEXT,
        "Participations financières : {}.",
        own_line=True,
    ),
    Column(
        "budget_total", "Montant global de l'action", Unit.AMOUNT, "Montant global de l'action {}"
    ),
    Column(
        "part_association", "Part de l'association", Unit.AMOUNT, "— part de l'association : {}"
    ),
)


@listing(
    "rapport.actions",
    "Actions pédagogiques (détail)",
    section=indicators.SECTION,
    columns=REPORT_COLUMNS,
)
def report_editions(year: SchoolYear) -> list[Entry]:
    """One entry per edition of the year, in the actions' order (a constant number of queries:
    the indicators' aggregates, the classes' levels and the intervenants, whatever the number
    of editions)."""
    editions = list(
        Edition.objects.filter(school_year=year).select_related("action").order_by("action__title")
    )
    if not editions:
        return []
    with shared_figures():  # the helpers the indicators share, computed once
        facts = _ReportFacts(year)
    return [facts.entry(edition) for edition in editions]


class _ReportFacts:
    """The year's figures per edition, read once from the report's indicators."""

    def __init__(self, year: SchoolYear):
        self.classes = {row[0]: row[1:] for row in indicators._class_figures(year)}
        self.cycles = indicators._cycle_counts(year)
        self.budget = {row[0]: row[1:] for row in indicators._budget(year)}
        self.per_class = indicators.interventions_per_class(year) or {}
        self.given: dict[str, list[tuple[str, Decimal]]] = {}
        for action, _, name, amount in indicators._contribution_lines(year):
            self.given.setdefault(action, []).append((name, amount))
        self.levels: dict[int, set] = {}
        for edition, levels in indicators._classes(year).values_list("edition", "levels"):
            self.levels.setdefault(edition, set()).update(levels or [])
        self.people = _intervenants(year)

    def entry(self, edition: Edition) -> Entry:
        """Its values; a figure with no data is None ("non renseigné"), a figure that does not
        apply is left out (interventions of an edition planning none)."""
        slug = edition.action.slug
        classes, schools, pupils = self.classes.get(edition.pk) or (None, None, None)
        spent, given = self.budget.get(edition.pk) or (None, None)
        values = {
            "objectifs": " ".join(edition.action.objectives.split()),
            "partenaires": " ; ".join(_lines(edition.partners)),
            "classes": classes or None,
            "niveaux": levels_range(self.levels.get(edition.pk)),
            "ecoles": schools or None,
            "eleves": pupils or None,
            "cycles": cycles_sentence(self.cycles.get(edition.pk)),
            "ressources": " ; ".join(edition.resource_links()),
            "temps_fort": final_event(edition),
            "contributions": contributions_sentence(self.given.get(slug, [])),
            "budget_total": spent,
            "part_association": None if spent is None else spent - (given or Decimal("0")),
        }
        people = self.people.get(edition.pk)
        if edition.interventions_per_class or people:
            values["interventions_par_classe"] = self.per_class.get(slug) or None
            values["intervenants"] = people or ""
        return Entry(title=edition.action.title, values=values, group=edition.get_mode_display())


def _intervenants(year: SchoolYear) -> dict[int, str]:
    """{edition pk: « Clémence Arnaud et Yanis Morel (Compagnie du Hasard) »}: who held its
    interventions, by organisation, in one query."""
    held = (
        Intervention.objects.filter(edition__school_year=year, status=Intervention.Status.REALISEE)
        .values_list("edition", "intervenant__organisation", "intervenant__name")
        .distinct()
        .order_by("edition", "intervenant__organisation", "intervenant__name")
    )
    found: dict[int, dict[str, list[str]]] = {}
    for edition, organisation, name in held:
        found.setdefault(edition, {}).setdefault(organisation, []).append(name)
    return {
        edition: and_list(
            [f"{and_list(names)} ({org})" if org else and_list(names) for org, names in by.items()]
        )
        for edition, by in found.items()
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def and_list(items: list[str]) -> str:
    """« A », « A et B », « A, B et C »."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


def levels_range(levels) -> str:
    """« du CP au CM2 », « de la PS au CM2 », « en CM1 » (the levels in school order)."""
    known = [level for level in LEVEL_CODES if level in set(levels or [])]
    if not known:
        return ""
    if len(known) == 1:
        return f"en {known[0]}"
    first, last = known[0], known[-1]
    start = "de la" if first in FEMININE_LEVELS else "du"
    end = "à la" if last in FEMININE_LEVELS else "au"
    return f"{start} {first} {end} {last}"


FEMININE_LEVELS = {"PS", "MS", "GS"}  # la petite, moyenne, grande section


def cycles_sentence(per_cycle: dict[int, int] | None) -> str:
    """« 7 de cycle 2 et 2 de cycle 3 » (the cycles with classes only)."""
    parts = [f"{n} de cycle {cycle}" for cycle, n in sorted((per_cycle or {}).items()) if n]
    return and_list(parts)


def final_event(edition: Edition) -> str:
    """« Restitution des classes — Théâtre Jean Vilar, Suresnes, le 10 juin 2025 »."""
    text = edition.final_event.strip()
    if not text:
        return ""
    if edition.final_event_place.strip():
        text += f" — {edition.final_event_place.strip()}"
    if edition.final_event_date:
        text += f", le {formats.date_fr(edition.final_event_date)}"
    return text


def contributions_sentence(given: list[tuple[str, Decimal]]) -> str:
    """« 500,00 € de la DSDEN et 4 000,00 € du Rectorat »."""
    return and_list([f"{formats.euros(amount)} {of(name)}" for name, amount in given])


# The gender of a contributor's first word, for « de la DSDEN », « du Rectorat ».
FEMININE = set(
    [
        "dsden",
        "drac",
        "daac",
        "dane",
        "ville",
        "mairie",
        "région",
        "caisse",
        "fondation",
        "direction",
        "communauté",
        "métropole",
        "préfecture",
        "fédération",
        "mutuelle",
        "banque",
        "maif",
        "mae",
        "compagnie",
        "commune",
        "ligue",
        "maison",
        "médiathèque",
        "bibliothèque",
    ]
)
MASCULINE = set(
    [
        "rectorat",
        "conseil",
        "département",
        "ministère",
        "fonds",
        "crédit",
        "comité",
        "syndicat",
        "centre",
        "théâtre",
        "musée",
        "cinéma",
        "réseau",
        "service",
        "parc",
    ]
)
ARTICLES = {"le": "du ", "la": "de la ", "les": "des "}
VOWELS = tuple("aeéèêiîoôuAEÉÈÊIÎOÔU")


def of(name: str) -> str:
    """« de la DSDEN », « du Rectorat », « de l'Agence de l'eau », « de Canopé »: its article
    given (« la Ville de Sceaux »), else the gender of its first word, else « de »."""
    name = name.strip()
    first, _, rest = name.partition(" ")
    lower = first.lower()
    if lower in ARTICLES and rest:
        return ARTICLES[lower] + rest
    if lower in FEMININE and not name.startswith(VOWELS):
        return f"de la {name}"
    if lower in MASCULINE and not name.startswith(VOWELS):
        return f"du {name}"
    if name.startswith(VOWELS) and not first.isupper():
        return f"de l'{name}"
    return f"de {name}"
