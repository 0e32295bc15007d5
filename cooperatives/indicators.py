"""The cooperatives' figures of the annual report ("Nos coopératives", part of "Accompagnement").

The report is the record of a year: it counts the coops affiliated DURING that year, i.e. every
validated affiliation of the year (`Affiliation.objects.affiliated_during(year)`), including those
of coops struck off since (a coop that closed in spring was affiliated that year); of them, the
ones struck off since are given apart (`cooperatives.radiees`, "dont … radiées depuis"). The
screens of the current campaign use `affiliated(year)` (active coops only). Members (adhérents)
are the pupils and adults of those affiliations.
The figures of the year's affiliations come from ONE aggregate query (`_figures`, shared by
the figures inside the report's collection); None when the year has no validated affiliation.
"""

from django.db.models import Count, Q, Sum

from occe.core.indicators import choice_names, indicator, shared
from occe.core.models import SchoolYear

from .models import AccompanimentEntry, Affiliation, Cooperative

SECTION = "cooperatives"
SUPPORT = "accompagnement"

# The report's slugs of the types (stable keys), in the report's order.
TYPE_SLUGS = {
    Cooperative.Type.MATERNELLE: "maternelle",
    Cooperative.Type.ELEMENTAIRE: "elementaire",
    Cooperative.Type.PRIMAIRE: "primaire",
    Cooperative.Type.COLLEGE: "college",
    Cooperative.Type.SEGPA: "segpa",
    Cooperative.Type.LYCEE: "lycee",
    Cooperative.Type.SPECIALISE: "etablissement_specialise",
}
FIRST_DEGREE = [
    Cooperative.Type.MATERNELLE,
    Cooperative.Type.ELEMENTAIRE,
    Cooperative.Type.PRIMAIRE,
]


TYPE_NAMES = {slug: str(Cooperative.Type(value).label) for value, slug in TYPE_SLUGS.items()}


@shared
def _figures(year: SchoolYear | None) -> dict | None:
    if year is None:
        return None
    affiliated = Affiliation.objects.affiliated_during(year)
    by_type = {
        slug: Count("pk", filter=Q(cooperative__type=value)) for value, slug in TYPE_SLUGS.items()
    }
    figures = affiliated.aggregate(
        total=Count("pk"),
        classes=Sum("classes"),
        pupils=Sum("pupils"),
        adults=Sum("adults"),
        first=Count("pk", filter=Q(cooperative__type__in=FIRST_DEGREE)),
        licences=Count("pk", filter=~Q(cooperative__software="")),
        assoconnect=Count("pk", filter=Q(cooperative__assoconnect_profile=True)),
        **{f"type_{slug}": expression for slug, expression in by_type.items()},
    )
    if not figures["total"]:
        return None
    figures["members"] = figures["pupils"] + figures["adults"]
    return figures


def _figure(name: str):
    def compute(year: SchoolYear):
        figures = _figures(year)
        return None if figures is None else figures[name]

    return compute


cooperatives_total = indicator("cooperatives.total", "Coopératives affiliées", section=SECTION)(
    _figure("total")
)
first_degree = indicator(
    "cooperatives.premier_degre", "Coopératives du 1er degré", section=SECTION
)(_figure("first"))


@indicator(
    "cooperatives.second_degre_et_specialises",
    "Foyers coopératifs du 2nd degré et établissements spécialisés",
    section=SECTION,
)
def second_degree(year: SchoolYear) -> int | None:
    figures = _figures(year)
    return None if figures is None else figures["total"] - figures["first"]


@indicator(
    "cooperatives.type.*", "Coopératives affiliées par type", section=SECTION, names=TYPE_NAMES
)
def by_type(year: SchoolYear) -> dict | None:
    figures = _figures(year)
    if figures is None:
        return None
    return {slug: figures[f"type_{slug}"] for slug in TYPE_SLUGS.values()}


@indicator(
    "cooperatives.radiees",
    "Dont coopératives radiées depuis",
    section=SECTION,
)
def struck_off(year: SchoolYear) -> int | None:
    if _figures(year) is None:
        return None
    return Affiliation.objects.struck_off(year).count()


members = indicator("adherents.total", "Adhérents", section=SECTION)(_figure("members"))
classes = indicator("adherents.classes", "Classes", section=SECTION)(_figure("classes"))
pupils = indicator("adherents.eleves", "Élèves", section=SECTION)(_figure("pupils"))
adults = indicator("adherents.adultes", "Adultes", section=SECTION)(_figure("adults"))


@indicator("adherents.evolution", "Évolution des adhérents sur l'année précédente", section=SECTION)
def members_change(year: SchoolYear) -> int | None:
    current = _figures(year)
    if current is None:
        return None
    previous = _figures(SchoolYear.objects.filter(start_year=year.start_year - 1).first())
    if previous is None:
        return None
    return current["members"] - previous["members"]


@indicator(
    "accompagnement.licences_logiciel",
    "Licences de logiciel comptable (coopératives affiliées)",
    section=SUPPORT,
)
def software_licences(year: SchoolYear) -> int | None:
    figures = _figures(year)
    return None if figures is None else figures["licences"]


@indicator(
    "accompagnement.profils_assoconnect",
    "Profils AssoConnect créés (coopératives affiliées)",
    section=SUPPORT,
)
def assoconnect_profiles(year: SchoolYear) -> int | None:
    figures = _figures(year)
    return None if figures is None else figures["assoconnect"]


@indicator(
    "accompagnement.contacts.*",
    "Contacts du journal d'accompagnement, par sujet",
    section=SUPPORT,
    names=choice_names(AccompanimentEntry.Topic.choices),
)
def contacts_by_topic(year: SchoolYear) -> dict | None:
    rows = (
        AccompanimentEntry.objects.filter(date__range=(year.start_date, year.end_date))
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"))
    )
    return {row["topic"]: row["n"] for row in rows} or None
